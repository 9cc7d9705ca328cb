package corpus

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/internal/lazyre"
)

// PreambleKey is the section key of the paragraphs before the first heading
// of a Chinese document; other documents use "" there, like a document
// without headings.
const PreambleKey = "序言"

// sectionSep joins heading titles in Paragraph.Section and Section.Title.
const sectionSep = " › "

// numStyle is how a heading writes its number; the section key repeats it.
type numStyle uint8

const (
	styleDigits numStyle = iota
	styleChinese
	styleRoman
	styleLetter
)

// heading is one recognised heading.
type heading struct {
	// rank orders heading styles from outermost to innermost; levels are
	// assigned from the ranks a document actually uses.
	rank int
	// num is the heading's own number; hasNum is false for unnumbered
	// headings ("## Scope"), which get the next free ordinal.
	num    int
	hasNum bool
	style  numStyle
	// letter is the clause letter as written ("d", "D") for lettered clauses.
	letter string
	// dots is a dotted number as written ("2.1", "1.01"); parts are its numbers.
	dots  string
	parts []int
	// named is the key of an appendix-like heading ("Appendix", "ExhibitA").
	named string
	// clause marks a lettered clause, which hangs under the innermost
	// numbered section and holds just the paragraph it opens.
	clause bool
	// numPara marks a dotted number opening a paragraph without a title
	// ("5.1. The rights granted …"); it is a section only where the number
	// continues the enclosing section's.
	numPara bool
	// marker is the text a paragraph-opening heading took from its line, to
	// be given back if the heading is refused.
	marker string
	// text is the heading as shown in Section titles.
	text string
}

const cnNum = `[` + cnNumeralChars + `]+`

// Heading ranks, outermost first; only their order matters. Markdown
// headings rank by their number of # (1..6, setext = and - as 1 and 2), so
// that they enclose everything else.
const (
	rankPart    = 11
	rankChapter = 12
	rankArticle = 13
	rankSection = 14
	rankCnVol   = 20
	rankCnPart  = 21
	rankCnChap  = 22
	rankCnSect  = 23
	rankCnItem  = 24 // 一、
	rankCnArt   = 25 // 第十二条
	rankCnParen = 26 // (一)
	rankRoman   = 29
	rankNumber  = 30 // + number of dotted parts
	rankParen   = 40 // (1)
)

var (
	reMarkdown  = lazyre.New(`^(#{1,6})[ \t]+(.*?)[ \t#]*$`).OnlyIf(lazyre.Prefixes("#"))
	reCnVolume  = lazyre.New(`^第(` + cnNum + `|\d{1,3})[編编][ \t]*(.*)$`).OnlyIf(lazyre.Prefixes("第"))
	reCnPartOf  = lazyre.New(`^第(` + cnNum + `|\d{1,3})部分[ \t]*(.*)$`).OnlyIf(lazyre.Prefixes("第"))
	reCnChapter = lazyre.New(`^第(` + cnNum + `|\d{1,3})章[ \t]*(.*)$`).OnlyIf(lazyre.Prefixes("第"))
	reCnSection = lazyre.New(`^第(` + cnNum + `|\d{1,3})[節节][ \t]*(.*)$`).OnlyIf(lazyre.Prefixes("第"))
	reCnPart    = lazyre.New(`^(` + cnNum + `)、[ \t]*(\S.*)$`).OnlyIf(lazyre.FirstRuneIn(cnNumeralChars))
	reCnParen   = lazyre.New(`^[(（](` + cnNum + `)[)）][ \t]*(\S.*)$`).OnlyIf(lazyre.Prefixes("(", "（"))
	// 第十二条 opens its article's text on the same line after a space; a
	// 第十二条 glued to the next word is a reference in running text.
	reCnArticle = lazyre.New(`^第(` + cnNum + `|\d{1,3})[條条](?:[ \t\x{3000}]+(.*))?$`).OnlyIf(lazyre.Prefixes("第"))
	reNumbered  = lazyre.New(`^(\d{1,3}(?:\.\d{1,3}){0,3})(?:\.|、|[ \t])[ \t]*(\S.*)$`).OnlyIf(lazyre.FirstByteIn(digits))
	reNumParen  = lazyre.New(`^[(（](\d{1,3})[)）][ \t]*(\S.*)$`).OnlyIf(lazyre.Prefixes("(", "（"))
	reRoman     = lazyre.New(`^([IVX]{1,6})\.[ \t]+(\S.*)$`).OnlyIf(lazyre.FirstByteIn("IVX"))
	// Part 2, CHAPTER IV, Article 12, SECTION 3., § 4, Sec. 1.01, with an
	// optional title after a dash, colon or dot.
	reWordHead = lazyre.New(`^(PART|Part|CHAPTER|Chapter|ARTICLE|Article|Art\.|SECTION|Section|Sec\.|SEC\.|§)[ \t]*(\d{1,3}(?:\.\d{1,3}){0,3}|[IVX]{1,6})\b\.?(?:[ \t]*([-–—:])[ \t]*|[ \t]+|$)(.*)$`).OnlyIf(lazyre.Prefixes("P", "C", "A", "S", "§"))
	// APPENDIX: How to apply …, Exhibit A - …, Annex 2, Schedule B, 附件一.
	reNamed   = lazyre.New(`^(APPENDIX|Appendix|ANNEX|Annex|EXHIBIT|Exhibit|SCHEDULE|Schedule|ATTACHMENT|Attachment)(?:[ \t]+([A-Z]|\d{1,3}|[IVX]{1,6}))?(?:[ \t]*[-–—:.][ \t]*(.*)|[ \t]*)$`).OnlyIf(lazyre.FirstByteIn("AES"))
	reCnNamed = lazyre.New(`^(附件|附录|附錄)(` + cnNum + `|\d{1,3})?(?:[ \t]*[:：][ \t]*(.*)|[ \t]*)$`).OnlyIf(lazyre.Prefixes("附"))
	// A run-in heading: number, a short title ending in a dot, then text.
	reRunIn = lazyre.New(`^((?:(?:SECTION|Section|ARTICLE|Article)[ \t]+)?(\d{1,3}(?:\.\d{1,3}){0,3}|[IVX]{1,6})\.)[ \t]+([^.]{1,60}\.)[ \t]+(\S.*)$`).OnlyIf(lazyre.FirstByteIn("SA" + digits + "IVX"))
	// A dotted number opening a paragraph: "5.1. The rights granted …".
	reNumPara = lazyre.New(`^((\d{1,3}(?:\.\d{1,3}){1,3})\.?)[ \t]+(\S.*)$`).OnlyIf(lazyre.FirstByteIn(digits))
	reClause  = lazyre.New(`^(\(([a-zA-Z])\)|([a-zA-Z])\))[ \t]+(\S.*)$`).OnlyIf(lazyre.FirstByteIn("(" + letters))
	// A number at the start of a Markdown heading's title ("## 2.1 Scope").
	reTitleNum = lazyre.New(`^(\d{1,3}(?:\.\d{1,3}){0,3})\.?(?:[ \t]|$)`).OnlyIf(lazyre.FirstByteIn(digits))
	rePreamble = lazyre.New(`^(?i:preamble)$|^(序言|前言)$`).OnlyIf(lazyre.Prefixes("p", "P", "序", "前"))
)

// maxHeadingRunes bounds a heading's length: longer numbered lines are
// numbered paragraphs, not headings.
const maxHeadingRunes = 60

// maxTitledRunes bounds a heading whose title ends in a dot ("1. Definitions.").
const maxTitledRunes = 80

// hctx is what heading recognition needs to know about the document.
type hctx struct {
	// markdown: the document has # headings, so its numbered lines are lists.
	markdown bool
	// start: the line opens a paragraph (after a blank line, a heading or a
	// finished sentence); Latin-numbered headings appear only there, so a
	// wrapped line that happens to start with "7." is not one.
	start bool
	// roman: the document numbers headings I., II. …
	roman bool
}

// parseHeading recognises a heading that fills a whole line; ok is false
// for body text.
func parseHeading(line string, c hctx) (h heading, ok bool) {
	if m := reMarkdown.FindStringSubmatch(line); m != nil {
		return titleHeading(len(m[1]), strings.TrimSpace(m[2]))
	}
	if h, ok := cnHeading(line); ok {
		return h, true
	}
	if !c.start || utf8.RuneCountInString(line) > maxTitledRunes {
		return h, false
	}
	if h, ok := namedHeading(line); ok {
		return h, true
	}
	if h, ok := wordHeading(line); ok {
		return h, true
	}
	if c.markdown {
		return h, false
	}
	if m := reRoman.FindStringSubmatch(line); m != nil && c.roman {
		if n, ok := parseRoman(m[1]); ok && titleOK(m[2], false) {
			return heading{rank: rankRoman, num: n, hasNum: true, style: styleRoman, text: line}, true
		}
	}
	return numberedHeading(line)
}

// titleOK accepts a heading's title: short and not a sentence, a question
// (an FAQ's "1. Why?"), or a title-case phrase ending in a dot
// ("Definitions.", "Grant of Patent License."). empty allows a heading that
// is only its number.
func titleOK(title string, empty bool) bool {
	title = strings.TrimSpace(title)
	switch {
	case title == "":
		return empty
	case utf8.RuneCountInString(title) > maxHeadingRunes:
		return false
	case !endsSentence(title) || strings.HasSuffix(title, "?") || strings.HasSuffix(title, "？"):
		return true
	}
	return strings.HasSuffix(title, ".") && titleCase(strings.TrimSuffix(title, "."))
}

// cnHeading recognises the Chinese heading forms (第一編 … 一、 (一)), which
// are accepted on any line as before: CJK text is not hard-wrapped.
func cnHeading(line string) (heading, bool) {
	if utf8.RuneCountInString(line) > maxHeadingRunes || endsSentence(line) {
		return heading{}, false
	}
	forms := []struct {
		re   *lazyre.Regexp
		rank int
	}{
		{reCnVolume, rankCnVol}, {reCnPartOf, rankCnPart}, {reCnChapter, rankCnChap}, {reCnSection, rankCnSect},
		{reCnPart, rankCnItem}, {reCnParen, rankCnParen},
	}
	for _, f := range forms {
		m := f.re.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, cn, ok := parseNumeral(m[1])
		if !ok {
			return heading{}, false
		}
		h := heading{rank: f.rank, num: n, hasNum: true, text: line}
		if cn {
			h.style = styleChinese
		}
		return h, true
	}
	return heading{}, false
}

// numberedHeading: "1. Definitions.", "2.1 Scope", "1、总则", "(3) Fees".
func numberedHeading(line string) (heading, bool) {
	if m := reNumbered.FindStringSubmatch(line); m != nil {
		parts := splitDots(m[1])
		rest := line[len(m[1]):]
		// "2021 年" or "3 questions" are not headings: a bare number needs a
		// dot or 、 after it, and the title must not start with a digit.
		if len(parts) == 1 && !strings.HasPrefix(rest, ".") && !strings.HasPrefix(rest, "、") {
			return heading{}, false
		}
		if r, _ := utf8.DecodeRuneInString(m[2]); r >= '0' && r <= '9' || r == '年' || r == '%' {
			return heading{}, false
		}
		if parts == nil || !titleOK(m[2], false) {
			return heading{}, false
		}
		return dotted(heading{rank: rankNumber + len(parts), text: line}, m[1], parts), true
	}
	if m := reNumParen.FindStringSubmatch(line); m != nil && titleOK(m[2], false) {
		n, _ := strconv.Atoi(m[1])
		if n <= 0 {
			return heading{}, false
		}
		return heading{rank: rankParen, num: n, hasNum: true, text: line}, true
	}
	return heading{}, false
}

// dotted fills in a heading's number from a dotted number as written.
func dotted(h heading, dots string, parts []int) heading {
	h.num, h.hasNum = parts[len(parts)-1], true
	if len(parts) > 1 {
		h.dots, h.parts = dots, parts
	}
	return h
}

// splitDots reads "2.1.3" as [2 1 3]; nil if a part is not a number.
func splitDots(s string) []int {
	var out []int
	for _, p := range strings.Split(s, ".") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil
		}
		out = append(out, n)
	}
	return out
}

// wordHeading: "Section 3", "ARTICLE IV – Term", "Part 2: Fees", "§ 4".
// Without a dash or colon the title must be title case, so that a line
// such as "Section 3 of the Act provides" stays text.
func wordHeading(line string) (heading, bool) {
	m := reWordHead.FindStringSubmatch(line)
	if m == nil {
		return heading{}, false
	}
	title := strings.TrimSpace(m[4])
	if title != "" && !titleCase(strings.TrimSuffix(title, ".")) && (m[3] == "" || !titleOK(title, false)) {
		return heading{}, false
	}
	rank := rankSection
	switch strings.ToLower(m[1]) {
	case "part":
		rank = rankPart
	case "chapter":
		rank = rankChapter
	case "article", "art.":
		rank = rankArticle
	}
	h := heading{rank: rank, text: line}
	if n, ok := parseRoman(m[2]); ok {
		h.num, h.hasNum, h.style = n, true, styleRoman
		return h, true
	}
	parts := splitDots(m[2])
	if parts == nil {
		return heading{}, false
	}
	return dotted(h, m[2], parts), true
}

// namedHeading: appendix-like headings, keyed by their name.
func namedHeading(line string) (heading, bool) {
	if m := reNamed.FindStringSubmatch(line); m != nil {
		word := strings.ToUpper(m[1][:1]) + strings.ToLower(m[1][1:])
		return heading{text: line, named: word + m[2]}, true
	}
	if m := reCnNamed.FindStringSubmatch(line); m != nil {
		return heading{text: line, named: m[1] + m[2]}, true
	}
	return heading{}, false
}

// titleHeading reads a Markdown or setext heading: its rank is its level,
// and a number, a Section/Article word or an appendix name in its title
// numbers or names it.
func titleHeading(rank int, title string) (heading, bool) {
	if title == "" {
		return heading{}, false
	}
	h := heading{rank: rank, text: title}
	if n, ok := namedHeading(title); ok {
		n.rank = rank
		return n, true
	}
	if w, ok := wordHeading(title); ok {
		w.rank = rank
		return w, true
	}
	if m := reTitleNum.FindStringSubmatch(title); m != nil {
		if parts := splitDots(m[1]); parts != nil {
			h = dotted(h, m[1], parts)
		}
	}
	if m := reCnArticle.FindStringSubmatch(title); m != nil {
		if n, cn, ok := parseNumeral(m[1]); ok {
			h.num, h.hasNum = n, true
			if cn {
				h.style = styleChinese
			}
		}
	}
	return h, true
}

// runInHeading recognises a number and a title-case title that run into
// the paragraph's text: "2. Grant of Copyright License. Subject to …".
func runInHeading(line string, c hctx) (h heading, rest string, ok bool) {
	m := reRunIn.FindStringSubmatch(line)
	if m == nil || !titleCase(strings.TrimSuffix(m[3], ".")) {
		return h, "", false
	}
	head := strings.TrimSpace(line[:len(line)-len(m[4])])
	h, ok = wordHeading(head)
	if !ok && !c.markdown {
		h, ok = numberedHeading(head)
	}
	if n, isRoman := parseRoman(m[2]); !ok && !c.markdown && c.roman && isRoman && !strings.Contains(m[1], " ") {
		h, ok = heading{rank: rankRoman, num: n, hasNum: true, style: styleRoman, text: head}, true
	}
	return h, m[4], ok
}

// startHeading recognises a heading that opens a paragraph and runs into its
// text: a run-in heading, "(a) You must …", "5.1. The rights granted …",
// "第十二条 用人单位……". rest is the paragraph text after it ("" when the
// line is only the heading).
func startHeading(line string, c hctx) (h heading, rest string, ok bool) {
	if h, rest, ok := runInHeading(line, c); ok {
		return h, rest, true
	}
	if m := reCnArticle.FindStringSubmatch(line); m != nil {
		n, cn, ok := parseNumeral(m[1])
		if !ok {
			return h, "", false
		}
		h = heading{rank: rankCnArt, num: n, hasNum: true, text: strings.TrimSpace(line[:len(line)-len(m[2])])}
		if cn {
			h.style = styleChinese
		}
		return h, m[2], true
	}
	if c.markdown {
		return h, "", false
	}
	if m := reClause.FindStringSubmatch(line); m != nil {
		letter := m[2] + m[3]
		n := int(unicode.ToLower(rune(letter[0]))-'a') + 1
		return heading{num: n, hasNum: true, style: styleLetter, letter: letter, clause: true,
			marker: m[1] + " ", text: m[1]}, m[4], true
	}
	if m := reNumPara.FindStringSubmatch(line); m != nil {
		r, _ := utf8.DecodeRuneInString(m[3])
		parts := splitDots(m[2])
		if parts != nil && (unicode.IsUpper(r) || strings.ContainsRune("\"“'‘", r) || isCJK(r)) {
			h := dotted(heading{rank: rankNumber + len(parts), numPara: true, marker: m[1] + " ", text: m[1]}, m[2], parts)
			return h, m[3], true
		}
	}
	return h, "", false
}

// minorWords may stay lower case inside a title-case heading.
var minorWords = map[string]bool{
	"a": true, "an": true, "the": true, "and": true, "or": true, "nor": true, "but": true,
	"of": true, "to": true, "in": true, "on": true, "at": true, "by": true, "for": true,
	"from": true, "with": true, "without": true, "as": true, "per": true, "via": true,
	"into": true, "under": true, "over": true, "upon": true, "vs": true, "this": true, "its": true,
}

// titleCase reports a short phrase whose words are capitalised apart from
// minor words: the title of a run-in heading, not the start of a sentence.
func titleCase(s string) bool {
	words := strings.Fields(s)
	if len(words) == 0 || len(words) > 10 {
		return false
	}
	for i, w := range words {
		w = strings.Trim(w, "\"'“”‘’()[],;:")
		r, _ := utf8.DecodeRuneInString(w)
		if w == "" || unicode.IsUpper(r) || unicode.IsDigit(r) || !unicode.IsLetter(r) {
			continue
		}
		if i == 0 || !minorWords[strings.ToLower(w)] {
			return false
		}
	}
	return true
}

// parseRoman reads an upper-case Roman numeral from I to XXXIX: C, D, L and
// M are left out because they are also initials.
func parseRoman(s string) (int, bool) {
	if s == "" || strings.Trim(s, "IVX") != "" {
		return 0, false
	}
	val := map[byte]int{'I': 1, 'V': 5, 'X': 10}
	n := 0
	for i := 0; i < len(s); i++ {
		v := val[s[i]]
		if i+1 < len(s) && val[s[i+1]] > v {
			n -= v
		} else {
			n += v
		}
	}
	if n <= 0 || n >= 40 || formatRoman(n) != s {
		return 0, false
	}
	return n, true
}

// formatRoman writes 1..39 as a Roman numeral.
func formatRoman(n int) string {
	ones := []string{"", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"}
	return strings.Repeat("X", n/10) + ones[n%10]
}

// endsSentence reports whether a line ends like a sentence rather than a
// title, looking past closing quotes and brackets.
func endsSentence(s string) bool {
	s = strings.TrimRight(s, " \t”’\"'」』)）]】》")
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune("。.!?！？;；:：…", r)
}

// endsFullStop reports a line ending a sentence with . ! ? or their CJK
// forms: after it, a numbered line may open a new section.
func endsFullStop(s string) bool {
	s = strings.TrimRight(s, " \t”’\"'」』)）]】》")
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune("。.!?！？", r)
}

// endsCJKSentence reports a CJK line ending a sentence (with 。, or with
// ！？； or their ASCII forms after a CJK character): CJK text is wrapped
// at a fixed width, so a line that ends a sentence there almost always
// ends its paragraph too. Latin text wrapped after a semicolon goes on.
func endsCJKSentence(s string) bool {
	s = strings.TrimRight(s, " ”’」』）】》")
	r, n := utf8.DecodeLastRuneInString(s)
	if r == '。' {
		return true
	}
	before, _ := utf8.DecodeLastRuneInString(s[:len(s)-n])
	return strings.ContainsRune("!?;！？；", r) && isCJK(before)
}
