package retrieval

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/citebot/citebot/embeddings"
	"github.com/citebot/citebot/glossary"
)

// questionWords are the interrogatives, particles and references to the
// document itself that every question carries and no answer contains. They
// are removed before scoring so they neither match nor count as missing.
var questionWords = []string{
	"为什么", "为何", "什么", "哪些", "哪里", "哪儿", "哪个", "哪份", "哪项", "怎么样", "怎么", "怎样", "如何",
	"是否", "有没有", "是不是", "多少", "请问", "讲了", "说了", "讲的", "说的", "提到",
	"本宣言", "这份宣言", "宣言", "吗", "呢", "吧",
}

func stripQuestionWords(folded string) string {
	for _, w := range questionWords {
		folded = strings.ReplaceAll(folded, w, " ")
	}
	return folded
}

// concept is one thing a question asks about: a Chinese word, or an English
// word or phrase, with the strings the document would use for it.
type concept struct {
	name  string
	forms []string // the word itself and its synonyms, or its renderings
	known bool     // the document speaks of it somewhere
}

// concepts segments a question into the things it asks about.
func (ix *Index) concepts(question string, v *vocab) []concept {
	var out []concept
	if ix.translator != nil && embeddings.MostlyLatin(question) {
		g := glossary.Default()
		forms := map[string][]string{}
		for _, t := range g.TranslateIn(question, v.knownForm) {
			if utf8.RuneCountInString(t.Zh) >= 2 {
				forms[t.From] = append(forms[t.From], v.forms(t.Zh)...)
			}
		}
		seen := map[string]bool{}
		for _, t := range g.Translate(question) {
			if seen[t.From] || englishFraming[strings.ToLower(t.From)] {
				continue
			}
			seen[t.From] = true
			fs := forms[t.From]
			out = append(out, concept{name: t.From, forms: fs, known: len(fs) > 0})
		}
		return out
	}
	for _, w := range segment(stripQuestionWords(embeddings.Fold(question))) {
		if framing[w] {
			continue
		}
		c := concept{name: w, forms: v.forms(w)}
		c.known = knownWord(w, v)
		if c.known && !v.has(w) {
			// A compound known by its parts (工业园区) is matched by them.
			c.forms = append(c.forms, bigrams(w)...)
		}
		out = append(out, c)
	}
	return out
}

// englishFraming are English words that frame a question, not its topic.
var englishFraming = map[string]bool{
	"declaration": true, "document": true, "text": true, "say": true, "said": true, "says": true,
	"describe": true, "mention": true, "talk": true, "position": true, "view": true, "think": true,
}

// unknownShare is the share of a question's weight that names things the
// document never speaks of. A concept's weight is its inverse document
// frequency over paragraphs (via any of its forms); a concept the document
// never mentions weighs as much as the rarest possible one, ln(paragraphs),
// because it is the most specific part of the question. Generic words every
// question carries (上合组织, 成员国, member states) weigh almost nothing, so
// "上合组织秘书长是谁" is all about 秘书长, which the text lacks.
func (ix *Index) unknownShare(question string) (share float64, unknown []string) {
	v := ix.vocab
	n := float64(len(v.paras))
	maxIDF := math.Log(n)
	var all, unk float64
	for _, c := range ix.concepts(question, v) {
		if !c.known {
			all += maxIDF
			unk += maxIDF
			unknown = append(unknown, c.name)
			continue
		}
		if df := v.df(c.forms); df > 0 {
			all += math.Log(n / float64(df))
		} else {
			all += maxIDF // known only as an abbreviation: specific
		}
	}
	if all == 0 {
		return 0, nil
	}
	return unk / all, unknown
}

// maxUnknownShare is the unknown share at or above which the document is
// judged not to answer: at least half of what the question is specifically
// about is absent from the text. On the probe set (testdata/probe.jsonl)
// answerable questions stay below 0.5 (paraphrase words the lexicon cannot
// link to the text's wording weigh less than the matched topic words) while
// questions about absent things (vaccines, budgets, the secretary-general)
// mostly lie above it.
const maxUnknownShare = 0.5

// grounded decides whether the document answers question at all. Retrieval
// always finds some best paragraph; what it cannot tell is whether the
// question's subject is in the document. So the rule looks at the question,
// not the scores: the question is segmented into concepts (Chinese words by
// forward maximum matching over CC-CEDICT, English units by the glossary),
// each concept is looked up in the document directly, through its CC-CEDICT
// near-synonyms (glossary.Synonyms), as a compound of known character pairs,
// or as an abbreviation; the question is refused when the concepts never
// found weigh maxUnknownShare or more of it (see unknownShare).
//
// A question that asks for a kind of fact (a quantity, a date, the names of
// states) is also refused when none of the top passages, the ones an answer
// would cite, holds such a fact.
func (ix *Index) grounded(question string, top []int) bool {
	if share, _ := ix.unknownShare(question); share >= maxUnknownShare {
		return false
	}
	want, unit := expectedAnswer(embeddings.Fold(question))
	if want == anyAnswer {
		return true
	}
	for _, i := range top[:min(groundedDepth, len(top))] {
		if holds(want, unit, ix.folded[i]) {
			return true
		}
	}
	return false
}

// groundedDepth is how many top passages may hold the expected fact: the
// ones an extractive answer quotes.
const groundedDepth = 3
