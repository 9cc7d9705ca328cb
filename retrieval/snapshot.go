package retrieval

import (
	_ "embed"

	"github.com/citebot/citebot/embeddings"
	"github.com/citebot/citebot/glossary"
)

// declarationFit is the meaning space fitted to the embedded declaration
// with the embedded glossary, as embeddings.Fit.Snapshot writes it.
// Fitting it reads the glossary for every word of the document and is most
// of a cold `citebot ask` (about 20 ms on the CI machine); loading it takes
// a fraction of that. `go generate` rewrites it, and TestDeclarationFit
// fails when it is not what fitting gives today.
//
//go:generate go test -run ^TestDeclarationFit$ -update .
//go:embed data/declaration.fit
var declarationFit string

// fitSpace fits the meaning space to the folded passages, or loads the
// shipped one when they are the declaration's and lex the glossary it was
// fitted with (a snapshot only says which texts it is of).
func fitSpace(lex Lexicon, texts []string, fitAlways bool) (*embeddings.Space, *embeddings.Fit) {
	if gl, ok := lex.(GlossaryLexicon); ok && !fitAlways && gl.Glossary == glossary.Default() {
		if s, f, err := embeddings.LoadFit(lex, declarationFit, texts, 0); err == nil {
			return s, f
		}
	}
	return embeddings.FitFolded(lex, texts, 0)
}
