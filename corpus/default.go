package corpus

import (
	_ "embed"
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
		d, err := Parse("embedded", declaration)
		if err != nil {
			// The embedded file is checked by the tests; failing here is a build defect.
			panic("corpus: embedded declaration does not parse: " + err.Error())
		}
		defaultDoc = d
	})
	return defaultDoc
}
