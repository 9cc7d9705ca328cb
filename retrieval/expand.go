package retrieval

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/embeddings"
	"github.com/citebot/citebot/glossary"
)

// maxWord is the longest word, in characters, that segmentation tries.
const maxWord = 6

// framing are content-looking words that frame a question rather than name
// what it asks about ("what is their attitude to X", "what do they plan for
// X"). The declaration need not contain them for it to answer.
var framing = map[string]bool{
	"态度": true, "立场": true, "看法": true, "观点": true, "看待": true, "评价": true, "认为": true,
	"打算": true, "准备": true, "想要": true, "需要": true, "应该": true, "现在": true, "目前": true,
	"当年": true, "当初": true, "起到": true, "什么样": true, "内容": true, "情况": true, "表示": true,
	"表达": true, "说法": true, "规定": true, "谈到": true, "涉及": true, "关于": true, "有关": true,
	"哪些": true, "方面": true, "怎样": true, "这些": true, "那些": true, "这类": true, "之间": true,
}

// docText is the folded text of every paragraph and section title, one per
// line, so a substring test tells whether the document uses a word.
func (ix *Index) docText() string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, p := range ix.doc.Paragraphs {
		if !seen[p.Section] {
			seen[p.Section] = true
			b.WriteString(embeddings.Fold(p.Section))
			b.WriteByte('\n')
		}
		b.WriteString(embeddings.Fold(p.Text))
		b.WriteByte('\n')
	}
	return b.String()
}

// segment splits folded text into words by forward maximum matching over the
// CC-CEDICT lexicon and the document's own strings: at each position the
// longest known word wins. Runs of Latin letters or digits are words too;
// other characters that start no word are skipped.
func segment(folded string, inDoc func(string) bool) []string {
	rs := []rune(folded)
	var out []string
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.Is(unicode.Han, r):
			n := 1
			for l := min(maxWord, len(rs)-i); l >= 2; l-- {
				if !allHan(rs[i : i+l]) {
					continue
				}
				w := string(rs[i : i+l])
				if glossary.IsWord(w) || inDoc(w) {
					n = l
					break
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
func knownWord(w string, inDoc func(string) bool) bool {
	if inDoc(w) {
		return true
	}
	for _, s := range glossary.Synonyms(w) {
		if inDoc(s) {
			return true
		}
	}
	rs := []rune(w)
	if len(rs) < 3 || !allHan(rs) {
		return false
	}
	for i := 0; i+2 <= len(rs); i++ {
		if !inDoc(string(rs[i : i+2])) {
			return false
		}
	}
	return true
}

// unknownWords are the content words of a Chinese question that the
// document never speaks of: not used, not by a synonym. Latin words
// (acronyms such as GDP) and numbers count too; single characters, question
// words and framing words do not.
func unknownWords(folded string, inDoc func(string) bool) (content, unknown []string) {
	for _, w := range segment(stripQuestionWords(folded), inDoc) {
		if framing[w] {
			continue
		}
		content = append(content, w)
		if !knownWord(w, inDoc) {
			unknown = append(unknown, w)
		}
	}
	return content, unknown
}

// unknownUnits are the English words and phrases of a question that
// CC-CEDICT can render but none of whose renderings (or their synonyms) the
// document uses: "vaccine" when the text never says 疫苗.
func unknownUnits(question string, inDoc func(string) bool) (content, unknown []string) {
	g := glossary.Default()
	known := func(zh string) bool {
		if inDoc(zh) {
			return true
		}
		if utf8.RuneCountInString(zh) < 2 {
			return false
		}
		for _, s := range glossary.Synonyms(zh) {
			if inDoc(s) {
				return true
			}
		}
		return false
	}
	got := map[string]bool{}
	for _, t := range g.TranslateIn(question, known) {
		if utf8.RuneCountInString(t.Zh) >= 2 {
			got[t.From] = true
		}
	}
	seen := map[string]bool{}
	for _, t := range g.Translate(question) {
		if seen[t.From] {
			continue
		}
		seen[t.From] = true
		content = append(content, t.From)
		if !got[t.From] {
			unknown = append(unknown, t.From)
		}
	}
	return content, unknown
}
