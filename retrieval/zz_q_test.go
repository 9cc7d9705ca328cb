package retrieval

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/glossary"
)

func TestZZQ(t *testing.T) {
	ctx := context.Background()
	doc := corpus.Default()
	if os.Getenv("DOC") != "" {
		doc, _ = corpus.Load(os.Getenv("DOC"))
	}
	ix, _ := Build(ctx, doc, nil, Options{Lexicon: GlossaryLexicon{glossary.Default()}})
	for _, qs := range strings.Split(os.Getenv("Q"), "|") {
		parts := strings.SplitN(qs, "=", 2)
		question, gold := parts[0], ""
		if len(parts) == 2 {
			gold = parts[1]
		}
		q := ix.analyse(question)
		sc := ix.scratch.get()
		ix.lex.score(q.terms, sc.lex)
		sc.touched = ix.means.score(q.words, sc.mean, sc.best, sc.touched)
		vec, _ := ix.vectorSearch(ctx, q.text, sc.lex, sc.sims)
		fuse(sameScript, sc.lex, sc.mean, vec, sc.fused)
		rank := func(s []float64) int {
			for r, i := range topN(s, len(s)) {
				if ix.doc.Paragraphs[i].Label == gold {
					return r + 1
				}
			}
			return -1
		}
		vr := -1
		for r, v := range vec {
			if ix.doc.Paragraphs[v.doc].Label == gold {
				vr = r + 1
			}
		}
		fmt.Printf("Q %s\n text=%q\n terms=%v\n words=%v\n gold %s: lex %d mean %d vec %d fused %d\n", question, q.text, q.terms, q.words, gold, rank(sc.lex), rank(sc.mean), vr, rank(sc.fused))
		for _, i := range topN(sc.fused, 3) {
			fmt.Printf("  top %s lex %.2f mean %.2f\n", ix.doc.Paragraphs[i].Label, sc.lex[i], sc.mean[i])
		}
		for i, p := range ix.doc.Paragraphs {
			if p.Label == gold {
				fmt.Printf("  gold lex %.2f mean %.2f matches %v\n", sc.lex[i], sc.mean[i], ix.means.matches(q.words, i))
			}
		}
		ix.scratch.put(sc)
	}
}
