package retrieval

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/embeddings"
	"github.com/citebot/citebot/glossary"
)

func TestTmpQuality(t *testing.T) {
	doc := corpus.Default()
	texts := make([]string, len(doc.Paragraphs))
	for i, p := range doc.Paragraphs {
		texts[i] = p.Section + "\n" + p.Text
	}
	ix, err := Build(context.Background(), doc, embeddings.NewLocal(texts, 0), Options{Translator: tr{glossary.Default()}})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(os.Getenv("EVALSET"))
	cases, _ := ReadCases(f)
	outs, sum, err := Evaluate(context.Background(), ix, cases, 5)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range outs {
		q, _ := ix.query(cases[i].Question)
		cov := 0.0
		if len(o.Retrieved) > 0 {
			for j, p := range doc.Paragraphs {
				if p.Label == o.Retrieved[0] {
					cov = ix.coverage(q, j)
				}
			}
		}
		sh, unk := ix.unknownShare(cases[i].Question)
		_ = cov
		fmt.Printf("%s %-12s gold=%v got=%v grounded=%v share=%.2f unk=%v\n", o.ID, cases[i].Kind, cases[i].Gold, o.Retrieved[:min(2, len(o.Retrieved))], o.Grounded, sh, unk)
	}
	fmt.Print(FormatSummary(sum))
}

type tr struct{ g *glossary.Glossary }

func (t tr) Translate(q string, known func(string) bool) []Term {
	var out []Term
	for _, x := range t.g.TranslateIn(q, known) {
		out = append(out, Term{Text: x.Zh, Weight: x.Weight})
	}
	return out
}
