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
	order := make([]int, 0, len(fused))
	for i, s := range fused {
		if s > 0 {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return fused[order[a]] > fused[order[b]] })
	best := 2.0 / (rrfK + 1)
	for _, i := range order[:min(k, len(order))] {
		res.Hits = append(res.Hits, Hit{Paragraph: ix.doc.Paragraphs[i], Score: round(fused[i] / best)})
	}
	if len(order) > 0 {
		res.Grounded = ix.grounded(q, order[0])
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
	if ix.translator == nil || !mostlyLatin(question) {
		return queryTerms(folded), folded
	}
	var q []queryTerm
	var words []string
	seen := make(map[string]int)
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
	order := make([]int, 0, len(lex))
	for i, s := range lex {
		if s > 0 {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return lex[order[a]] > lex[order[b]] })
	fused := make([]float64, len(lex))
	for r, i := range order[:min(candidates, len(order))] {
		fused[i] += 1.0 / float64(rrfK+r+1)
	}
	for i, r := range vecRank {
		if r > 0 {
			fused[i] += 1.0 / float64(rrfK+r)
		}
	}
	return fused
}

func round(x float64) float64 { return math.Round(x*1000) / 1000 }

// mostlyLatin reports whether a question is written mainly in a Latin script.
func mostlyLatin(s string) bool {
	var latin, han int
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.Is(unicode.Latin, r):
			latin++
		}
	}
	return latin > 2*han
}
