// Command yardstick measures the baseline a Go user would pick instead of
// citebot's retrieval: a bleve in-memory index with the cjk analyzer, over
// paragraphs and questions folded to Simplified script with opencc t2s,
// queried with a plain MatchQuery. It reads the same eval files as
// `citebot eval` and scores them with the same code (retrieval.Evaluate), and
// prints the same output: one JSON outcome a line on stdout, the summary on
// stderr, followed by index build time and per-question query latency.
//
// Usage:
//
//	go run . [--k N] [--section] FILE.jsonl
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/longbridgeapp/opencc"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/retrieval"
)

const field = "text"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("yardstick", flag.ContinueOnError)
	fs.SetOutput(stderr)
	k := fs.Int("k", 5, "passages to retrieve")
	withSection := fs.Bool("section", false, "index each paragraph's section path with its text (as citebot's lexical index does)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: yardstick [--k N] [--section] FILE.jsonl")
		return 2
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(stderr, "yardstick:", err)
		return 1
	}
	cases, err := retrieval.ReadCases(f)
	f.Close()
	if err != nil {
		fmt.Fprintf(stderr, "yardstick: read %s: %v\n", path, err)
		return 1
	}

	start := time.Now()
	cc, err := opencc.New("t2s")
	if err != nil {
		fmt.Fprintln(stderr, "yardstick: opencc t2s:", err)
		return 1
	}
	ccTime := time.Since(start)

	start = time.Now()
	s, err := build(corpus.Default().Paragraphs, cc, *withSection)
	if err != nil {
		fmt.Fprintln(stderr, "yardstick: build index:", err)
		return 1
	}
	buildTime := time.Since(start)
	defer s.index.Close()

	outs, sum, err := retrieval.Evaluate(ctx, s, cases, *k)
	if err != nil {
		fmt.Fprintln(stderr, "yardstick:", err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, o := range outs {
		if err := enc.Encode(o); err != nil {
			fmt.Fprintln(stderr, "yardstick:", err)
			return 1
		}
	}
	fmt.Fprint(stderr, retrieval.FormatSummary(sum))
	fmt.Fprintf(stderr, "index: %d paragraphs  build %s (folding %s)  opencc t2s init %s (not in build)\n",
		len(s.paras), ms(buildTime), ms(s.foldTime), ms(ccTime))
	fmt.Fprintf(stderr, "query latency over %d questions: p50 %s  p99 %s  max %s\n",
		len(s.latencies), ms(percentile(s.latencies, 50)), ms(percentile(s.latencies, 99)), ms(percentile(s.latencies, 100)))
	return 0
}

// searcher is the bleve baseline behind retrieval.Searcher.
type searcher struct {
	index     bleve.Index
	cc        *opencc.OpenCC
	paras     []corpus.Paragraph
	latencies []time.Duration
	// foldTime is the part of the build spent folding paragraphs with opencc
	// and adding them to the batch, before the batch is indexed.
	foldTime time.Duration
}

// build indexes every paragraph, folded to Simplified script, in an
// in-memory index whose one text field uses the cjk analyzer. Document IDs
// are zero-padded paragraph positions so that sorting by _id is document
// order; ties in score are broken that way, which keeps runs reproducible.
func build(paras []corpus.Paragraph, cc *opencc.OpenCC, withSection bool) (*searcher, error) {
	fm := bleve.NewTextFieldMapping()
	fm.Analyzer = cjk.AnalyzerName
	fm.Store = false
	fm.IncludeTermVectors = false
	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(field, fm)
	m := bleve.NewIndexMapping()
	m.DefaultMapping = dm
	m.DefaultAnalyzer = cjk.AnalyzerName

	ix, err := bleve.NewMemOnly(m)
	if err != nil {
		return nil, err
	}
	foldStart := time.Now()
	b := ix.NewBatch()
	for i, p := range paras {
		text := p.Text
		if withSection {
			text = p.Section + "\n" + p.Text
		}
		folded, err := cc.Convert(text)
		if err != nil {
			ix.Close()
			return nil, fmt.Errorf("fold %s: %w", p.Label, err)
		}
		if err := b.Index(docID(i), map[string]any{field: folded}); err != nil {
			ix.Close()
			return nil, err
		}
	}
	foldTime := time.Since(foldStart)
	if err := ix.Batch(b); err != nil {
		ix.Close()
		return nil, err
	}
	return &searcher{index: ix, cc: cc, paras: paras, foldTime: foldTime}, nil
}

func docID(i int) string { return fmt.Sprintf("%06d", i) }

// Search folds the question, runs a MatchQuery on the text field and returns
// the top k paragraphs. bleve has no notion of "not in the document", so the
// result is always grounded. Each call's wall time is recorded.
func (s *searcher) Search(ctx context.Context, question string, k int) (retrieval.Result, error) {
	start := time.Now()
	defer func() { s.latencies = append(s.latencies, time.Since(start)) }()
	if k <= 0 {
		k = 5
	}
	folded, err := s.cc.Convert(question)
	if err != nil {
		return retrieval.Result{}, fmt.Errorf("fold question: %w", err)
	}
	q := bleve.NewMatchQuery(folded)
	q.SetField(field)
	req := bleve.NewSearchRequestOptions(q, k, 0, false)
	req.SortBy([]string{"-_score", "_id"})
	sr, err := s.index.SearchInContext(ctx, req)
	if err != nil {
		return retrieval.Result{}, err
	}
	res := retrieval.Result{Query: folded, Grounded: true}
	for _, h := range sr.Hits {
		i, err := strconv.Atoi(h.ID)
		if err != nil || i < 0 || i >= len(s.paras) {
			return retrieval.Result{}, fmt.Errorf("unexpected document id %q", h.ID)
		}
		res.Hits = append(res.Hits, retrieval.Hit{Paragraph: s.paras[i], Score: h.Score})
	}
	return res, nil
}

// percentile is the nearest-rank percentile p (0 < p <= 100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := append([]time.Duration(nil), ds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	rank := int(math.Ceil(float64(len(sorted)) * p / 100))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3fms", float64(d.Microseconds())/1000) }
