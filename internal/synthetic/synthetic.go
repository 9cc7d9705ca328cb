// Package synthetic makes large documents for benchmarks: paragraphs
// recombined from the declaration's sentences, the same for retrieval's
// BenchmarkScale and the side-by-side yardstick against bleve.
package synthetic

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/citebot/citebot/corpus"
)

// Declaration makes n paragraphs of three to six sentences drawn from the
// declaration, in sections of 20, with a fixed seed.
func Declaration(n int) *corpus.Document {
	var sentences []string
	for _, p := range corpus.Default().Paragraphs {
		for _, s := range strings.SplitAfter(p.Text, "。") {
			if strings.TrimSpace(s) != "" {
				sentences = append(sentences, s)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	doc := &corpus.Document{Name: "synthetic"}
	for i := range n {
		var sb strings.Builder
		for range 3 + r.IntN(4) {
			sb.WriteString(sentences[r.IntN(len(sentences))])
		}
		sec := fmt.Sprintf("%d", i/20+1)
		doc.Paragraphs = append(doc.Paragraphs, corpus.Paragraph{
			Label: fmt.Sprintf("%s¶%d", sec, i%20+1), Section: "第" + sec + "節", Text: sb.String(), Key: sec, N: i%20 + 1,
		})
	}
	return doc
}
