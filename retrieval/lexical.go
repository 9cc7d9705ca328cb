package retrieval

import (
	"math"

	"github.com/citebot/citebot/analysis"
)

// BM25 parameters: the usual defaults; paragraphs of this kind of document
// are short and of similar length, so neither matters much.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
	// titleBoost counts the words of a paragraph's section title as this
	// many occurrences in the paragraph: the title says what the paragraph
	// is about ("禁毒合作") even when the paragraph does not repeat it.
	titleBoost = 0.5
	// unigramWeight discounts single characters against pairs: a pair is
	// usually a word, a character alone is a weak hint.
	unigramWeight = 0.4
)

type posting struct {
	doc int32
	tf  float32
}

// lexical is a BM25 index over folded unigrams and bigrams.
type lexical struct {
	postings map[string][]posting
	docLen   []float32
	avgLen   float32
}

// newLexical indexes texts (already folded) with their titles (folded too).
func newLexical(texts, titles []string) *lexical {
	lx := &lexical{postings: make(map[string][]posting), docLen: make([]float32, len(texts))}
	var total float32
	for i, t := range texts {
		tf := make(map[string]float32)
		for _, term := range analysis.Terms(t) {
			tf[term]++
		}
		for _, term := range analysis.Terms(titles[i]) {
			tf[term] += titleBoost
		}
		var n float32
		for term, f := range tf {
			lx.postings[term] = append(lx.postings[term], posting{doc: int32(i), tf: f})
			n += f
		}
		lx.docLen[i] = n
		total += n
	}
	if len(texts) > 0 {
		lx.avgLen = total / float32(len(texts))
	}
	return lx
}

// idf is the BM25 inverse document frequency of term; 0 for unknown terms.
func (lx *lexical) idf(term string) float64 {
	df := len(lx.postings[term])
	if df == 0 {
		return 0
	}
	n := float64(len(lx.docLen))
	return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
}

// queryTerm is one weighted term of a query.
type queryTerm struct {
	term   string
	weight float64
}

// score returns the BM25 score of every document for the query terms.
func (lx *lexical) score(q []queryTerm) []float64 {
	scores := make([]float64, len(lx.docLen))
	for _, qt := range q {
		ps := lx.postings[qt.term]
		if len(ps) == 0 {
			continue
		}
		w := qt.weight * lx.idf(qt.term)
		for _, p := range ps {
			tf := float64(p.tf)
			norm := bm25K1 * (1 - bm25B + bm25B*float64(lx.docLen[p.doc])/float64(lx.avgLen))
			scores[p.doc] += w * tf * (bm25K1 + 1) / (tf + norm)
		}
	}
	return scores
}

// has reports whether document doc contains term.
func (lx *lexical) has(doc int, term string) bool {
	for _, p := range lx.postings[term] {
		if int(p.doc) == doc {
			return true
		}
	}
	return false
}

// known reports whether any document contains term.
func (lx *lexical) known(term string) bool { return len(lx.postings[term]) > 0 }

// queryTerms turns a folded question into weighted terms: each distinct term
// once, weighted by how often the question uses it and by its kind.
func queryTerms(folded string) []queryTerm {
	count := make(map[string]float64)
	var order []string
	for _, t := range analysis.Terms(folded) {
		if _, ok := count[t]; !ok {
			order = append(order, t)
		}
		count[t]++
	}
	out := make([]queryTerm, 0, len(order))
	for _, t := range order {
		w := count[t]
		if !analysis.IsBigram(t) && isSingleHan(t) {
			w *= unigramWeight
		}
		out = append(out, queryTerm{term: t, weight: w})
	}
	return out
}
