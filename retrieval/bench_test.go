package retrieval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/glossary"
)

var benchQuestions = []string{
	"上合组织秘书处设在哪里?",
	"成员国在禁毒方面怎么合作?",
	"農業方面成員國具體準備在哪些地方合作?",
	"人類命運共同體 上合",
	"What does the declaration say about drug trafficking?",
	"宣言第三部分第六节主要讲什么?",
}

// BenchmarkBuild measures indexing the declaration (target < 50 ms).
func BenchmarkBuild(b *testing.B) {
	ctx := context.Background()
	doc := corpus.Default()
	opt := Options{Lexicon: GlossaryLexicon{glossary.Default()}}
	opt.Lexicon.IsWord("预热") // load the glossary outside the timing
	for b.Loop() {
		emb, _ := LocalEmbedder(ctx, doc)
		if _, err := Build(ctx, doc, emb, opt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearch measures one query on the declaration (target p50 < 1 ms).
func BenchmarkSearch(b *testing.B) {
	ix := buildDefault(b)
	benchQueries(b, ix)
}

// BenchmarkScale builds an index of 100,000 synthetic paragraphs made by
// recombining the declaration's sentences (SCALE_N sets another count), and
// reports build time, query p50/p99 and the heap the index holds (target
// query p50 < 50 ms).
func BenchmarkScale(b *testing.B) {
	ctx := context.Background()
	n := 100_000
	if v := os.Getenv("SCALE_N"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	doc := synthetic(n)
	opt := Options{Lexicon: GlossaryLexicon{glossary.Default()}}
	opt.Lexicon.IsWord("预热") // load the glossary outside the timing
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	emb, _ := LocalEmbedder(ctx, doc)
	ix, err := Build(ctx, doc, emb, opt)
	if err != nil {
		b.Fatal(err)
	}
	build := time.Since(start)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	benchQueries(b, ix)
	b.ReportMetric(build.Seconds(), "build-s")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "index-heap-MiB")
	runtime.KeepAlive(ix)
}

func benchQueries(b *testing.B, ix *Index) {
	ctx := context.Background()
	// The first English question loads the glossary once per process; that
	// start-up cost is not a query's.
	if _, err := ix.Search(ctx, "warm up the glossary", 5); err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	i := 0
	b.ResetTimer()
	for b.Loop() {
		q := benchQuestions[i%len(benchQuestions)]
		i++
		t := time.Now()
		if _, err := ix.Search(ctx, q, 5); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// synthetic makes n paragraphs of three to six sentences drawn from the
// declaration, in sections of 20, with a fixed seed.
func synthetic(n int) *corpus.Document {
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
