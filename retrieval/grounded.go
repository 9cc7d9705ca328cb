package retrieval

import (
	"strings"

	"github.com/citebot/citebot/embeddings"
)

// questionWords are the interrogatives, particles and references to the
// document itself that every question carries and no answer contains. They
// are removed before scoring so they neither match nor count as missing.
var questionWords = []string{
	"为什么", "为何", "什么", "哪些", "哪里", "哪儿", "哪个", "哪份", "哪项", "怎么样", "怎么", "怎样", "如何",
	"是否", "有没有", "是不是", "多少", "请问", "讲了", "说了", "讲的", "说的", "提到", "主要", "具体",
	"本宣言", "这份宣言", "宣言", "吗", "呢", "吧",
}

func stripQuestionWords(folded string) string {
	for _, w := range questionWords {
		folded = strings.ReplaceAll(folded, w, " ")
	}
	return folded
}

// coverage is the share of the question's weight that the paragraph doc
// contains, counting only character pairs. A pair the document never uses
// weighs as much as its rarest pair: a question about vaccines is not
// answered by a paragraph that matches everything but "疫苗".
func (ix *Index) coverage(q []queryTerm, doc int) float64 {
	maxIDF := ix.lex.idf("\x00") // 0; replaced below
	for _, t := range q {
		if v := ix.lex.idf(t.term); v > maxIDF {
			maxIDF = v
		}
	}
	var have, all float64
	for _, t := range q {
		if !embeddings.IsBigram(t.term) {
			continue
		}
		w := ix.lex.idf(t.term)
		if w == 0 {
			w = maxIDF
		}
		all += w
		if ix.lex.has(doc, t.term) {
			have += w
		}
	}
	if all == 0 {
		return 0
	}
	return have / all
}

// groundedCoverage is the coverage below which the best paragraph is judged
// not to answer the question.
const groundedCoverage = 0.3

func (ix *Index) grounded(q []queryTerm, top int) bool {
	return ix.coverage(q, top) >= groundedCoverage
}
