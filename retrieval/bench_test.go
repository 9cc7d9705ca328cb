package retrieval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/glossary"
	"github.com/citebot/citebot/internal/synthetic"
)

var benchQuestions = []string{
	"上合组织秘书处设在哪里?",
	"成员国在禁毒方面怎么合作?",
	"農業方面成員國具體準備在哪些地方合作?",
	"人類命運共同體 上合",
	"What does the declaration say about drug trafficking?",
	"宣言第三部分第六节主要讲什么?",
}

// BenchmarkBuild measures indexing the declaration (target < 50 ms): with
// its shipped meaning space (loaded) and without (fitted).
func BenchmarkBuild(b *testing.B) {
	ctx := context.Background()
	doc := corpus.Default()
	for _, bc := range []struct {
		name      string
		fitAlways bool
	}{{"loaded", false}, {"fitted", true}} {
		b.Run(bc.name, func(b *testing.B) {
			opt := Options{Lexicon: GlossaryLexicon{glossary.Default()}, fitAlways: bc.fitAlways}
			opt.Lexicon.IsWord("预热") // load the glossary outside the timing
			for b.Loop() {
				emb, _ := LocalEmbedder(ctx, doc)
				if _, err := Build(ctx, doc, emb, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSearch measures one query on the declaration (target p50 < 1 ms).
func BenchmarkSearch(b *testing.B) {
	ix := buildDefault(b)
	benchQueries(b, ix)
}

// BenchmarkScale builds an index of 100,000 synthetic paragraphs made by
// recombining the declaration's sentences (SCALE_N sets another count), and
// reports build time, query p50/p99, the vector stage's share of a query
// (vector-p50-ms), answers a second with 1, 2, 4 and 8 concurrent askers and
// the heap the index holds (targets at 100,000: build ≤ 15 s, p50 ≤ 10 ms,
// p99 ≤ 50 ms, heap ≤ 5.5 KB a paragraph).
func BenchmarkScale(b *testing.B) {
	ctx := context.Background()
	n := 100_000
	if v := os.Getenv("SCALE_N"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	doc := synthetic.Declaration(n)
	opt := Options{Lexicon: GlossaryLexicon{glossary.Default()}, MaxParagraphs: -1}
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
	b.StopTimer()
	b.ReportMetric(vectorStage(b, ix), "vector-p50-ms")
	for _, c := range []int{1, 2, 4, 8} {
		b.ReportMetric(throughput(b, ix, c, 24*c), fmt.Sprintf("ans/s-%d", c))
	}
	b.ReportMetric(build.Seconds(), "build-s")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "index-heap-MiB")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "heap-B/para")
	runtime.KeepAlive(ix)
}

// BenchmarkThroughput measures answers a second on the declaration with 1,
// 2, 4 and 8 askers sharing one index (the machine has 2 cores).
func BenchmarkThroughput(b *testing.B) {
	ix := buildDefault(b)
	for _, c := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("askers=%d", c), func(b *testing.B) {
			b.ReportMetric(throughput(b, ix, c, b.N), "answers/s")
		})
	}
}

// throughput runs n searches split among c goroutines and returns the
// searches completed a second.
func throughput(b *testing.B, ix *Index, c, n int) float64 {
	ctx := context.Background()
	var wg sync.WaitGroup
	start := time.Now()
	for g := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += c {
				if _, err := ix.Search(ctx, benchQuestions[i%len(benchQuestions)], 5); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// vectorStage times the vector stage alone (embedding the question and the
// vector search) for each bench question and returns the median, in ms.
func vectorStage(b *testing.B, ix *Index) float64 {
	ctx := context.Background()
	var lat []time.Duration
	for range 5 {
		for _, question := range benchQuestions {
			q := ix.analyse(question)
			sc := ix.scratch.get()
			ix.lex.score(q.terms, sc.lex)
			t := time.Now()
			if _, err := ix.vectorSearch(ctx, q.text, sc.lex, sc.sims); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t))
			ix.scratch.put(sc)
		}
	}
	slices.Sort(lat)
	return float64(lat[len(lat)/2].Microseconds()) / 1000
}

// BenchmarkVectorSearch compares, on the float32 vectors chromem-go holds,
// its own exhaustive QueryEmbedding with the index's scan of the question's
// non-zero coordinates (which finds the same paragraphs with the same
// cosines, TestVectorScanIsChromem), on the declaration and on synthetic
// documents up to the exhaustive limit.
func BenchmarkVectorSearch(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{0, 2_000, exhaustiveLimit} {
		var ix *Index
		name := "declaration"
		if n == 0 {
			ix = buildDefault(b)
		} else {
			ix = buildSynthetic(b, n)
			name = fmt.Sprintf("n=%d", n)
		}
		var qs [][]float32
		for _, question := range benchQuestions {
			v, err := ix.emb.Embed(ctx, []string{ix.analyse(question).text})
			if err != nil {
				b.Fatal(err)
			}
			qs = append(qs, v[0])
		}
		b.Run(name+"/chromem", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if _, err := ix.vecs.coll.QueryEmbedding(ctx, qs[i%len(qs)], candidates, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/scan", func(b *testing.B) {
			sims := make([]float64, ix.vecs.count())
			for i := 0; b.Loop(); i++ {
				if _, err := ix.vecs.search(qs[i%len(qs)], nil, ix.exhaustive, sims); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBruteForce is the floor under any exhaustive vector search: one
// pass of dot products of a question with every paragraph's 1,024 float32
// coordinates, in a tight loop with four accumulators, over 10,000 and
// 100,000 vectors (40 and 400 MB: memory bandwidth, not arithmetic). Compare
// vector-p50-ms of BenchmarkScale.
func BenchmarkBruteForce(b *testing.B) {
	const dim = 1024
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(3, 4))
			vecs := make([]float32, n*dim)
			for i := range vecs {
				vecs[i] = r.Float32() - 0.5
			}
			q := make([]float32, dim)
			for i := range q {
				q[i] = r.Float32() - 0.5
			}
			sims := make([]float32, n)
			b.SetBytes(int64(len(vecs) * 4))
			for b.Loop() {
				for i := range n {
					row := vecs[i*dim : (i+1)*dim : (i+1)*dim]
					var s0, s1, s2, s3 float32
					for j := 0; j < dim; j += 4 {
						s0 += q[j] * row[j]
						s1 += q[j+1] * row[j+1]
						s2 += q[j+2] * row[j+2]
						s3 += q[j+3] * row[j+3]
					}
					sims[i] = s0 + s1 + s2 + s3
				}
			}
			runtime.KeepAlive(sims)
		})
	}
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
