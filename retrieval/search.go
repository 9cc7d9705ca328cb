package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/corpus"
)

// MaxK bounds how many hits one search returns.
const MaxK = 50

// rrfK is the rank offset of reciprocal rank fusion; 60 is the value of the
// original paper (Cormack et al., 2009) and works without tuning.
const rrfK = 60

// candidates is how deep each ranking is read before fusing.
const candidates = 50

// weights are the three rankings' weights in the fusion: lexical, meaning,
// vector. Measured on the shared dev sets and our probe and held-out
// everyday sets (see README, Quality): for a question in the document's own
// script every pair of rankings does better than either alone and the
// three together best, with no weighting of one over another moving more
// than a question or two; so they count alike. A question that must be
// carried into the document's language is ranked best by the dictionary's
// translation in BM25, which the meaning match and above all the vectors
// only dilute (English dev MRR 0.88 alone, 0.62 with equal weights).
type weights struct{ lexical, meaning, vector float64 }

var (
	sameScript  = weights{1, 1, 1}
	crossScript = weights{2, 1, 0.5}
)

// ErrEmptyQuestion is returned for a question with nothing to search.
var ErrEmptyQuestion = errors.New("empty question")

// Result is what a search found.
type Result struct {
	// Query is the text that was searched after translation, if any.
	Query string
	// Outcome is the offline judgement: answered, uncertain or not addressed.
	Outcome Outcome
	// Grounded is false when the document does not address the question
	// (Outcome is NotAddressed).
	Grounded bool
	// Section is set when the question named a section: its title path.
	Section string
	// Hits are the paragraphs in rank order (document order for a section).
	Hits []Hit
	// Evidence is what the judgement rests on, for logs and for a model.
	Evidence Evidence
}

// Search finds the k paragraphs that best answer question and judges
// whether they do. A question that names a section ("第三部分第四节",
// "section 3(4)", "3.4") returns that section's paragraphs in document
// order instead.
func (ix *Index) Search(ctx context.Context, question string, k int) (Result, error) {
	if strings.TrimSpace(question) == "" {
		return Result{}, ErrEmptyQuestion
	}
	if k <= 0 {
		k = 5
	}
	k = min(k, MaxK)
	if r, ok := ix.section(question); ok {
		return r, nil
	}
	q := ix.analyse(question)
	res := Result{Query: q.text}
	if q.empty() {
		res.Outcome = NotAddressed
		return res, nil
	}
	lex := ix.lex.score(q.terms)
	mean := ix.means.score(q.words)
	vec, err := ix.vectorSearch(ctx, q.text, lex)
	if err != nil {
		return Result{}, err
	}
	w := sameScript
	if q.crossScript {
		w = crossScript
	}
	fused := fuse(w, lex, mean, vec)
	// The judgement reads the passages as the question matched them: the
	// boost below would make any passage stating a place look like the
	// answer to a "where".
	res.Evidence = ix.evidence(q, topN(fused, judgeDepth))
	ix.preferAnswerType(q, fused)
	order := topN(fused, k)
	res.Hits = ix.hits(order, lex, mean, vec)
	res.Outcome = res.Evidence.Outcome()
	res.Grounded = res.Outcome != NotAddressed
	return res, nil
}

// typeBoost raises the fused score of a leading passage that states a fact
// of the kind the question asks for (a place for "where", a date for
// "when"): answer-type re-ranking, as in classic question answering.
// Measured on every set, a boost of a fifth moves such a passage two or
// three places up and no further.
const (
	typeBoost = 0.2
	typeDepth = 10
)

// preferAnswerType boosts, among the best typeDepth paragraphs, those that
// state a new fact of the kind the question asks for.
func (ix *Index) preferAnswerType(q query, fused []float64) {
	want := expectedAnswer(q.asked)
	if want == anyAnswer {
		return
	}
	for _, i := range topN(fused, typeDepth) {
		if holds(want, ix.texts[i], q.asked) {
			fused[i] *= 1 + typeBoost
		}
	}
}

// hits turns ranked paragraphs into hits scored by strength: the mean of
// the three scores, each relative to the best paragraph's, so that a
// paragraph far behind the first one scores visibly lower even where rank
// fusion put it next.
func (ix *Index) hits(order []int, lex, mean []float64, vec []vecHit) []Hit {
	sims := make(map[int]float64, len(vec))
	for _, v := range vec {
		sims[v.doc] = v.sim
	}
	var maxLex, maxMean, maxVec float64
	for _, i := range order {
		maxLex = math.Max(maxLex, lex[i])
		maxMean = math.Max(maxMean, mean[i])
		maxVec = math.Max(maxVec, sims[i])
	}
	rel := func(x, best float64) float64 {
		if best <= 0 {
			return 0
		}
		return x / best
	}
	out := make([]Hit, len(order))
	for j, i := range order {
		s := (rel(lex[i], maxLex) + rel(mean[i], maxMean) + rel(sims[i], maxVec)) / 3
		out[j] = Hit{Paragraph: ix.doc.Paragraphs[i], Score: round(s)}
	}
	return out
}

// section answers a question that names a section of the document.
func (ix *Index) section(question string) (Result, bool) {
	ref, ok := corpus.FindRef(question)
	if !ok {
		return Result{}, false
	}
	ps, title, err := ix.doc.ResolveRef(ref)
	if err != nil || len(ps) == 0 {
		return Result{}, false
	}
	res := Result{Query: question, Outcome: Answered, Grounded: true, Section: title}
	for _, p := range ps {
		res.Hits = append(res.Hits, Hit{Paragraph: p, Score: 1})
	}
	return res, true
}

// vecHit is one paragraph found by the vector search, with its cosine.
type vecHit struct {
	doc int
	sim float64
}

// exhaustiveLimit is the collection size up to which the vector search
// compares the question with every paragraph. chromem-go's exhaustive search
// costs about 0.6 µs a paragraph here (a map walk and a locked heap offer per
// document besides the dot product): 70 ms at 100,000 paragraphs, over the
// 50 ms budget. Above the limit the vectors re-rank the lexical scorer's best
// rerankDepth paragraphs instead, the usual two-stage design.
const (
	exhaustiveLimit = 20_000
	rerankDepth     = 1000
)

// vectorSearch returns the paragraphs nearest the text's vector, best first,
// down to the candidate depth.
func (ix *Index) vectorSearch(ctx context.Context, text string, lex []float64) ([]vecHit, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	vecs, err := ix.emb.Embed(ctx, []string{text})
	if err != nil {
		return nil, fmt.Errorf("embed question: %w", err)
	}
	if len(vecs) != 1 {
		return nil, fmt.Errorf("embed question: embedder returned %d vectors for 1 text", len(vecs))
	}
	if ix.coll.Count() > ix.exhaustive {
		return ix.rerank(ctx, vecs[0], topN(lex, rerankDepth))
	}
	// chromem-go refuses nResults above the collection's size.
	n := min(candidates, ix.coll.Count())
	got, err := ix.coll.QueryEmbedding(ctx, vecs[0], n, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("vector search: %w", err)
	}
	out := make([]vecHit, 0, len(got))
	for _, g := range got {
		if g.Similarity <= 0 {
			break
		}
		i, err := strconv.Atoi(g.ID)
		if err != nil || i < 0 || i >= len(ix.doc.Paragraphs) {
			return nil, fmt.Errorf("vector search: bad document id %q", g.ID)
		}
		out = append(out, vecHit{doc: i, sim: float64(g.Similarity)})
	}
	return out, nil
}

// rerank scores the candidate paragraphs by the cosine of their stored
// vectors with q and returns the best, down to the candidate depth.
func (ix *Index) rerank(ctx context.Context, q []float32, cands []int) ([]vecHit, error) {
	sims := make([]float64, len(cands))
	for j, i := range cands {
		d, err := ix.coll.GetByID(ctx, strconv.Itoa(i))
		if err != nil {
			return nil, fmt.Errorf("vector search: %w", err)
		}
		if len(d.Embedding) != len(q) {
			return nil, fmt.Errorf("vector search: paragraph %d has %d dimensions, the question %d", i, len(d.Embedding), len(q))
		}
		var dot float32
		for k := range q {
			dot += q[k] * d.Embedding[k]
		}
		sims[j] = float64(dot)
	}
	var out []vecHit
	for _, j := range topN(sims, candidates) {
		out = append(out, vecHit{doc: cands[j], sim: sims[j]})
	}
	return out, nil
}

// fuse combines the three rankings by weighted reciprocal rank fusion.
func fuse(w weights, lex, mean []float64, vec []vecHit) []float64 {
	fused := make([]float64, len(lex))
	for r, i := range topN(lex, candidates) {
		fused[i] += w.lexical / float64(rrfK+r+1)
	}
	for r, i := range topN(mean, candidates) {
		fused[i] += w.meaning / float64(rrfK+r+1)
	}
	for r, v := range vec {
		fused[v.doc] += w.vector / float64(rrfK+r+1)
	}
	return fused
}

// topN returns the indexes of the n highest positive scores, best first. A
// bounded min-heap keeps this O(len·log n): at 100,000 paragraphs, sorting
// every score would cost more than the scoring.
func topN(scores []float64, n int) []int {
	h := make([]int, 0, n)
	less := func(a, b int) bool { return scores[h[a]] < scores[h[b]] }
	down := func(i int) {
		for {
			l, m := 2*i+1, i
			if l < len(h) && less(l, m) {
				m = l
			}
			if r := l + 1; r < len(h) && less(r, m) {
				m = r
			}
			if m == i {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i, s := range scores {
		switch {
		case s <= 0:
		case len(h) < n:
			h = append(h, i)
			for j := len(h) - 1; j > 0 && less(j, (j-1)/2); j = (j - 1) / 2 {
				h[j], h[(j-1)/2] = h[(j-1)/2], h[j]
			}
		case s > scores[h[0]]:
			h[0] = i
			down(0)
		}
	}
	sort.SliceStable(h, func(a, b int) bool {
		if scores[h[a]] != scores[h[b]] {
			return scores[h[a]] > scores[h[b]]
		}
		return h[a] < h[b]
	})
	return h
}

func round(x float64) float64 { return math.Round(x*1000) / 1000 }

// hanOnly keeps the runs of Chinese characters of s, space-separated.
func hanOnly(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return !analysis.IsHan(r) }), " ")
}
