// Package docversion names a version of the served corpus: a short digest
// of its paragraphs, so that the question log and the metrics can say which
// text an answer was drawn from, across reloads and restarts.
package docversion

import (
	"crypto/sha256"
	"encoding/hex"
	"sync/atomic"

	"github.com/citebot/citebot/corpus"
)

// last caches the digest of the last document asked about: the serving
// document changes only with a reload, while every question asks.
var last atomic.Pointer[entry]

type entry struct {
	doc     *corpus.Document
	version string
}

// Of returns the version of doc: 12 hex digits of a SHA-256 over every
// paragraph's label, section and text, in order. The title is left out, as
// callers may override it without changing the text. Of(nil) is "".
func Of(doc *corpus.Document) string {
	if doc == nil {
		return ""
	}
	if e := last.Load(); e != nil && e.doc == doc {
		return e.version
	}
	h := sha256.New()
	for _, p := range doc.Paragraphs {
		// NUL cannot occur in corpus text (it is refused as binary), so it
		// separates fields unambiguously.
		h.Write([]byte(p.Label))
		h.Write([]byte{0})
		h.Write([]byte(p.Section))
		h.Write([]byte{0})
		h.Write([]byte(p.Text))
		h.Write([]byte{0})
	}
	v := hex.EncodeToString(h.Sum(nil))[:12]
	last.Store(&entry{doc: doc, version: v})
	return v
}
