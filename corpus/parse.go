package corpus

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// PreambleKey is the section key of the paragraphs before the first heading.
const PreambleKey = "序言"

// sectionSep joins heading titles in Paragraph.Section and Section.Title.
const sectionSep = " › "

// heading is one recognised heading line.
type heading struct {
	// rank orders heading styles from outermost to innermost; levels are
	// assigned from the ranks a document actually uses.
	rank int
	// num is the heading's own number (0 when it has none, as in "## Scope").
	num int
	// cn reports that the number is written as a Chinese numeral.
	cn   bool
	text string
}

const cnNum = `[` + cnNumeralChars + `]+`

var (
	reMarkdown  = regexp.MustCompile(`^(#{1,6})[ \t]+(.*?)[ \t#]*$`)
	reCnVolume  = regexp.MustCompile(`^第(` + cnNum + `|\d{1,3})[編编][ \t]*(.*)$`)
	reCnPartOf  = regexp.MustCompile(`^第(` + cnNum + `|\d{1,3})部分[ \t]*(.*)$`)
	reCnChapter = regexp.MustCompile(`^第(` + cnNum + `|\d{1,3})章[ \t]*(.*)$`)
	reCnSection = regexp.MustCompile(`^第(` + cnNum + `|\d{1,3})[節节][ \t]*(.*)$`)
	reCnPart    = regexp.MustCompile(`^(` + cnNum + `)、[ \t]*(\S.*)$`)
	reCnParen   = regexp.MustCompile(`^[(（](` + cnNum + `)[)）][ \t]*(\S.*)$`)
	reNumbered  = regexp.MustCompile(`^(\d{1,3}(?:\.\d{1,3}){0,3})(?:\.|、|[ \t])[ \t]*(\S.*)$`)
	reNumParen  = regexp.MustCompile(`^[(（](\d{1,3})[)）][ \t]*(\S.*)$`)
	// A number at the start of a Markdown heading's title ("## 2.1 Scope").
	reTitleNum = regexp.MustCompile(`^(\d{1,3}(?:\.\d{1,3}){0,3})\.?(?:[ \t]|$)`)
	// List items start a new paragraph even inside a block.
	reListItem = regexp.MustCompile(`^(?:[-*+•·]\s|\d{1,3}[.)]\s|[(（]?[a-zA-Z0-9][)）]\s)`)
)

// maxHeadingRunes bounds a heading's length: longer numbered lines are
// numbered paragraphs, not headings.
const maxHeadingRunes = 60

// parseHeading recognises a heading line; ok is false for body text.
func parseHeading(line string) (h heading, ok bool) {
	if m := reMarkdown.FindStringSubmatch(line); m != nil {
		title := strings.TrimSpace(m[2])
		if title == "" {
			return h, false
		}
		h = heading{rank: len(m[1]), text: title}
		if n := reTitleNum.FindStringSubmatch(title); n != nil {
			parts := strings.Split(n[1], ".")
			h.num, _ = strconv.Atoi(parts[len(parts)-1])
		}
		return h, true
	}
	if utf8.RuneCountInString(line) > maxHeadingRunes || endsSentence(line) {
		return h, false
	}
	type form struct {
		re   *regexp.Regexp
		rank int
	}
	forms := []form{
		{reCnVolume, 20}, {reCnPartOf, 21}, {reCnChapter, 22}, {reCnSection, 23},
		{reCnPart, 24}, {reCnParen, 25},
	}
	for _, f := range forms {
		m := f.re.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, cn, ok := parseNumeral(m[1])
		if !ok {
			return h, false
		}
		return heading{rank: f.rank, num: n, cn: cn, text: line}, true
	}
	if m := reNumbered.FindStringSubmatch(line); m != nil {
		parts := strings.Split(m[1], ".")
		// "2021 年" or "3 questions" are not headings: a bare number needs a
		// dot or 、 after it, and the title must not start with a digit.
		if len(parts) == 1 && !strings.HasPrefix(line[len(m[1]):], ".") && !strings.HasPrefix(line[len(m[1]):], "、") {
			return h, false
		}
		if r, _ := utf8.DecodeRuneInString(m[2]); r >= '0' && r <= '9' || r == '年' || r == '%' {
			return h, false
		}
		n, _ := strconv.Atoi(parts[len(parts)-1])
		if n <= 0 {
			return h, false
		}
		return heading{rank: 30 + len(parts), num: n, text: line}, true
	}
	if m := reNumParen.FindStringSubmatch(line); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n <= 0 {
			return h, false
		}
		return heading{rank: 40, num: n, text: line}, true
	}
	return h, false
}

// endsSentence reports whether a line ends like a sentence rather than a
// title, looking past closing quotes and brackets.
func endsSentence(s string) bool {
	s = strings.TrimRight(s, " \t”’\"'」』)）]】》")
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune("。.!?!?;;::…", r)
}

// endsCJKSentence reports a line ending in full-width sentence punctuation:
// CJK text is wrapped at a fixed width, so a line that ends a sentence there
// almost always ends its paragraph too.
func endsCJKSentence(s string) bool {
	s = strings.TrimRight(s, " ”’」』）】》")
	r, _ := utf8.DecodeLastRuneInString(s)
	return strings.ContainsRune("。!?;", r)
}

// sectionNode is a section while the document is being built.
type sectionNode struct {
	idx      int // index into Document.Sections
	level    int
	children map[int]bool // numbers already used by child sections
	maxChild int
}

// build turns cleaned body lines ("" separates blocks) into a Document.
func build(name, title string, lines []string) *Document {
	doc := &Document{Name: name, Title: title}
	heads := make([]*heading, len(lines))
	var ranks []int
	for i, l := range lines {
		if l == "" {
			continue
		}
		if h, ok := parseHeading(l); ok {
			heads[i] = &h
			if !slices.Contains(ranks, h.rank) {
				ranks = append(ranks, h.rank)
			}
		}
	}
	slices.Sort(ranks)
	structured := len(ranks) > 0
	// A document that uses blank lines at all separates paragraphs with them;
	// its single line breaks are soft wraps.
	blockMode := slices.Contains(lines, "")

	var (
		stack    []*sectionNode
		top      = &sectionNode{idx: -1} // the document root: holds level-1 numbers
		cur      = -1                    // section receiving paragraphs
		para     []string                // lines of the paragraph being assembled
		usedKeys = map[string]bool{}
	)
	flush := func() {
		if len(para) == 0 {
			return
		}
		text := joinLines(para)
		para = para[:0]
		if cur < 0 {
			s := Section{Key: "", Title: ""}
			if structured {
				s = Section{Key: PreambleKey, Title: PreambleKey}
			}
			doc.Sections = append(doc.Sections, s)
			cur = len(doc.Sections) - 1
		}
		s := &doc.Sections[cur]
		n := len(s.Paragraphs) + 1
		doc.Paragraphs = append(doc.Paragraphs, Paragraph{
			Label:   s.Key + "¶" + strconv.Itoa(n),
			Section: s.Title,
			Text:    text,
			Key:     s.Key,
			N:       n,
		})
		s.Paragraphs = append(s.Paragraphs, len(doc.Paragraphs)-1)
	}
	for i, l := range lines {
		switch {
		case l == "":
			flush()
			continue
		case heads[i] != nil:
			flush()
			h := heads[i]
			level := slices.Index(ranks, h.rank) + 1
			for len(stack) > 0 && stack[len(stack)-1].level >= level {
				stack = stack[:len(stack)-1]
			}
			// A heading deeper than anything open hangs under the innermost
			// open section rather than leaving a gap in the path.
			level = min(level, len(stack)+1)
			parent := top
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			num := h.num
			if num <= 0 || parent.children[num] {
				// Unnumbered or repeated numbers get the next free ordinal so
				// every label stays unique and resolvable.
				num = parent.maxChild + 1
			}
			if parent.children == nil {
				parent.children = map[int]bool{}
			}
			parent.children[num] = true
			parent.maxChild = max(parent.maxChild, num)
			var key, ttl string
			var path []int
			numStr := strconv.Itoa(num)
			if h.cn {
				numStr = formatChinese(num)
			}
			if parent.idx < 0 {
				key, ttl = numStr, h.text
			} else {
				ps := doc.Sections[parent.idx]
				key, ttl = ps.Key+"("+numStr+")", ps.Title+sectionSep+h.text
				path = slices.Clone(ps.Path)
			}
			path = append(path, num)
			if usedKeys[key] {
				// Cannot happen with unique child numbers; kept as a guard so
				// that a label never silently points at two sections.
				key += "'" + strconv.Itoa(i)
			}
			usedKeys[key] = true
			doc.Sections = append(doc.Sections, Section{Key: key, Title: ttl, Path: path})
			cur = len(doc.Sections) - 1
			stack = append(stack, &sectionNode{idx: cur, level: level})
		default:
			// Outside block mode every line is a paragraph; inside it a line
			// continues the paragraph unless it starts a list item.
			if !blockMode || reListItem.MatchString(l) || (len(para) > 0 && endsCJKSentence(para[len(para)-1])) {
				flush()
			}
			para = append(para, l)
		}
	}
	flush()
	return doc
}

// joinLines joins soft-wrapped lines: with a space between Latin words,
// without one where either side is CJK (which may use ASCII punctuation).
func joinLines(ls []string) string {
	var b strings.Builder
	for i, l := range ls {
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(ls[i-1])
			next, _ := utf8.DecodeRuneInString(l)
			if !isCJK(prev) && !isCJK(next) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(l)
	}
	return b.String()
}
