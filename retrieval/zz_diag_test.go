package retrieval

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/embeddings"
	"github.com/citebot/citebot/glossary"
)

func TestZZDiag(t *testing.T) {
	doc := corpus.Default()
	texts := make([]string, len(doc.Paragraphs))
	for i, p := range doc.Paragraphs {
		texts[i] = p.Section + "\n" + p.Text
	}
	ix, _ := Build(context.Background(), doc, embeddings.NewLocal(texts, 0), Options{Translator: tr{glossary.Default()}})
	text := ix.docText()
	inDoc := func(s string) bool { return strings.Contains(text, s) }
	for _, fn := range []string{"testdata/dev.jsonl", "testdata/probe.jsonl"} {
		f, _ := os.Open(fn)
		cases, _ := ReadCases(f)
		for _, c := range cases {
			var con, unk []string
			if mostlyLatin(c.Question) {
				con, unk = unknownUnits(c.Question, inDoc)
			} else {
				con, unk = unknownWords(embeddings.Fold(c.Question), inDoc)
			}
			fmt.Printf("%s %-12s con=%v UNK=%v\n", c.ID, c.Kind, con, unk)
		}
	}
}
