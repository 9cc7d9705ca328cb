package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

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
	sc := ix.scratch.get()
	defer ix.scratch.put(sc)
	lex, mean, fused := sc.lex, sc.mean, sc.fused
	ix.lex.score(q.terms, lex)
	sc.touched = ix.means.score(q.words, mean, sc.best, sc.touched)
	vec, err := ix.vectorSearch(ctx, q.text, lex, sc.sims)
	if err != nil {
		return Result{}, err
	}
	w := sameScript
	if q.crossScript {
		w = crossScript
	}
	if !q.crossScript {
		w.lexical *= ix.lexicalShare(q)
	}
	fuse(w, lex, mean, vec, fused)
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
	want := q.want
	if want == anyAnswer {
		return
	}
	for _, i := range topN(fused, typeDepth) {
		if ix.holds(want, i, q.asked) {
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

// scratch is the per-paragraph arrays one search works in, kept per index
// for the next search: at 100,000 paragraphs a search allocated 4 MB of
// them (9 MB in all), and the collector it kept busy put p99 at 82 ms
// against a p50 of 10 ms; with the arrays kept, 12 ms against 4.4. A
// sync.Pool is no good here: it drops its contents at every collection.
type scratch struct {
	lex, mean, best, sims, fused []float64
	touched                      []int32
}

// scratchPool keeps one scratch per concurrent search.
type scratchPool struct {
	mu   sync.Mutex
	n    int
	free []*scratch
}

func (p *scratchPool) get() *scratch {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k := len(p.free); k > 0 {
		sc := p.free[k-1]
		p.free = p.free[:k-1]
		return sc
	}
	return newScratch(p.n)
}

func (p *scratchPool) put(sc *scratch) {
	sc.reset()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free = append(p.free, sc)
}

func newScratch(n int) *scratch {
	flat := make([]float64, 5*n)
	return &scratch{lex: flat[:n:n], mean: flat[n : 2*n : 2*n], best: flat[2*n : 3*n : 3*n],
		sims: flat[3*n : 4*n : 4*n], fused: flat[4*n:]}
}

// reset zeroes the arrays a search leaves written (best and sims are left
// zero by their users).
func (sc *scratch) reset() {
	clear(sc.lex)
	clear(sc.mean)
	clear(sc.fused)
}

// vectorSearch returns the paragraphs nearest the text's vector, best first,
// down to the candidate depth.
func (ix *Index) vectorSearch(ctx context.Context, text string, lex, sims []float64) ([]vecHit, error) {
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
	return ix.vecs.search(vecs[0], lex, ix.exhaustive, sims)
}

// fuse combines the three rankings by weighted reciprocal rank fusion into
// fused, which must be zero.
func fuse(w weights, lex, mean []float64, vec []vecHit, fused []float64) {
	for r, i := range topN(lex, candidates) {
		fused[i] += w.lexical / float64(rrfK+r+1)
	}
	for r, i := range topN(mean, candidates) {
		fused[i] += w.meaning / float64(rrfK+r+1)
	}
	for r, v := range vec {
		fused[v.doc] += w.vector / float64(rrfK+r+1)
	}
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

// lexicalShare is how much of what the meaning match can see of an
// alphabetic question BM25 can see too: BM25 matches a question's own
// words only, and when the words that carry a question are misspelt or
// said otherwise ("recieve security notificatons"), BM25 ranks the
// paragraphs by what is left ("node", "js") and drowns the meaning match's
// answer in the fusion. A Chinese question keeps its weight: its BM25 terms
// are characters and pairs, which match where its words do not.
func (ix *Index) lexicalShare(q query) float64 {
	var own, near float64
	for _, w := range q.words {
		if analysis.HasHan(w.word) {
			return 1
		}
		nbs := ix.space.Neighbours(w.word)
		if len(nbs) == 0 {
			continue
		}
		near += w.weight * nbs[0].Sim
		if nbs[0].Word == w.word {
			own += w.weight
		}
	}
	if near == 0 {
		return 1
	}
	return math.Min(own/near, 1)
}
