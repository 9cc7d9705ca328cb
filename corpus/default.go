package corpus

import (
	_ "embed"
	"fmt"
	"sync"
)

// declaration is the cleaned 2021 SCO Dushanbe Declaration, produced by
// CleanText from testdata/seed_page.txt (see TestDeclarationIsCleanedSeed).
//
//go:embed declaration.txt
var declaration []byte

// DeclarationText returns the embedded cleaned declaration.
func DeclarationText() []byte { return append([]byte(nil), declaration...) }

var (
	defaultOnce sync.Once
	defaultDoc  *Document
)

// Default returns the embedded declaration, parsed once. Callers must not
// modify it.
func Default() *Document {
	defaultOnce.Do(func() {
		d, err := parseClean("embedded", declaration)
		if err != nil {
			// The embedded file is checked by the tests; failing here is a build defect.
			panic("corpus: embedded declaration does not parse: " + err.Error())
		}
		defaultDoc = d
	})
	return defaultDoc
}

// parseClean parses a document known not to be a scraped page, without
// classifying its lines for page furniture: what Parse does with such a
// document, less the classification (TestDefaultIsParse), which was half
// of parsing the declaration at every start.
func parseClean(name string, data []byte) (*Document, error) {
	title, body := splitTitle(normalizeLines(string(data)))
	doc := build(name, title, body)
	if doc.Title == "" {
		doc.Title = fileTitle(name)
	}
	if len(doc.Paragraphs) == 0 {
		return nil, fmt.Errorf("corpus %s: %w", name, ErrNoParagraphs)
	}
	return doc, nil
}
