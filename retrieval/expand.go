package retrieval

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/embeddings"
	"github.com/citebot/citebot/glossary"
)

const (
	// maxWord is the longest word, in characters, that segmentation tries.
	maxWord = 6
	// abbrevSpan bounds, per character of an abbreviation, the stretch of
	// text its full form may take (冬奥会: 3 characters, 9 in 冬季奥林匹克运动会).
	abbrevSpan = 3
)

// framing are content-looking words that frame a question rather than name
// what it asks about ("what is their attitude to X", "what do they plan for
// X"). The declaration need not contain them for it to answer.
var framing = map[string]bool{
	"态度": true, "立场": true, "看法": true, "观点": true, "看待": true, "评价": true, "认为": true,
	"打算": true, "准备": true, "想要": true, "需要": true, "应该": true, "现在": true, "目前": true,
	"当年": true, "当初": true, "起到": true, "什么样": true, "内容": true, "情况": true, "表示": true,
	"表达": true, "说法": true, "规定": true, "谈到": true, "涉及": true, "关于": true, "有关": true,
	"哪些": true, "方面": true, "主要": true, "具体": true, "怎样": true, "这些": true, "那些": true, "这类": true, "之间": true,
}

// vocab answers "does the document use this string, and where?" from the
// index's postings: a string's character pairs narrow the paragraphs to the
// few that could hold it, and only those are searched. Scanning every
// paragraph instead would cost a second per question at 100,000 paragraphs.
type vocab struct {
	lex   *lexical
	paras []string // per paragraph: folded section title, newline, folded text
}

func newVocab(lex *lexical, titles, texts []string) *vocab {
	v := &vocab{lex: lex, paras: make([]string, len(texts))}
	for i := range texts {
		v.paras[i] = titles[i] + "\n" + texts[i]
	}
	return v
}

// candidates returns the postings of the rarest term of s: the paragraphs
// that might contain s.
func (v *vocab) candidates(s string) []posting {
	keys := embeddings.Terms(s)
	if len(keys) == 0 {
		return nil
	}
	cand := v.lex.postings[keys[0]]
	for _, k := range keys[1:] {
		if ps := v.lex.postings[k]; len(ps) < len(cand) {
			cand = ps
		}
	}
	return cand
}

// where returns the paragraphs containing s, or stops after limit of them
// (limit <= 0: no limit).
func (v *vocab) where(s string, limit int) []int32 {
	var out []int32
	for _, p := range v.candidates(s) {
		if strings.Contains(v.paras[p.doc], s) {
			out = append(out, p.doc)
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	return out
}

// has reports whether the document contains s.
func (v *vocab) has(s string) bool { return len(v.where(s, 1)) > 0 }

// exactDF is the number of candidate paragraphs up to which df searches
// them; past it, the candidates' count stands in for the count. Weighing a
// concept needs its order of magnitude, not its exact frequency, and
// searching the 100,000 paragraphs that hold a word like 上合组织 would cost
// more than the rest of the query.
const exactDF = 2000

// df counts the paragraphs that contain any of forms.
func (v *vocab) df(forms []string) int {
	seen := make(map[int32]struct{})
	estimate := 0
	for _, f := range forms {
		if c := v.candidates(f); len(c) > exactDF {
			estimate += len(c)
			continue
		}
		for _, d := range v.where(f, 0) {
			seen[d] = struct{}{}
		}
	}
	return min(len(seen)+estimate, len(v.paras))
}

// knownForm reports whether the document uses zh or, for a word, one of
// its near-synonyms; the glossary uses it to keep only renderings the
// document can match.
func (v *vocab) knownForm(zh string) bool {
	if v.has(zh) {
		return true
	}
	if utf8.RuneCountInString(zh) < 2 {
		return false
	}
	for _, s := range glossary.Synonyms(zh) {
		if v.has(s) {
			return true
		}
	}
	return false
}

// forms returns zh, if the document uses it, and those of its near-synonyms
// the document uses: the strings that stand for zh in a paragraph.
func (v *vocab) forms(zh string) []string {
	var out []string
	if v.has(zh) {
		out = append(out, zh)
	}
	if utf8.RuneCountInString(zh) < 2 {
		return out
	}
	for _, s := range glossary.Synonyms(zh) {
		if v.has(s) {
			out = append(out, s)
		}
	}
	return out
}

// bigrams returns the character pairs of a Han word.
func bigrams(w string) []string {
	rs := []rune(w)
	var out []string
	for i := 0; i+2 <= len(rs); i++ {
		out = append(out, string(rs[i:i+2]))
	}
	return out
}

// segment splits folded text into words by forward maximum matching over the
// CC-CEDICT lexicon: at each position the longest lexicon word wins. Runs of
// Latin letters or digits are words too; a character that starts no word of
// two or more characters (的, 对, 在) is skipped.
func segment(folded string) []string {
	rs := []rune(folded)
	var out []string
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.Is(unicode.Han, r):
			// A lexicon word wins over a document string: the document's
			// strings cross word boundaries (成员国对), its words do not.
			n := 1
			for l := min(maxWord, len(rs)-i); l >= 2 && n == 1; l-- {
				if allHan(rs[i:i+l]) && glossary.IsWord(string(rs[i:i+l])) {
					n = l
				}
			}

			if n >= 2 {
				out = append(out, string(rs[i:i+n]))
			}
			i += n
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			j := i
			for j < len(rs) && rs[j] < utf8.RuneSelf && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			out = append(out, string(rs[i:j]))
			i = j
		default:
			i++
		}
	}
	return out
}

func allHan(rs []rune) bool {
	for _, r := range rs {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

// knownWord reports whether the document speaks of what word w names: it
// uses w, or a near-synonym of w, or (for a compound) every character pair
// of w, as 新冠肺炎疫情 is covered by 新冠 + 肺炎 + 疫情.
func knownWord(w string, v *vocab) bool {
	inDoc := v.has
	if inDoc(w) {
		return true
	}
	for _, s := range glossary.Synonyms(w) {
		if inDoc(s) {
			return true
		}
	}
	rs := []rune(w)
	if len(rs) < 2 || !allHan(rs) {
		return false
	}
	if len(rs) >= 3 {
		all := true
		for i := 0; i+2 <= len(rs); i++ {
			if !inDoc(string(rs[i : i+2])) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return v.abbreviates(w)
}

// abbreviates reports whether the characters of w occur in order within a
// short stretch of one paragraph: 冬奥会 abbreviates 冬季奥林匹克运动会 and
// 减排 减少温室气体排放, the usual way Chinese shortens a long name.
func (v *vocab) abbreviates(w string) bool {
	rs := []rune(w)
	if len(rs) == 0 {
		return false
	}
	span := abbrevSpan * len(rs)
	// Only paragraphs holding the rarest of w's characters can match.
	cand := v.lex.postings[string(rs[0])]
	for _, r := range rs[1:] {
		if ps := v.lex.postings[string(r)]; len(ps) < len(cand) {
			cand = ps
		}
	}
	for _, p := range cand {
		if abbreviatesIn([]rune(v.paras[p.doc]), rs, span) {
			return true
		}
	}
	return false
}

func abbreviatesIn(tr, rs []rune, span int) bool {
	for i, r := range tr {
		if r != rs[0] {
			continue
		}
		k := 1
		for j := i + 1; j < len(tr) && j-i < span && k < len(rs); j++ {
			if tr[j] == '\n' {
				break
			}
			if tr[j] == rs[k] {
				k++
			}
		}
		if k == len(rs) {
			return true
		}
	}
	return false
}
