package retrieval

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/internal/lazyre"
)

// query is a question analysed for the three rankings.
type query struct {
	// text is what is searched: the folded question without framing
	// words, with any translation appended.
	text string
	// folded is the folded question without framing words.
	folded string
	// asked is the folded question as asked, for the answer-type check.
	asked string
	lang  analysis.Language
	terms []queryTerm // for BM25
	words []qword     // for the meaning match
	// crossScript is set when the question was carried into the
	// document's language.
	crossScript bool
	// want is the kind of fact the question asks for.
	want answerType
}

func (q query) empty() bool { return len(q.terms) == 0 && len(q.words) == 0 }

// framing are the words that frame a question rather than say what it is
// about: interrogatives and particles, and words naming the document
// itself ("what does the declaration say about X" asks about X). English
// ones need no list: they are Snowball stop words ("what", "does") or named
// below by stem. They are removed before scoring so they neither match nor
// count as missing.
var framing = []string{
	"为什么", "为何", "什么", "哪些", "哪里", "哪儿", "哪个", "哪份", "哪项", "怎么样", "怎么", "怎样", "如何",
	"是否", "有没有", "是不是", "会不会", "能不能", "多少", "请问", "想问", "讲了", "说了", "讲的", "说的", "提到",
	"本宣言", "这份宣言", "宣言", "这份文件", "本文件", "文件里", "文档", "啥", "咋",
	"到底", "究竟", "问一下", "问下", "听说",
}

// finalParticles are the sentence-final particles, framing only at the end
// of a clause: inside one they are part of a word (网吧 "internet café",
// 吗啡 "morphine").
var finalParticles = lazyre.New(`[吗呢吧啊嘛]([\s\p{P}\p{S}]|$)`)

// framingStems are English framing words by Snowball stem.
var framingStems = map[string]bool{
	"declar": true, "document": true, "text": true, "say": true, "said": true, "mention": true,
	"talk": true, "tell": true, "describ": true, "doc": true, "anyth": true, "someth": true,
	"anyon": true, "someon": true, "know": true, "would": true, "much": true, "mani": true,
	"lol": true, "pls": true, "plz": true, "thx": true, "like": true, "realli": true, "actual": true,
	"character": true, "explain": true, "discuss": true, "cover": true, "refer": true, "regard": true,
	"accord": true,
}

func stripFraming(folded string) string {
	for _, w := range framing {
		folded = strings.ReplaceAll(folded, w, " ")
	}
	return finalParticles.ReplaceAllString(folded, " $1")
}

// analyse turns a question into the terms, words and text the rankings
// search with. A question in another script than the document's is carried
// over: an English question on a Chinese document gains the lexicon's
// Chinese renderings as BM25 terms, a Chinese question on an English
// document the English words nearest its words in meaning. The meaning
// match needs no such step: its space is shared by both languages.
func (ix *Index) analyse(question string) query {
	asked := analysis.Fold(question)
	folded := stripFraming(asked)
	q := query{folded: folded, asked: asked, text: folded, lang: analysis.Detect(question), want: expectedAnswer(asked)}
	q.terms = dropFraming(queryTerms(folded))
	for _, w := range ix.means.words(folded) {
		if !framingStems[w.word] {
			q.words = append(q.words, w)
		}
	}
	q.dropNamed(ix.naming(folded))
	q.expandInitialisms(ix, folded)
	switch {
	case q.lang == analysis.English && ix.lang.Chinese():
		q.translateToChinese(ix, question)
		q.carryToDocument(ix)
		q.crossScript = true
	case q.lang.Chinese() && ix.lang == analysis.English:
		q.dropChineseStopWords()
		q.addLoneCharacters(ix, folded)
		q.carryToDocument(ix)
		q.crossScript = true
	}
	return q
}

// addLoneCharacters adds to a Chinese question on a document in another
// language the characters no dictionary word of it covers: 改 in 我把代码改了,
// 发 in 只发二进制. Everyday Chinese says many a verb in one character, and
// across languages nothing else carries it. A character weighs against a
// word as BM25 weighs it (unigramWeight). Measured on the Chinese questions
// of the English documents' sets: recall@5 27 → 30 of 42.
func (q *query) addLoneCharacters(ix *Index, folded string) {
	covered := map[rune]bool{}
	for _, w := range ix.space.Segment(folded) {
		for _, r := range w {
			covered[r] = true
		}
	}
	for _, r := range folded {
		c := string(r)
		if !analysis.IsHan(r) || covered[r] || analysis.IsChineseStopWord(c) || len(ix.lexicon.Senses(c)) == 0 {
			continue
		}
		covered[r] = true
		q.words = append(q.words, qword{c, unigramWeight * ix.space.Weight(c), unigramWeight * ix.space.MatchWeight(c)})
	}
}

// dropChineseStopWords drops the function words of a Chinese question on
// a document in another language. On a Chinese document the document's
// own frequencies weigh them down; here nothing does, and their glosses
// land on whatever English word they name, often one the document uses
// rarely: 或者 "possibly", 那么 "like that". Measured on the Chinese
// questions of the four English documents' sets: recall@5 25 → 27 of 42.
func (q *query) dropChineseStopWords() {
	q.words = slices.DeleteFunc(q.words, func(w qword) bool { return analysis.IsChineseStopWord(w.word) })
}

// titleWords returns the alphabetic words and terms of a single
// document's title, and the words that name it on their own: its
// initialisms and its name. In a corpus of several documents a title's
// words tell the documents apart, so they are kept.
func (ix *Index) titleWords() (named, names map[string]bool) {
	if len(ix.doc.Parts) > 0 || ix.doc.Title == "" {
		return nil, nil
	}
	title := analysis.Fold(ix.doc.Title)
	named, names = map[string]bool{}, map[string]bool{}
	for _, t := range queryTerms(title) {
		if !analysis.IsHan(firstRune(t.term)) {
			named[t.term] = true
		}
	}
	for _, w := range ix.means.words(title) {
		if !analysis.IsHan(firstRune(w.word)) {
			named[w.word] = true
		}
	}
	for _, a := range acronyms(title) {
		names[a] = true
	}
	// The first word of a title of three words or more is its name
	// (Apache, Mozilla, GNU, Node.js): alone, it names the document as
	// well as its initials do. In a shorter one it is as likely a subject
	// ("Security Policy").
	st := analysis.StemmerFor(title)
	var words []string
	for tok := range analysis.Tokens(title) {
		if t, ok := st.Term(tok.Text); ok && tok.Kind == analysis.Word {
			words = append(words, t)
		}
	}
	if len(words) >= 3 {
		names[words[0]] = true
	}
	return named, names
}

// naming returns the words with which a folded question names the
// document: the title's initialisms ("the MPL") and name ("Mozilla"), and
// the title's words where two or more of them run together ("under the
// Apache License"). A
// title word alone is a word like any other: "a later version of the
// license" asks about versions, and "security holes" about security in a
// policy titled "Security".
func (ix *Index) naming(folded string) map[string]bool {
	if len(ix.named) == 0 {
		return nil
	}
	out := map[string]bool{}
	var run []string
	flush := func() {
		if len(run) >= 2 {
			for _, w := range run {
				out[w] = true
			}
		}
		run = run[:0]
	}
	st := analysis.StemmerFor(folded)
	end := 0
	for tok := range analysis.Tokens(folded) {
		if strings.Trim(folded[end:tok.Start], " -") != "" {
			flush() // punctuation or a stop word between
		}
		end = tok.Start + len(tok.Text)
		term := tok.Text
		if tok.Kind == analysis.Word {
			var ok bool
			if term, ok = st.Term(tok.Text); !ok {
				flush()
				continue
			}
		}
		if ix.names[term] {
			out[term] = true
		}
		if tok.Kind != analysis.HanRun && ix.named[term] {
			run = append(run, term)
		} else {
			flush()
		}
	}
	flush()
	return out
}

// acronyms returns the initialisms a folded title is called by: the
// initials of every run of two to six of its words, stop words left out
// ("Mozilla Public License Version 2.0" is the MPL, "GNU General Public
// License" the GPL, "Universal Declaration of Human Rights" the UDHR).
// People name a document by them far more often than in full.
func acronyms(title string) []string {
	var words []string
	st := analysis.StemmerFor(title)
	for tok := range analysis.Tokens(title) {
		if tok.Kind != analysis.Word {
			continue
		}
		if _, ok := st.Term(tok.Text); !ok {
			words = append(words, "") // a stop word: in a run, without an initial
			continue
		}
		words = append(words, tok.Text)
	}
	var out []string
	eachInitialism(words, func(w string) bool { return w != "" }, 2, func(a string, _, _ int) {
		out = append(out, a)
	})
	return out
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// dropNamed removes the words naming the document, as framing, unless
// nothing else is asked ("what is the Apache License?").
func (q *query) dropNamed(named map[string]bool) {
	if len(named) == 0 {
		return
	}
	var terms []queryTerm
	for _, t := range q.terms {
		if !named[t.term] {
			terms = append(terms, t)
		}
	}
	var words []qword
	for _, w := range q.words {
		if !named[w.word] {
			words = append(words, w)
		}
	}
	if len(terms) == 0 || len(words) == 0 {
		return
	}
	q.terms, q.words = terms, words
}

func dropFraming(ts []queryTerm) []queryTerm {
	out := ts[:0]
	for _, t := range ts {
		if !framingStems[t.term] {
			out = append(out, t)
		}
	}
	return out
}

// translateToChinese adds the lexicon's Chinese renderings of an English
// question as BM25 terms. Chinese already in the question (a model's
// rewrite appends Chinese terms to an English question) is searched as it
// stands.
func (q *query) translateToChinese(ix *Index, question string) {
	han := hanOnly(q.folded)
	terms := queryTerms(han)
	seen := make(map[string]int, len(terms))
	for i, t := range terms {
		seen[t.term] = i
	}
	texts := []string{q.folded}
	for _, t := range ix.lexicon.Translate(question, ix.lex.known) {
		zh := analysis.Fold(t.Text)
		texts = append(texts, zh)
		for _, qt := range queryTerms(zh) {
			w := qt.weight * t.Weight
			if j, ok := seen[qt.term]; ok {
				terms[j].weight = math.Max(terms[j].weight, w)
				continue
			}
			seen[qt.term] = len(terms)
			terms = append(terms, queryTerm{term: qt.term, weight: w})
		}
	}
	q.terms = terms
	q.text = strings.Join(texts, " ")
}

// carryToDocument adds, for each word of a question in another language
// than the document's, the document's words nearest it in meaning (its
// translations, and words near those) as BM25 terms, weighted by their
// nearness: what a dictionary's phrase translation misses, such as the
// document's 秘书 for "secretariat" when the dictionary only knows 书记处.
func (q *query) carryToDocument(ix *Index) {
	seen := map[string]int{}
	for i, t := range q.terms {
		seen[t.term] = i
	}
	var texts []string
	for _, w := range q.words {
		for _, nb := range ix.space.Neighbours(w.word) {
			if nb.Word == w.word {
				continue
			}
			texts = append(texts, nb.Word)
			for _, qt := range queryTerms(nb.Word) {
				x := qt.weight * nb.Sim
				if !ix.lex.known(qt.term) {
					continue
				}
				if j, ok := seen[qt.term]; ok {
					q.terms[j].weight = math.Max(q.terms[j].weight, x)
					continue
				}
				seen[qt.term] = len(q.terms)
				q.terms = append(q.terms, queryTerm{term: qt.term, weight: x})
			}
		}
	}
	if len(texts) > 0 {
		q.text += " " + strings.Join(texts, " ")
	}
}

// expandInitialisms adds, for each initialism of the question that the
// document never uses but spells out ("the GPL" of a document that only
// writes "GNU General Public License"), the words it stands for.
func (q *query) expandInitialisms(ix *Index, folded string) {
	if len(ix.expand) == 0 {
		return
	}
	for tok := range analysis.Tokens(folded) {
		phrase, ok := ix.expand[tok.Text]
		if !ok || tok.Kind != analysis.Word || ix.names[tok.Text] || ix.space.Has(tok.Text) {
			continue
		}
		for _, t := range queryTerms(phrase) {
			if !slices.ContainsFunc(q.terms, func(x queryTerm) bool { return x.term == t.term }) {
				q.terms = append(q.terms, t)
			}
		}
		for _, w := range ix.means.words(phrase) {
			if !slices.ContainsFunc(q.words, func(x qword) bool { return x.word == w.word }) {
				q.words = append(q.words, w)
			}
		}
		q.text += " " + phrase
	}
}
