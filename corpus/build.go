package corpus

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/citebot/citebot/internal/lazyre"
)

// Building a document happens in three steps: lines become units (headings
// and paragraphs), a tight list joins the lead-in that announces it, and
// the units are walked to open sections and number paragraphs.

// unit is a heading or a paragraph, in document order.
type unit struct {
	head *heading
	// rows are a paragraph's lines: a row is a list item or table row (or
	// the paragraph's opening text) with its wrapped continuation lines.
	rows [][]string
	// code marks a fenced code block, held verbatim in rows[0][0].
	code bool
	// gap: a blank line separates this paragraph from what came before.
	gap bool
	// preamble is a "Preamble" line that names the text before the first heading.
	preamble string
}

func (u *unit) isPara() bool { return u.head == nil && u.preamble == "" }

// text joins a paragraph's rows: wrapped lines with a space (none between
// CJK characters), rows on lines of their own.
func (u *unit) text() string {
	if u.code {
		return u.rows[0][0]
	}
	out := make([]string, len(u.rows))
	for i, r := range u.rows {
		out[i] = joinLines(r)
	}
	return strings.Join(out, "\n")
}

// startsList reports a paragraph that opens with a list item.
func (u *unit) startsList() bool {
	return u.isPara() && !u.code && itemMarker(u.rows[0][0]) != nil
}

// lastLine is the paragraph's last physical line.
func (u *unit) lastLine() string {
	r := u.rows[len(u.rows)-1]
	return r[len(r)-1]
}

// item is a list marker at the start of a line; ords are the ordinals it
// may stand for ("i)" is the ninth letter or Roman one).
type item struct {
	ordered bool
	ords    []int
}

var (
	reBullet  = lazyre.New(`^[-*+•·▪◦‣●○■□►▶→][ \t]+\S`).OnlyIf(lazyre.FirstRuneIn("-*+•·▪◦‣●○■□►▶→"))
	reOrdered = lazyre.New(`^(?:\(([0-9]{1,3}|[a-zA-Z]|[ivx]{1,4})\)|([0-9]{1,3}|[a-zA-Z]|[ivx]{1,4})[.)])[ \t]+\S`).OnlyIf(lazyre.FirstByteIn("(" + digits + letters))
)

// itemMarker returns the list marker that opens l, or nil.
func itemMarker(l string) *item {
	if reBullet.MatchString(l) {
		return &item{}
	}
	m := reOrdered.FindStringSubmatch(l)
	if m == nil {
		return nil
	}
	tok := m[1] + m[2]
	it := &item{ordered: true}
	if n, err := strconv.Atoi(tok); err == nil {
		it.ords = []int{n}
		return it
	}
	if len(tok) == 1 {
		it.ords = append(it.ords, int(tok[0]|0x20)-'a'+1)
	}
	if n, ok := parseRoman(strings.ToUpper(tok)); ok {
		it.ords = append(it.ords, n)
	}
	return it
}

// startsRow decides whether l opens a new row of the paragraph so far: a
// bullet or table row always does; a numbered item only where a list is
// plausible, so that a wrapped line starting "7. This …" stays text.
func startsRow(l string, rows [][]string) bool {
	if strings.HasPrefix(l, "|") {
		return true
	}
	it := itemMarker(l)
	switch {
	case it == nil:
		return false
	case !it.ordered || len(rows) == 0:
		return true
	}
	last := rows[len(rows)-1]
	prev := strings.TrimSpace(last[len(last)-1])
	if strings.HasSuffix(prev, ":") || strings.HasSuffix(prev, ";") || strings.HasSuffix(prev, "：") || strings.HasSuffix(prev, "；") {
		return true
	}
	if slices.Contains(it.ords, 1) && endsFullStop(prev) {
		return true
	}
	if before := itemMarker(last[0]); before != nil && before.ordered {
		for _, o := range before.ords {
			if slices.Contains(it.ords, o+1) {
				return true
			}
		}
	}
	return false
}

// assembler turns marked-up lines into units.
type assembler struct {
	ctx      hctx
	lineMode bool // no blank lines anywhere: every line is a paragraph
	units    []unit
	rows     [][]string
	gap      bool   // a blank line since the last unit
	paraGap  bool   // the paragraph being assembled followed a blank line
	prev     string // the previous text line of the current block
	fresh    bool   // at a block start
	headed   bool   // a heading has been seen
}

func (a *assembler) flush() {
	if len(a.rows) > 0 {
		a.units = append(a.units, unit{rows: a.rows, gap: a.paraGap})
		a.rows = nil
	}
}

func (a *assembler) heading(h heading) {
	a.flush()
	a.units = append(a.units, unit{head: &h})
	a.fresh, a.prev, a.gap, a.headed = true, "", false, true
}

func (a *assembler) blank() {
	a.flush()
	a.fresh, a.prev, a.gap = true, "", true
}

func (a *assembler) code(text string) {
	a.flush()
	a.units = append(a.units, unit{rows: [][]string{{text}}, code: true, gap: a.gap})
	a.fresh, a.prev, a.gap = true, "", false
}

// line takes one text line.
func (a *assembler) line(l string) {
	c := a.ctx
	// An item that continues a list or follows its lead-in is never a heading.
	c.start = !a.continuesList(l) && (a.fresh || a.lineMode || endsFullStop(a.prev))
	if a.fresh && !a.headed && rePreamble.MatchString(l) {
		a.flush()
		a.units = append(a.units, unit{preamble: l})
		return
	}
	if c.start {
		// A run-in heading is tried first: "7. Disclaimer of Warranty. Unless
		// required …" would also pass for a short heading line.
		if h, rest, ok := runInHeading(l, c); ok {
			a.heading(h)
			a.add(rest)
			return
		}
	}
	if h, ok := parseHeading(l, c); ok {
		a.heading(h)
		return
	}
	if len(a.rows) == 0 || a.lineMode && !a.continuesList(l) || endsCJKSentence(a.prev) {
		a.flush()
		c.start = true
		if h, rest, ok := startHeading(l, c); ok {
			a.heading(h)
			if rest == "" {
				return
			}
			l = rest
		}
	}
	a.add(l)
}

// continuesList: a list item stays with the lead-in that announces it and
// with the items before it.
func (a *assembler) continuesList(l string) bool {
	if len(a.rows) == 0 || itemMarker(l) == nil {
		return false
	}
	last := a.rows[len(a.rows)-1]
	return strings.HasSuffix(last[len(last)-1], ":") || strings.HasSuffix(last[len(last)-1], "：") || itemMarker(last[0]) != nil
}

func (a *assembler) add(l string) {
	if len(a.rows) == 0 {
		a.paraGap, a.gap = a.gap, false
	}
	if len(a.rows) == 0 || startsRow(l, a.rows) {
		a.rows = append(a.rows, []string{l})
	} else {
		a.rows[len(a.rows)-1] = append(a.rows[len(a.rows)-1], l)
	}
	a.prev, a.fresh = l, false
}

// assemble turns marked-up lines into units.
func assemble(ms []mline, c hctx) []unit {
	a := &assembler{ctx: c, lineMode: !slices.ContainsFunc(ms, func(m mline) bool { return m.blank }), fresh: true}
	for _, m := range ms {
		switch {
		case m.blank:
			a.blank()
		case m.code:
			a.code(m.text)
		case m.setext > 0:
			if h, ok := titleHeading(m.setext, m.text); ok {
				a.heading(h)
			}
		default:
			a.line(m.text)
		}
	}
	a.flush()
	return a.units
}

// mergeLists joins a tight list (one block of items) to the paragraph
// before it when that paragraph announces it with a colon: "You must:" and
// its items are one paragraph. A loose list, whose items are separated by
// blank lines, keeps one paragraph per item.
func mergeLists(us []unit) []unit {
	out := make([]unit, 0, len(us))
	for i, u := range us {
		n := len(out)
		loose := i+1 < len(us) && us[i+1].gap && us[i+1].startsList()
		if n > 0 && u.gap && u.startsList() && !loose && out[n-1].isPara() && !out[n-1].code && endsColon(out[n-1].lastLine()) {
			out[n-1].rows = append(slices.Clip(out[n-1].rows), u.rows...)
			continue
		}
		out = append(out, u)
	}
	return out
}

var (
	// reQuestion and reAnswer open an FAQ's question and answer:
	// "Q. …" and "A. …", "Q: …", "**Q:** …", "问：…" and "答：…".
	reQuestion = lazyre.New(`^(?:\*\*)?(?:Q|Question|问|問)(?:\*\*)?\s*(?:[.:)](?:\*\*)?\s|：)`).OnlyIf(lazyre.Prefixes("Q", "*", "问", "問"))
	reAnswer   = lazyre.New(`^(?:\*\*)?(?:A|Answer|答)(?:\*\*)?\s*(?:[.:)](?:\*\*)?\s|：)`).OnlyIf(lazyre.Prefixes("A", "*", "答"))
)

// mergeAnswers joins an FAQ's answer to its question: "Q. How do I …?"
// and "A. Look at …" are one paragraph, for the answer rarely repeats the
// words the question is asked in, and a question cited alone answers
// nothing. Questions asked one after the other share the answer after
// them.
func mergeAnswers(us []unit) []unit {
	opens := func(u unit, re *lazyre.Regexp) bool {
		return u.isPara() && !u.code && re.MatchString(u.rows[0][0]+" ")
	}
	out := make([]unit, 0, len(us))
	asking := false // the last paragraph out is questions, not yet answered
	for _, u := range us {
		n := len(out)
		switch {
		case asking && (opens(u, reAnswer) || opens(u, reQuestion)):
			out[n-1].rows = append(slices.Clip(out[n-1].rows), u.rows...)
			asking = opens(u, reQuestion)
			continue
		case opens(u, reQuestion):
			asking = true
		default:
			asking = false
		}
		out = append(out, u)
	}
	return out
}

// reTOCItem is a list item that only links to a heading of the same
// document: "* [Onboarding](#onboarding)".
var reTOCItem = lazyre.New(`^\s*(?:[-*+]|\d{1,3}[.)])\s+\[[^\]]+\]\(#[^)\s]*\)\s*$`)

// dropContents removes a table of contents, a paragraph of two or more
// list items that only link to the document's own headings: it names every
// section and says nothing, so it would match every question. Its lines
// are returned, to be reported like the page cleaner's.
func dropContents(us []unit) ([]unit, []string) {
	out := us[:0:0]
	var dropped []string
	for _, u := range us {
		if u.isPara() && !u.code && len(u.rows) >= 2 && !slices.ContainsFunc(u.rows, func(r []string) bool {
			return len(r) != 1 || !reTOCItem.MatchString(r[0])
		}) {
			for _, r := range u.rows {
				dropped = append(dropped, strings.TrimSpace(r[0]))
			}
			continue
		}
		out = append(out, u)
	}
	return out, dropped
}

func endsColon(s string) bool {
	s = strings.TrimRight(s, " *_")
	return strings.HasSuffix(s, ":") || strings.HasSuffix(s, "：")
}

// docContext finds what heading recognition needs to know about the whole
// document: Markdown headings, Roman-numbered headings.
func docContext(ms []mline) hctx {
	var c hctx
	var one, two bool
	for _, m := range ms {
		if m.blank || m.code {
			continue
		}
		if mm := reMarkdown.FindStringSubmatch(m.text); mm != nil && strings.TrimSpace(mm[2]) != "" {
			c.markdown = true
		}
		one = one || strings.HasPrefix(m.text, "I. ")
		two = two || strings.HasPrefix(m.text, "II. ")
	}
	c.roman = one && two
	return c
}

// node is an open section while the document is being built.
type node struct {
	idx      int // index into Document.Sections; -1 for the document root
	level    int
	numbered bool // has its own number or name: lettered clauses may hang under it
	clause   bool // a lettered clause: it holds only the paragraph it opens
	letter   int  // the last clause letter under this node (1 = a)
	children map[int]bool
	maxChild int
}

// builder walks the units and builds the document.
type builder struct {
	doc      *Document
	units    []unit
	ranks    []int
	root     *node
	stack    []*node
	cur      int   // section receiving paragraphs; -1 before the first
	secOf    []int // section of each paragraph
	named    int
	usedKeys map[string]bool
	// preKey and preTitle name the text before the first heading.
	preKey, preTitle string
}

// build turns cleaned body lines ("" separates blocks) into a Document.
func build(name, title string, lines []string) *Document {
	ms := resolveLinkRefs(markup(lines))
	c := docContext(ms)
	units, contents := dropContents(mergeAnswers(mergeLists(assemble(ms, c))))
	b := &builder{
		doc:      &Document{Name: name, Title: title, Lang: detectLang(lines), Dropped: contents},
		units:    units,
		root:     &node{idx: -1},
		cur:      -1,
		usedKeys: map[string]bool{},
	}
	if b.rank() && b.doc.Lang == "zh" {
		// The declaration's labels start 序言¶1; other languages get ¶1.
		b.preKey, b.preTitle = PreambleKey, PreambleKey
	}
	if b.doc.Title == "" {
		b.doc.Title = firstHeadingTitle(units)
	}
	b.walk()
	return b.doc
}

// rank collects the heading ranks the document uses, outermost first, and
// reports whether it has headings of its own (not only clauses or names).
func (b *builder) rank() (structured bool) {
	for _, u := range b.units {
		h := u.head
		if h == nil || h.clause || h.named != "" {
			continue
		}
		structured = structured || !h.numPara
		if !slices.Contains(b.ranks, h.rank) {
			b.ranks = append(b.ranks, h.rank)
		}
	}
	slices.Sort(b.ranks)
	return structured
}

// firstHeadingTitle titles a document that opens with an unnumbered
// Markdown heading by that heading.
func firstHeadingTitle(units []unit) string {
	if len(units) > 0 && units[0].head != nil {
		if h := units[0].head; h.rank <= 6 && !h.hasNum && h.named == "" {
			return h.text
		}
	}
	return ""
}

func (b *builder) walk() {
	for i := 0; i < len(b.units); i++ {
		u := &b.units[i]
		switch {
		case u.preamble != "":
			// Seen only before the first heading: it names the preamble.
			b.preTitle = u.preamble
			if b.cur >= 0 {
				b.doc.Sections[b.cur].Title = u.preamble
			}
		case u.head != nil:
			i += b.heading(*u.head, i)
		default:
			b.paragraph(u.text())
		}
	}
	for i := range b.doc.Paragraphs {
		b.doc.Paragraphs[i].Section = b.doc.Sections[b.secOf[i]].Title
	}
}

// heading opens the section for unit i and returns how many of the units
// after it it used up.
func (b *builder) heading(h heading, i int) int {
	switch {
	case h.clause:
		return b.clause(h, i)
	case h.numPara:
		return b.numPara(h, i)
	case h.named != "":
		b.stack = b.stack[:0]
		b.named++
		b.open(b.root, 1, h, -b.named)
		return 0
	}
	level := slices.Index(b.ranks, h.rank) + 1
	for len(b.stack) > 0 && b.top().level >= level {
		b.stack = b.stack[:len(b.stack)-1]
	}
	// A heading deeper than anything open hangs under the innermost open
	// section rather than leaving a gap in the path.
	level = min(level, len(b.stack)+1)
	parent := b.root
	if len(b.stack) > 0 {
		parent = b.top()
	}
	num := h.num
	if !h.hasNum || parent.children[num] {
		// Unnumbered or repeated numbers get the next free ordinal so
		// every label stays unique and resolvable.
		num = parent.maxChild + 1
	}
	b.open(parent, level, h, num)
	return 0
}

func (b *builder) top() *node { return b.stack[len(b.stack)-1] }

// clause opens a lettered clause under the innermost numbered section, if
// its letter comes next there; otherwise the line stays text.
func (b *builder) clause(h heading, i int) int {
	for len(b.stack) > 0 && b.top().clause {
		b.stack = b.stack[:len(b.stack)-1]
	}
	if len(b.stack) == 0 || !b.top().numbered || b.top().letter+1 != h.num || b.top().children[h.num] {
		b.refuse(h, i)
		return 0
	}
	parent := b.top()
	parent.letter = h.num
	b.open(parent, parent.level+1, h, h.num)
	b.top().clause = true
	return 0
}

// numPara opens "5.1. The rights …" as section 5.1 where 5 is open; a line
// of text alone after it ("10.4. Distributing … Licenses") is its title.
func (b *builder) numPara(h heading, i int) int {
	prefix := h.parts[:len(h.parts)-1]
	for j := len(b.stack) - 1; j >= 0; j-- {
		n := b.stack[j]
		if n.clause || !slices.Equal(b.doc.Sections[n.idx].Path, prefix) {
			continue
		}
		if n.children[h.num] {
			break
		}
		b.stack = b.stack[:j+1]
		used := 0
		if next := i + 1; next+1 < len(b.units) && b.units[next].isPara() && !b.units[next].code && len(b.units[next].rows) == 1 {
			if t := b.units[next].text(); !endsSentence(t) && utf8.RuneCountInString(t) <= 100 && b.units[next+1].gap {
				h.text += " " + t
				used = 1
			}
		}
		b.open(n, n.level+1, h, h.num)
		return used
	}
	b.refuse(h, i)
	return 0
}

// refuse gives a refused paragraph-opening heading's text back to the
// paragraph it opened.
func (b *builder) refuse(h heading, i int) {
	if i+1 < len(b.units) && b.units[i+1].isPara() && !b.units[i+1].code {
		row := slices.Clone(b.units[i+1].rows[0])
		row[0] = h.marker + row[0]
		b.units[i+1].rows = append([][]string{row}, b.units[i+1].rows[1:]...)
	}
}

// open adds the section for heading h numbered num under parent and makes
// it the innermost open section.
func (b *builder) open(parent *node, level int, h heading, num int) {
	if parent.children == nil {
		parent.children = map[int]bool{}
	}
	parent.children[num] = true
	parent.maxChild = max(parent.maxChild, num)
	key, title := b.key(parent, h, num), h.text
	var path []int
	if parent.idx >= 0 {
		ps := b.doc.Sections[parent.idx]
		title = ps.Title + sectionSep + h.text
		path = slices.Clone(ps.Path)
	}
	path = append(path, num)
	if b.usedKeys[key] {
		// Cannot happen with unique child numbers; kept as a guard so
		// that a label never silently points at two sections.
		key += "'" + strconv.Itoa(len(b.doc.Sections))
	}
	b.usedKeys[key] = true
	b.doc.Sections = append(b.doc.Sections, Section{Key: key, Title: title, Path: path})
	b.cur = len(b.doc.Sections) - 1
	b.stack = append(b.stack, &node{idx: b.cur, level: level, numbered: h.hasNum || h.named != ""})
}

// key writes a section's canonical key in the document's own numbering:
// 三(四) for Chinese numerals, 4(d) for a clause, 2.1 where the document
// writes dotted numbers that match the enclosing section, IV for Roman.
func (b *builder) key(parent *node, h heading, num int) string {
	if h.named != "" {
		k := h.named
		for n := 2; b.usedKeys[k]; n++ {
			k = h.named + strconv.Itoa(n)
		}
		return k
	}
	var ps *Section
	if parent.idx >= 0 {
		ps = &b.doc.Sections[parent.idx]
	}
	if h.dots != "" && num == h.num && ps != nil && slices.Equal(ps.Path, h.parts[:len(h.parts)-1]) {
		return h.dots
	}
	s := strconv.Itoa(num)
	switch {
	case h.style == styleChinese:
		s = formatChinese(num)
	case h.style == styleRoman && num < 40:
		s = formatRoman(num)
	case h.style == styleLetter && num == h.num:
		s = h.letter
	}
	if ps == nil {
		return s
	}
	return ps.Key + "(" + s + ")"
}

// paragraph adds a paragraph to the section receiving them; the text before
// the first heading opens the preamble.
func (b *builder) paragraph(text string) {
	if b.cur < 0 {
		b.doc.Sections = append(b.doc.Sections, Section{Key: b.preKey, Title: b.preTitle})
		b.cur = len(b.doc.Sections) - 1
	}
	s := &b.doc.Sections[b.cur]
	n := len(s.Paragraphs) + 1
	b.doc.Paragraphs = append(b.doc.Paragraphs, Paragraph{Label: s.Key + "¶" + strconv.Itoa(n), Text: text, Key: s.Key, N: n})
	b.secOf = append(b.secOf, b.cur)
	s.Paragraphs = append(s.Paragraphs, len(b.doc.Paragraphs)-1)
	if len(b.stack) > 0 && b.top().clause {
		// A clause holds the paragraph it opens; what follows belongs to
		// the enclosing section again ("You may add Your own …" after 4(d)).
		b.stack = b.stack[:len(b.stack)-1]
		b.cur = b.top().idx
	}
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
