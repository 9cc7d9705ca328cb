package corpus

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/internal/lazyre"
)

// Ref is a parsed section or paragraph reference.
type Ref struct {
	// Path is the numeric section address: [3 4] for 三(四), [4 4] for 4(d);
	// nil for the preamble or a document without structure.
	Path []int
	// Para is the 1-based paragraph number; 0 means the whole section.
	Para int
	// Preamble marks a reference into the preamble (序言, or the text
	// before the first heading of any document).
	Preamble bool
	// Article marks a reference by article number (Article 12, 第十二条):
	// articles are numbered through a whole document, so the article is
	// looked for wherever it sits before the number is read as a part.
	Article bool
	// Doc is the document prefix of a reference into a merged corpus
	// ("apache" in apache:4(d)¶1); "" leaves the document open.
	Doc string
	// letters has bit i set when level i was written as a letter: 4(d)
	// names a lettered clause, not 四(四) or paragraph 4 of section 4.
	letters uint32
}

// String writes r canonically with ASCII digits (and letters for clauses):
// 3(4)¶2, 序言¶3, ¶5, apache:4(d)¶1, article 12.
func (r Ref) String() string {
	return r.format(func(int) numStyle { return styleDigits })
}

// format writes r with each level numbered in the style styleAt gives it.
func (r Ref) format(styleAt func(level int) numStyle) string {
	var b strings.Builder
	if r.Doc != "" {
		b.WriteString(r.Doc + ":")
	}
	if r.Preamble {
		b.WriteString(PreambleKey)
	}
	if r.Article {
		b.WriteString("article ")
	}
	for i, n := range r.Path {
		st := styleAt(i)
		if r.letter(i) {
			st = styleLetter
		}
		s := formatNum(n, st)
		if i == 0 {
			b.WriteString(s)
		} else {
			b.WriteString("(" + s + ")")
		}
	}
	if r.Para > 0 {
		b.WriteString("¶" + strconv.Itoa(r.Para))
	}
	return b.String()
}

// letter reports that level i was written as a letter.
func (r Ref) letter(i int) bool { return i < 32 && r.letters&(1<<i) != 0 }

// formatNum writes n in a numbering style.
func formatNum(n int, st numStyle) string {
	switch {
	case st == styleChinese:
		return formatChinese(n)
	case st == styleRoman && n > 0 && n < 40:
		return formatRoman(n)
	case st == styleLetter && n > 0 && n <= 26:
		return string(rune('a' + n - 1))
	}
	return strconv.Itoa(n)
}

// ErrBadRef is wrapped by ParseRef errors.
var ErrBadRef = errors.New("not a section reference")

const numPat = `(?:\d{1,3}|[` + cnNumeralChars + `]{1,5})`

// subPat is a number in brackets: a subsection (四), (4) or a clause (d).
const subPat = `\((?:` + numPat + `|[a-zA-Z])\)`

var (
	reRefPrefix   = lazyre.New(`(?i)^(§|section|sect?\.|part|article|art\.|chapter|clause)\s*`)
	reRefPreamble = lazyre.New(`(?i)^(?:序言|前言|preamble)\s*(?:¶|paragraph|para\.?|p\.|第)?\s*(\d{1,3})?\s*段?$`)
	reRefOrdinal  = lazyre.New(`^第(` + numPat + `)(?:部分|章|[編编]|部)\s*(?:第(` + numPat + `)(?:[節节]|小[節节]|部分|[條条]|[項项]))?\s*(?:第(` + numPat + `)段)?$`)
	reRefArticle  = lazyre.New(`^第(` + numPat + `)[條条]\s*(?:第(` + numPat + `)[款段])?$`)
	reRefParen    = lazyre.New(`^(` + numPat + `)?((?:` + subPat + `)*)\s*(?:(?:¶|paragraph|para\.?|第)\s*)?(\d{1,3})?\s*段?$`)
	reRefParenSub = lazyre.New(`\((` + numPat + `|[a-zA-Z])\)`)
	reRefDotted   = lazyre.New(`^(\d{1,3}(?:\.\d{1,3}){0,4})\.?\s*(?:¶\s*(\d{1,3}))?$`)
	// 2.1(b), MPL's own way of citing a clause of a dotted section.
	reRefDottedSub = lazyre.New(`^(\d{1,3}(?:\.\d{1,3}){1,3})((?:` + subPat + `)+)\s*(?:¶\s*(\d{1,3}))?$`)
	reRefRoman     = lazyre.New(`^([IVX]{1,6})(?:$|[\s(¶.])`)
	reRefZero      = lazyre.New(`^0\s*(?:¶\s*(\d{1,3}))?$`)
)

// refDocExpr is what refDoc matches: a document prefix, a colon and a
// reference. Compiled, its {0,30} repetitions of two Unicode classes took
// 4.4 ms, the most of any expression here, and every question is searched
// for a reference; refDoc matches it by hand (TestRefDocIsExpr).
const refDocExpr = `^([\p{L}\p{N}][\p{L}\p{N}_.\-]{0,30}):\s*(\S.*)$`

// refDoc splits "apache: 4(d)" into its document prefix and the rest, as
// refDocExpr would.
func refDoc(s string) (doc, rest string, ok bool) {
	colon := -1
	n := 0
	for i, r := range s {
		if r == ':' {
			colon = i
			break
		}
		word := unicode.IsLetter(r) || unicode.IsNumber(r)
		if n == 0 && !word || n > 0 && !word && r != '_' && r != '.' && r != '-' || n == 31 {
			return "", "", false
		}
		n++
	}
	if colon < 1 {
		return "", "", false
	}
	rest = strings.TrimLeft(s[colon+1:], "\t\n\f\r ")
	if rest == "" || strings.ContainsRune(rest, '\n') {
		return "", "", false
	}
	return s[:colon], rest, true
}

// ParseRef parses a reference in any of the accepted spellings: 三(四)¶2,
// 三（四）2, 3.4.2, 3(4)2, 3.4, 3(4), 五(十三), 三¶7, 序言¶3, preamble 3,
// §3.4, section 3(4), 第三部分第四节, 4(d)¶1, clause 4(d), 2.1(b), Article IV,
// 第十二条, apache:4(d)¶1, with full-width digits and brackets too.
// A dotted reference with three numbers names a paragraph (3.4.2 = 3(4)¶2);
// with two it names a subsection, which Resolve turns into a paragraph when
// the part has no subsections.
func ParseRef(s string) (Ref, error) {
	orig := s
	bad := func() (Ref, error) { return Ref{}, fmt.Errorf("corpus: %q: %w", orig, ErrBadRef) }
	s = strings.TrimRight(strings.TrimSpace(foldWidth(s)), "、.。 ")
	var r Ref
	if doc, rest, ok := refDoc(s); ok {
		r.Doc, s = strings.ToLower(doc), rest
	}
	word := ""
	if m := reRefPrefix.FindStringSubmatch(s); m != nil {
		word = strings.ToLower(m[1])
		s = strings.TrimSpace(s[len(m[0]):])
	}
	r.Article = word == "article" || word == "art."
	if m := reRefRoman.FindStringSubmatch(s); m != nil {
		if n, ok := parseRoman(m[1]); ok {
			s = strconv.Itoa(n) + s[len(m[1]):]
		}
	}
	if s == "" {
		return bad()
	}
	if m := reRefZero.FindStringSubmatch(s); m != nil && word != "" {
		// Section 0 exists (GPL's "0. Definitions."), but a bare 0 is no reference.
		r.Path = []int{0}
		r.Para, _ = strconv.Atoi(m[1])
		return r, nil
	}
	if !parseRefBody(&r, s) {
		return bad()
	}
	return r, nil
}

// parseRefBody reads a reference without its document prefix and
// "section" word into r.
func parseRefBody(r *Ref, s string) bool {
	if m := reRefPreamble.FindStringSubmatch(s); m != nil {
		r.Preamble, r.Article = true, false
		r.Para, _ = strconv.Atoi(m[1])
		return true
	}
	if m := reRefArticle.FindStringSubmatch(s); m != nil {
		r.Article = true
		return appendNums(&r.Path, m[1]) && (m[2] == "" || setPara(r, m[2]))
	}
	if m := reRefOrdinal.FindStringSubmatch(s); m != nil {
		return appendNums(&r.Path, m[1], m[2]) && (m[3] == "" || setPara(r, m[3]))
	}
	if m := reRefDottedSub.FindStringSubmatch(s); m != nil {
		r.Path = splitDots(m[1])
		return !containsZero(r.Path) && appendSubs(r, m[2]) && (m[3] == "" || setPara(r, m[3]))
	}
	if m := reRefDotted.FindStringSubmatch(s); m != nil && (strings.Contains(m[1], ".") || m[2] != "") {
		nums := splitDots(m[1])
		if containsZero(nums) {
			return false
		}
		r.Path = nums
		if m[2] != "" {
			return setPara(r, m[2])
		}
		if len(nums) >= 3 {
			r.Path, r.Para = nums[:len(nums)-1], nums[len(nums)-1]
		}
		return true
	}
	m := reRefParen.FindStringSubmatch(s)
	if m == nil || m[1] == "" && m[2] != "" {
		return false // "(四)" alone does not say which part
	}
	if (m[1] != "" && !appendNums(&r.Path, m[1])) || !appendSubs(r, m[2]) || (m[3] != "" && !setPara(r, m[3])) {
		return false
	}
	// A bare number ("3") is a part; a lone paragraph number needs ¶.
	if len(r.Path) == 0 && (r.Para == 0 || !strings.Contains(s, "¶")) {
		return false
	}
	// "3 7" is too loose to be a reference.
	return !(len(r.Path) == 1 && r.Para > 0 && m[1] != "" && !strings.ContainsAny(s, "¶第") && isDigit(m[1]))
}

// appendNums appends section numbers written in digits or Chinese
// numerals, skipping empty groups.
func appendNums(path *[]int, nums ...string) bool {
	for _, g := range nums {
		if g == "" {
			continue
		}
		n, _, ok := parseNumeral(g)
		if !ok {
			return false
		}
		*path = append(*path, n)
	}
	return true
}

// appendSubs appends the bracketed numbers or clause letters of s to r.Path.
func appendSubs(r *Ref, s string) bool {
	for _, sm := range reRefParenSub.FindAllStringSubmatch(s, -1) {
		if len(sm[1]) == 1 && (sm[1][0]|0x20) >= 'a' && (sm[1][0]|0x20) <= 'z' {
			if len(r.Path) < 32 {
				r.letters |= 1 << len(r.Path)
			}
			r.Path = append(r.Path, int(sm[1][0]|0x20)-'a'+1)
			continue
		}
		if !appendNums(&r.Path, sm[1]) {
			return false
		}
	}
	return true
}

func setPara(r *Ref, s string) bool {
	n, _, ok := parseNumeral(s)
	r.Para = n
	return ok
}

func containsZero(nums []int) bool {
	for _, n := range nums {
		if n <= 0 {
			return true
		}
	}
	return len(nums) == 0
}

func isDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// findPattern finds a reference inside a question; guard keeps ordinary
// numbers (years, counts, versions) from being read as references.
type findPattern struct {
	re    *lazyre.Regexp
	guard func(q string, loc []int) bool
}

// Patterns that find a reference inside a question. Each match is handed to
// ParseRef; the guards keep years, counts and anniversaries ("2021年",
// "20周年", "5 questions") and versions ("version 2.1") from being read as
// sections.
var findPatterns = []findPattern{
	{re: lazyre.New(`第` + numPat + `(?:部分|章|[編编])\s*(?:第` + numPat + `(?:[節节]|小[節节]|部分|[條条]))?\s*(?:第` + numPat + `段)?`)},
	{re: lazyre.New(`第` + numPat + `[條条]\s*(?:第` + numPat + `[款段])?`)},
	{re: lazyre.New(`(?i)(?:序言|前言|preamble)\s*(?:¶|paragraph|para\.?|第)?\s*\d{1,3}`)},
	{re: lazyre.New(`(?:§\s*|\b(?i:section|part|article|chapter|clause)\s+|\b(?i:sec|art)\.\s*)(?:\d{1,3}(?:\.\d{1,3}){0,3}|[IVX]{1,6}\b)(?:` + subPat + `)*(?:\s*¶\s*\d{1,3})?`)},
	{re: lazyre.New(`(?:` + numPat + `)(?:` + subPat + `)+(?:\s*¶?\s*\d{1,3})?`), guard: bracketGuard},
	{re: lazyre.New(`(?:` + numPat + `)?¶\s*\d{1,3}`), guard: numberGuard},
	{re: lazyre.New(`\d{1,2}(?:\.\d{1,2}){1,2}`), guard: dottedGuard},
}

// Units and suffixes that make a dotted number a quantity, not a section.
var reQuantity = lazyre.New(`(?i)^\s*(%|％|percent|per cent|million|billion|trillion|thousand|km|kg|m\b|倍|億|亿|萬|万|美元|元|度|年|月|日|周|週|歲|岁)`)

// Words after which a dotted number is a version, not a section.
var reVersionWord = lazyre.New(`(?i)\b(version|ver\.?|release|rev\.?|revision|v)\s*$`)

// A document prefix glued to a reference: "apache:4(d)".
var reDocBefore = lazyre.New(`(?:^|[^\p{L}\p{N}_.\-])([a-z][a-z0-9_.\-]{0,30}):$`)

// numberGuard refuses a number glued to a longer number or word (a
// decimal, a version, a date) or followed by a unit.
func numberGuard(q string, loc []int) bool {
	before, _ := utf8.DecodeLastRuneInString(q[:loc[0]])
	next, _ := utf8.DecodeRuneInString(q[loc[1]:])
	return !isASCIIAlnum(before) && before != '.' && !isASCIIAlnum(next) && !reQuantity.MatchString(q[loc[1]:])
}

// bracketGuard is numberGuard for 3(4): a letter may follow it, a Chinese
// numeral may not precede it.
func bracketGuard(q string, loc []int) bool {
	before, _ := utf8.DecodeLastRuneInString(q[:loc[0]])
	return !isASCIIAlnum(before) && before != '.' && !strings.ContainsRune(cnNumeralChars, before) && !reQuantity.MatchString(q[loc[1]:])
}

// dottedGuard is numberGuard for 3.4, which a version word also refuses.
func dottedGuard(q string, loc []int) bool {
	next, _ := utf8.DecodeRuneInString(q[loc[1]:])
	return numberGuard(q, loc) && next != '.' && !reVersionWord.MatchString(q[:loc[0]])
}

// FindRef finds a section or paragraph reference inside a natural-language
// question ("宣言第三部分第六节主要讲什么?", "What does section 4(11) cover?",
// "clause 4(d)", "第十二条"). Ordinary numbers (years, counts, versions,
// anniversaries) are not references. A document prefix glued to the
// reference ("apache:4(d)") is kept in Ref.Doc.
func FindRef(question string) (Ref, bool) {
	q := foldWidth(question)
	for _, p := range findPatterns {
		for _, loc := range p.re.FindAllStringIndex(q, -1) {
			if p.guard != nil && !p.guard(q, loc) {
				continue
			}
			r, err := ParseRef(q[loc[0]:loc[1]])
			if err != nil {
				continue
			}
			if m := reDocBefore.FindStringSubmatch(q[:loc[0]]); m != nil {
				r.Doc = m[1]
			}
			return r, true
		}
	}
	return Ref{}, false
}

func isASCIIAlnum(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}
