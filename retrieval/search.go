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
	vec, err := ix.vectorRanks(ctx, text)
	if err != nil {
		return Result{}, err
	}
	fused := fuse(lex, vec)
	order := topN(fused, k)
	best := 2.0 / (rrfK + 1)
	for _, i := range order {
		res.Hits = append(res.Hits, Hit{Paragraph: ix.doc.Paragraphs[i], Score: round(fused[i] / best)})
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

// vectorRanks returns the rank (1-based) of each paragraph in the vector
// search, 0 for paragraphs below the candidate depth.
func (ix *Index) vectorRanks(ctx context.Context, text string) ([]int, error) {
	ranks := make([]int, len(ix.doc.Paragraphs))
	if strings.TrimSpace(text) == "" {
		return ranks, nil
	}
	vecs, err := ix.emb.Embed(ctx, []string{text})
	if err != nil {
		return nil, fmt.Errorf("embed question: %w", err)
	}
	if len(vecs) != 1 {
		return nil, fmt.Errorf("embed question: embedder returned %d vectors for 1 text", len(vecs))
	}
	// chromem-go refuses nResults above the collection's size.
	n := min(candidates, ix.coll.Count())
	got, err := ix.coll.QueryEmbedding(ctx, vecs[0], n, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("vector search: %w", err)
	}
	for r, g := range got {
		if g.Similarity <= 0 {
			break
		}
		i, err := strconv.Atoi(g.ID)
		if err != nil || i < 0 || i >= len(ranks) {
			return nil, fmt.Errorf("vector search: bad document id %q", g.ID)
		}
		ranks[i] = r + 1
	}
	return ranks, nil
}

// fuse combines the lexical scores and vector ranks by reciprocal rank fusion.
func fuse(lex []float64, vecRank []int) []float64 {
	fused := make([]float64, len(lex))
	for r, i := range topN(lex, candidates) {
		fused[i] += 1.0 / float64(rrfK+r+1)
	}
	for i, r := range vecRank {
		if r > 0 {
			fused[i] += 1.0 / float64(rrfK+r)
		}
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
