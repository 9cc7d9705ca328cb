package bot

import (
	"strings"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/corpus"
)

// replyLanguage is the language a reply to q is written in: the question's
// own (Simplified, Traditional or English), and the document's when the
// question has no letters to tell (an emoji, a label).
func replyLanguage(q string, doc *corpus.Document) Lang {
	if l := analysis.Detect(q); l != analysis.Unknown {
		return l
	}
	return docLanguage(doc)
}

// docLanguage is the language of most of a document's text; English stands
// for any alphabetic language.
func docLanguage(doc *corpus.Document) Lang {
	size := map[Lang]int{}
	for i, p := range doc.Paragraphs {
		if i == 50 {
			break // the first pages tell
		}
		size[analysis.Detect(p.Text)] += len(p.Text)
	}
	best := Simplified
	for _, l := range []Lang{Traditional, English} {
		if size[l] > size[best] {
			best = l
		}
	}
	return best
}

// Description says what a transport should tell users about the serving
// document: its title and a few labels to show as examples. It changes
// with every reload.
type Description struct {
	Title  string
	Labels []string // a paragraph label, a subsection and a part, where the document has them
}

// Describe describes the serving document.
func (b *Bot) Describe() Description {
	doc := b.cfg.Searcher.Document()
	d := Description{Title: b.title(doc)}
	var para, sub, part string
	for _, s := range doc.Sections {
		switch {
		case s.Key == "" || s.Key == corpus.PreambleKey:
		case part == "" && !strings.Contains(s.Key, "("):
			part = s.Key
		case sub == "" && strings.Contains(s.Key, "("):
			sub = s.Key
		}
		if para == "" && len(s.Paragraphs) > 1 && s.Key != "" {
			para = doc.Paragraphs[s.Paragraphs[1]].Label
		}
	}
	if para == "" && len(doc.Paragraphs) > 0 {
		para = doc.Paragraphs[0].Label
	}
	for _, l := range []string{para, sub, part} {
		if l != "" {
			d.Labels = append(d.Labels, l)
		}
	}
	return d
}

// helpText explains the bot for the serving document, in language l.
func helpText(d Description, l Lang) string {
	return Say(l, MsgHelp, TitleIn(d.Title, l), list(l, d.Labels))
}

// LanguageOf is the language of a reply to text, as the bot chooses it:
// the text's own, else fallback (what the transport knows of the asker,
// such as a Discord locale). Transports use it for the words they add
// around a reply before the bot has made one.
func LanguageOf(text string, fallback Lang) Lang {
	if l := analysis.Detect(text); l != analysis.Unknown {
		return l
	}
	if fallback == "" {
		return English
	}
	return fallback
}
