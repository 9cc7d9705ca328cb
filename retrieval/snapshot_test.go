package retrieval

import (
	"context"
	"flag"
	"os"
	"reflect"
	"testing"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/embeddings"
	"github.com/citebot/citebot/glossary"
)

var update = flag.Bool("update", false, "rewrite data/declaration.fit")

// The shipped meaning space of the declaration is the one fitting gives
// today: a change to the fitting, the glossary or the declaration that
// would make it stale fails here until `go generate ./retrieval` is run.
func TestDeclarationFit(t *testing.T) {
	lex := GlossaryLexicon{glossary.Default()}
	texts, _, _, _ := foldPassages(corpus.Default())
	_, fit := embeddings.FitFolded(lex, texts, 0)
	data, err := fit.Snapshot(texts)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("data/declaration.fit", data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(data) != declarationFit {
		t.Fatalf("data/declaration.fit (%d bytes) is not the declaration's fitted space today (%d bytes): run go generate ./retrieval", len(declarationFit), len(data))
	}
	if _, _, err := embeddings.LoadFit(lex, declarationFit, texts, 0); err != nil {
		t.Fatalf("the shipped space does not load: %v", err)
	}
}

// An index that loads the declaration's space answers every question
// exactly as one that fits it: the same hits, scores, outcome and evidence,
// to the last bit.
func TestDeclarationFitAnswersAlike(t *testing.T) {
	ctx := context.Background()
	loaded := buildDefault(t)
	fitted, err := Build(ctx, corpus.Default(), nil, Options{Lexicon: GlossaryLexicon{glossary.Default()}, fitAlways: true})
	if err != nil {
		t.Fatal(err)
	}
	var cases []Case
	for _, set := range []string{"testdata/dev.jsonl", "testdata/dev-everyday.jsonl", "testdata/probe.jsonl"} {
		cases = append(cases, readCases(t, set)...)
	}
	for _, c := range cases {
		a, err := loaded.Search(ctx, c.Question, 5)
		if err != nil {
			t.Fatal(err)
		}
		b, err := fitted.Search(ctx, c.Question, 5)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: loaded %+v\nfitted %+v", c.ID, a, b)
		}
	}
}
