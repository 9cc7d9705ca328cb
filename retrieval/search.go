package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/embeddings"
)

// MaxK bounds how many hits one search returns.
const MaxK = 50

// rrfK is the rank offset of reciprocal rank fusion; 60 is the value of the
// original paper (Cormack et al., 2009) and works without tuning.
const rrfK = 60

// candidates is how deep each ranking is read before fusing.
const candidates = 50

// ErrEmptyQuestion is returned for a question with nothing to search.
var ErrEmptyQuestion = errors.New("empty question")

// Search finds the k paragraphs that best answer question. A question that
// names a section ("第三部分第四节", "section 3(4)", "3.4") returns that
// section's paragraphs in document order instead.
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
	q, text := ix.query(question)
	res := Result{Query: text}
	if len(q) == 0 {
		return res, nil
	}
	lex := ix.lex.score(q)
	vec, err := ix.vectorSearch(ctx, text, lex)
	if err != nil {
		return Result{}, err
	}
	order := topN(fuse(lex, vec), k)
	// Fusion ranks by position; the score shown is by strength: the mean of
	// the lexical and vector scores, each relative to the best paragraph's,
	// so that a paragraph far behind the first one scores visibly lower.
	maxLex, sims := 0.0, make(map[int]float64, len(vec))
	for _, i := range order {
		maxLex = math.Max(maxLex, lex[i])
	}
	for _, v := range vec {
		sims[v.doc] = v.sim
	}
	for _, i := range order {
		s := 0.0
		if maxLex > 0 {
			s += lex[i] / maxLex / 2
		}
		if len(vec) > 0 && vec[0].sim > 0 {
			s += sims[i] / vec[0].sim / 2
		}
		res.Hits = append(res.Hits, Hit{Paragraph: ix.doc.Paragraphs[i], Score: round(s)})
	}
	if len(order) > 0 {
		res.Grounded = ix.grounded(question, order)
	}
	return res, nil
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
	res := Result{Query: question, Grounded: true, Section: title}
	for _, p := range ps {
		res.Hits = append(res.Hits, Hit{Paragraph: p, Score: 1})
	}
	return res, true
}

// query turns a question into weighted terms and the text to embed. A
// question in another language is translated into Chinese terms first.
func (ix *Index) query(question string) ([]queryTerm, string) {
	folded := stripQuestionWords(embeddings.Fold(question))
	if ix.translator == nil || !embeddings.MostlyLatin(question) {
		return queryTerms(folded), folded
	}
	// Chinese already in the question (a model's rewrite appends Chinese
	// terms to an English question) is searched as it stands.
	han := hanOnly(folded)
	q := queryTerms(han)
	words := []string{han}
	seen := make(map[string]int, len(q))
	for i, t := range q {
		seen[t.term] = i
	}
	for _, t := range ix.translator.Translate(question, ix.lex.known) {
		zh := embeddings.Fold(t.Text)
		words = append(words, zh)
		for _, qt := range queryTerms(zh) {
			if j, ok := seen[qt.term]; ok {
				q[j].weight = math.Max(q[j].weight, qt.weight*t.Weight)
				continue
			}
			seen[qt.term] = len(q)
			q = append(q, queryTerm{term: qt.term, weight: qt.weight * t.Weight})
		}
	}
	return q, strings.Join(words, " ")
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
// rerankDepth paragraphs instead, the usual two-stage design. For the
// in-process embedder this loses almost nothing, since its vectors are built
// from the same terms BM25 scores: a paragraph sharing no term with the
// question has a cosine near zero anyway.
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

// fuse combines the lexical ranking and the vector ranking by reciprocal
// rank fusion.
func fuse(lex []float64, vec []vecHit) []float64 {
	fused := make([]float64, len(lex))
	for r, i := range topN(lex, candidates) {
		fused[i] += 1.0 / float64(rrfK+r+1)
	}
	for r, v := range vec {
		fused[v.doc] += 1.0 / float64(rrfK+r+1)
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
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return !unicode.Is(unicode.Han, r) }), " ")
}
