package bot

import (
	"strings"
	"sync/atomic"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/internal/lazyre"
)

// A model can write links the document never had (a phishing page dressed
// as the "official notice"); they are data, not something the bot vouches
// for. Model text keeps only the URLs the document itself contains.
var (
	// urlRe finds a URL with a scheme, as chat clients link them; it stops
	// at spaces, brackets, quotes and Chinese punctuation.
	urlRe = lazyre.New(`(?i)\b[a-z][a-z0-9+.\-]{1,15}://[^\s<>"'()\[\]{}「」『』“”‘’，。；！？、（）【】]+`)
	// mdLinkRe finds a Markdown link [text](target), the form chat clients
	// render as a link under the text. Unbounded repeats: counted ones
	// ({0,200}) cost 11 ms of every start to compile, and a longer link is
	// still a link.
	mdLinkRe = lazyre.New(`\[([^\[\]\n]*)\]\(\s*<?([^()\s<>]+)>?\s*\)`)
)

// docLinks are the URLs of one document.
type docLinks struct {
	doc  *corpus.Document
	urls map[string]bool
}

// lastLinks caches the URLs of the document served last: they are
// collected once per document, not once per answer.
var lastLinks atomic.Pointer[docLinks]

// linksOf returns the URLs of doc's paragraphs and section titles.
func linksOf(doc *corpus.Document) *docLinks {
	if l := lastLinks.Load(); l != nil && l.doc == doc {
		return l
	}
	l := &docLinks{doc: doc, urls: map[string]bool{}}
	seen := map[string]bool{}
	for _, p := range doc.Paragraphs {
		for _, text := range []string{p.Text, p.Section} {
			if seen[text] || !strings.Contains(text, "://") {
				continue
			}
			seen[text] = true
			for _, u := range urlRe.FindAllString(text, -1) {
				l.urls[trimURL(u)] = true
			}
		}
	}
	lastLinks.Store(l)
	return l
}

// trimURL drops the punctuation that ends a sentence after a URL.
func trimURL(u string) string { return strings.TrimRight(u, ".,:;!?") }

// clean removes from model text every URL the document does not contain:
// a Markdown link to one becomes its text, a bare one is dropped.
func (l *docLinks) clean(text string) string {
	if !strings.Contains(text, "://") {
		return text
	}
	text = mdLinkRe.Compile().ReplaceAllStringFunc(text, func(m string) string {
		sub := mdLinkRe.FindStringSubmatch(m)
		if l.urls[trimURL(sub[2])] {
			return m
		}
		return sub[1]
	})
	return urlRe.Compile().ReplaceAllStringFunc(text, func(u string) string {
		t := trimURL(u)
		if l.urls[t] {
			return u
		}
		return u[len(t):] // keep the sentence's own punctuation
	})
}
