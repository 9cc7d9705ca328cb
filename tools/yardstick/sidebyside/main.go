// Command sidebyside measures citebot's retrieval and bleve side by side on
// the same synthetic paragraphs and the same questions: build time, the heap
// the index holds, query latency (p50, p99), answers a second with 1, 2, 4
// and 8 concurrent askers, peak RSS, and the start-up to a first answer on
// the declaration. Each measurement runs in a fresh child process, the two
// systems interleaved, and the table reports the median of the runs.
//
// citebot is the whole Index.Search, with the judgement; bleve is the
// yardstick's baseline (tools/yardstick): a MatchQuery on one text field with
// the cjk analyzer (emitting unigrams as well as bigrams, as citebot indexes
// both; -bigrams-only for the analyzer as it is) over text folded with
// opencc t2s, in an in-memory scorch
// index (bleve's default engine; NewMemOnly's upsidedown index is far slower
// and larger at these sizes).
//
// Usage (from tools/yardstick):
//
//	go run ./sidebyside [-n 10000,100000] [-runs 3] [-citebot PATH] [FILE.jsonl ...]
//
// The questions default to the four declaration sets under
// ../../retrieval/testdata; -citebot also times a built `citebot ask`.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/longbridgeapp/opencc"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/glossary"
	"github.com/citebot/citebot/internal/synthetic"
	"github.com/citebot/citebot/retrieval"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sidebyside:", err)
		os.Exit(1)
	}
}

// result is what one child process measured.
type result struct {
	BuildS  float64         `json:"build_s"`
	HeapMiB float64         `json:"heap_mib"`
	P50ms   float64         `json:"p50_ms"`
	P99ms   float64         `json:"p99_ms"`
	QPS     map[int]float64 `json:"qps"`
	RSSMiB  float64         `json:"rss_mib"`
	WallMS  float64         `json:"wall_ms"` // start-up runs: measured by the parent
}

var askers = []int{1, 2, 4, 8}

// bigramsOnly makes bleve index bigrams only (see -bigrams-only).
var bigramsOnly = new(bool)

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sidebyside", flag.ContinueOnError)
	sizes := fs.String("n", "10000,100000", "paragraph counts, comma-separated")
	runs := fs.Int("runs", 3, "runs of each measurement (the median is reported)")
	child := fs.String("child", "", "internal: measure one system (citebot, bleve, startup-citebot, startup-bleve)")
	n := fs.Int("size", 0, "internal: the child's paragraph count")
	citebotBin := fs.String("citebot", "", "a built citebot binary, to time `citebot ask` too")
	fs.BoolVar(bigramsOnly, "bigrams-only", false, "bleve's cjk analyzer as it is (bigrams only), as the yardstick")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if strings.HasPrefix(*child, "startup-") {
		return measure(*child, 0, nil, stdout)
	}
	files := fs.Args()
	if len(files) == 0 {
		for _, f := range []string{"dev", "dev-everyday", "everyday-heldout", "probe"} {
			files = append(files, filepath.Join("..", "..", "retrieval", "testdata", f+".jsonl"))
		}
	}
	questions, err := readQuestions(files)
	if err != nil {
		return err
	}
	if *child != "" {
		return measure(*child, *n, questions, stdout)
	}

	fmt.Fprintf(stdout, "%d questions; medians of %d runs; GOMAXPROCS %d\n\n", len(questions), *runs, runtime.GOMAXPROCS(0))
	fmt.Fprintln(stdout, "| paragraphs | build citebot / bleve | index heap citebot / bleve | query p50 citebot / bleve | p99 citebot / bleve | answers/s 1·2·4·8 askers citebot | bleve | peak RSS citebot / bleve |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|---|")
	for _, s := range strings.Split(*sizes, ",") {
		size, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-n: %w", err)
		}
		var cb, bl []result
		for range *runs {
			for _, sys := range []string{"citebot", "bleve"} {
				r, err := spawn(sys, size, files)
				if err != nil {
					return err
				}
				if sys == "citebot" {
					cb = append(cb, r)
				} else {
					bl = append(bl, r)
				}
			}
		}
		c, b := median(cb), median(bl)
		fmt.Fprintf(stdout, "| %d | %.1f s / %.1f s | %.0f / %.0f MiB (%.1f / %.1f KB a paragraph) | %.2f / %.2f ms | %.1f / %.1f ms | %s | %s | %.0f / %.0f MiB |\n",
			size, c.BuildS, b.BuildS, c.HeapMiB, b.HeapMiB, c.HeapMiB*1024*1.024/float64(size), b.HeapMiB*1024*1.024/float64(size),
			c.P50ms, b.P50ms, c.P99ms, b.P99ms, qps(c), qps(b), c.RSSMiB, b.RSSMiB)
	}

	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "| start-up to a first answer, declaration | wall |")
	fmt.Fprintln(stdout, "|---|---|")
	kinds := []string{"startup-citebot", "startup-bleve"}
	if *citebotBin != "" {
		kinds = append(kinds, "citebot ask")
	}
	walls := map[string][]float64{}
	for range *runs * 3 {
		for _, k := range kinds {
			start := time.Now()
			var cmd *exec.Cmd
			if k == "citebot ask" {
				cmd = exec.Command(*citebotBin, "ask", "上合组织秘书处设在哪里?")
			} else {
				cmd = exec.Command(os.Args[0], "-child", k, "-bigrams-only="+strconv.FormatBool(*bigramsOnly))
			}
			cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			walls[k] = append(walls[k], float64(time.Since(start).Microseconds())/1000)
		}
	}
	for _, k := range kinds {
		slices.Sort(walls[k])
		fmt.Fprintf(stdout, "| %s | %.0f ms |\n", k, walls[k][len(walls[k])/2])
	}
	return nil
}

func qps(r result) string {
	var parts []string
	for _, c := range askers {
		parts = append(parts, fmt.Sprintf("%.0f", r.QPS[c]))
	}
	return strings.Join(parts, " · ")
}

// spawn measures one system in a child process.
func spawn(sys string, n int, files []string) (result, error) {
	var out bytes.Buffer
	cmd := exec.Command(os.Args[0], append([]string{"-child", sys, "-size", strconv.Itoa(n), "-bigrams-only=" + strconv.FormatBool(*bigramsOnly)}, files...)...)
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return result{}, fmt.Errorf("%s at %d: %w", sys, n, err)
	}
	var r result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return result{}, fmt.Errorf("%s at %d: %w", sys, n, err)
	}
	return r, nil
}

// median takes each figure's median over the runs.
func median(rs []result) result {
	pick := func(f func(result) float64) float64 {
		var xs []float64
		for _, r := range rs {
			xs = append(xs, f(r))
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	m := result{QPS: map[int]float64{}}
	m.BuildS = pick(func(r result) float64 { return r.BuildS })
	m.HeapMiB = pick(func(r result) float64 { return r.HeapMiB })
	m.P50ms = pick(func(r result) float64 { return r.P50ms })
	m.P99ms = pick(func(r result) float64 { return r.P99ms })
	m.RSSMiB = pick(func(r result) float64 { return r.RSSMiB })
	for _, c := range askers {
		m.QPS[c] = pick(func(r result) float64 { return r.QPS[c] })
	}
	return m
}

// searcher is one system's search, safe for concurrent use.
type searcher func(question string) error

// measure builds one system's index in this process and measures it.
func measure(sys string, n int, questions []string, stdout io.Writer) error {
	ctx := context.Background()
	switch sys {
	case "startup-citebot":
		// What `citebot ask` does before it prints: the declaration, the
		// glossary, the index, one search.
		lib, err := retrieval.NewLibrary(ctx, corpus.Default(), retrieval.LocalEmbedder,
			retrieval.Options{Lexicon: retrieval.GlossaryLexicon{Glossary: glossary.Default()}})
		if err != nil {
			return err
		}
		res, err := lib.Search(ctx, "上合组织秘书处设在哪里?", 5)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, res.Hits[0].Paragraph.Label)
		return nil
	case "startup-bleve":
		s, err := newBleve(corpus.Default().Paragraphs)
		if err != nil {
			return err
		}
		return s("上合组织秘书处设在哪里?")
	}

	doc := synthetic.Declaration(n)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	var search searcher
	var keep any
	switch sys {
	case "citebot":
		ix, err := retrieval.Build(ctx, doc, nil, retrieval.Options{
			Lexicon: retrieval.GlossaryLexicon{Glossary: glossary.Default()}, MaxParagraphs: -1})
		if err != nil {
			return err
		}
		keep = ix
		search = func(q string) error { _, err := ix.Search(ctx, q, 5); return err }
	case "bleve":
		s, err := newBleve(doc.Paragraphs)
		if err != nil {
			return err
		}
		keep = s
		search = s
	default:
		return fmt.Errorf("unknown system %q", sys)
	}
	r := result{BuildS: time.Since(start).Seconds(), QPS: map[int]float64{}}
	runtime.GC()
	runtime.ReadMemStats(&after)
	r.HeapMiB = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)

	// One warm-up pass (start-up costs are measured apart), then each
	// question timed once, then throughput over the questions.
	for _, q := range questions {
		if err := search(q); err != nil {
			return err
		}
	}
	var lat []time.Duration
	for _, q := range questions {
		t := time.Now()
		if err := search(q); err != nil {
			return err
		}
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	r.P50ms = float64(lat[len(lat)/2].Microseconds()) / 1000
	r.P99ms = float64(lat[len(lat)*99/100].Microseconds()) / 1000
	for _, c := range askers {
		total := len(questions)
		var wg sync.WaitGroup
		t := time.Now()
		for g := range c {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := g; i < total; i += c {
					_ = search(questions[i])
				}
			}()
		}
		wg.Wait()
		r.QPS[c] = float64(total) / time.Since(t).Seconds()
	}
	r.RSSMiB = peakRSS()
	runtime.KeepAlive(keep)
	return json.NewEncoder(stdout).Encode(r)
}

// newBleve indexes paragraphs as the yardstick does (text folded with
// opencc t2s, one text field with the cjk analyzer) in an in-memory scorch
// index.
func newBleve(paras []corpus.Paragraph) (searcher, error) {
	unigrams := !*bigramsOnly
	cc, err := opencc.New("t2s")
	if err != nil {
		return nil, err
	}
	analyzer := cjk.AnalyzerName
	m := bleve.NewIndexMapping()
	if unigrams {
		// The cjk analyzer with its bigram filter emitting unigrams too, as
		// citebot's lexical index has both (and as the performance issue's
		// measurements were made).
		if err := m.AddCustomTokenFilter("cjk_bigram_unigram", map[string]any{"type": cjk.BigramName, "output_unigram": true}); err != nil {
			return nil, err
		}
		if err := m.AddCustomAnalyzer("cjk_unigram", map[string]any{"type": custom.Name, "tokenizer": unicode.Name,
			"token_filters": []string{cjk.WidthName, lowercase.Name, "cjk_bigram_unigram"}}); err != nil {
			return nil, err
		}
		analyzer = "cjk_unigram"
	}
	fm := bleve.NewTextFieldMapping()
	fm.Analyzer = analyzer
	fm.Store = false
	fm.IncludeTermVectors = false
	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt("text", fm)
	m.DefaultMapping = dm
	m.DefaultAnalyzer = analyzer
	// scorch, bleve's default index, in memory (no path): NewMemOnly's
	// upsidedown index took 214 s and 1.6 GB to index 10,000 paragraphs.
	ix, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, err
	}
	b := ix.NewBatch()
	for i, p := range paras {
		folded, err := cc.Convert(p.Text)
		if err != nil {
			return nil, err
		}
		if err := b.Index(fmt.Sprintf("%07d", i), map[string]any{"text": folded}); err != nil {
			return nil, err
		}
		if b.Size() == 1000 {
			if err := ix.Batch(b); err != nil {
				return nil, err
			}
			b = ix.NewBatch()
		}
	}
	if err := ix.Batch(b); err != nil {
		return nil, err
	}
	var mu sync.Mutex // opencc's converter is not safe for concurrent use
	return func(question string) error {
		mu.Lock()
		folded, err := cc.Convert(question)
		mu.Unlock()
		if err != nil {
			return err
		}
		q := bleve.NewMatchQuery(folded)
		q.SetField("text")
		req := bleve.NewSearchRequestOptions(q, 5, 0, false)
		_, err = ix.Search(req)
		return err
	}, nil
}

// readQuestions reads the questions of eval files.
func readQuestions(files []string) ([]string, error) {
	var qs []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		cases, err := retrieval.ReadCases(fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, c := range cases {
			qs = append(qs, c.Question)
		}
	}
	return qs, nil
}

// peakRSS is the process's peak resident set (VmHWM), in MiB.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	return 0
}
