package bot

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/internal/lazyre"
)

// Checked is a model answer after the citation check.
type Checked struct {
	// Text is the answer with invalid citations and sentences carrying
	// unverifiable quotations removed, and citations in canonical form.
	Text string
	// Labels are the valid cited labels in first-cited order, without repeats.
	Labels []string
	// Removed counts citations taken out because their label is unknown or
	// was not among the supplied passages.
	Removed int
	// QuotesDropped counts quotations not found verbatim in the passages.
	QuotesDropped int
}

// minQuoteRunes is the shortest quotation that is checked: shorter quoted
// text is a term ("上海精神"), not a claim about the wording.
const minQuoteRunes = 6

// maxRange caps how far a cited range like [一¶2-4] is expanded, so a
// nonsense range cannot make the check loop.
const maxRange = 20

var (
	// citeRe finds a bracketed group: [..], 【..】 or ［..］, on one line.
	citeRe = lazyre.New(`[\[【［〔]([^\[\]【】［］〔〕\n]{1,120})[\]】］〕]`)
	// quoteRe finds quotations on one line; 「…」 may contain 『…』.
	quoteRe   = lazyre.New(`“[^”\n]*”|「[^」\n]*」|『[^』\n]*』|"[^"\n]*"`)
	rangeRe   = lazyre.New(`^(.*¶)(\d+)[-–—~～至到](\d+)$`)
	labelNorm = strings.NewReplacer(
		"（", "(", "）", ")", "﹙", "(", "﹚", ")",
		"０", "0", "１", "1", "２", "2", "３", "3", "４", "4",
		"５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
		"第", "", "段", "",
	)
	quoteNorm = strings.NewReplacer("“", `"`, "”", `"`, "「", `"`, "」", `"`, "『", `"`, "』", `"`, "‘", `"`, "’", `"`)
	ellipsis  = lazyre.New(`……|…|\.\.\.+|⋯+`)
)

// CheckAnswer applies the citation check to a model answer. Every cited
// label must be one of the supplied passages' labels; others are removed and
// counted. A quotation of at least minQuoteRunes runes must appear verbatim,
// after fold (nil means identity), in a paragraph cited in the same sentence,
// or in any supplied paragraph when the sentence cites none.
//
// A sentence with a quotation that fails the check is removed whole, not just
// its quotation: the quotation usually carries the sentence's claim, so
// deleting only the quoted words leaves a broken sentence, and deleting only
// the quote marks would present the model's invented wording as a faithful
// paraphrase with a citation still attached.
//
// The caller replaces an answer left with no valid citation (len(Labels)==0)
// by the extractive answer.
func CheckAnswer(answer string, supplied []corpus.Paragraph, fold func(string) string) Checked {
	c := newChecker(supplied, fold)
	for _, s := range splitSentences(answer) {
		c.add(s)
	}
	return c.result()
}

// checker applies the citation check one sentence at a time: CheckAnswer
// feeds it a whole answer, streamCheck the sentences of a streamed answer
// as they complete. Each sentence is judged on its own, so both give the
// same text for the same sentences.
type checker struct {
	supplied []corpus.Paragraph
	fold     func(string) string
	byLabel  map[string]int
	all      []int // every supplied index: a sentence citing nothing may quote any
	folded   []string
	foldedOK []bool
	out      Checked
	b        strings.Builder
	seen     map[string]bool
}

func newChecker(supplied []corpus.Paragraph, fold func(string) string) *checker {
	if fold == nil {
		fold = func(s string) string { return s }
	}
	c := &checker{supplied: supplied, fold: fold, byLabel: make(map[string]int, len(supplied)),
		all: make([]int, len(supplied)), folded: make([]string, len(supplied)),
		foldedOK: make([]bool, len(supplied)), seen: map[string]bool{}}
	for i, p := range supplied {
		c.byLabel[normLabel(p.Label)] = i
		c.all[i] = i
	}
	return c
}

// paraText is a supplied paragraph folded for comparison, computed once.
func (c *checker) paraText(i int) string {
	if !c.foldedOK[i] {
		c.folded[i] = compareNorm(c.fold(c.supplied[i].Text))
		c.foldedOK[i] = true
	}
	return c.folded[i]
}

// add checks one sentence and appends what survives of it.
func (c *checker) add(s sentence) {
	body, cited, removed := rewriteCitations(s.body, c.supplied, c.byLabel)
	c.out.Removed += removed

	candidates := cited
	if len(candidates) == 0 {
		candidates = c.all
	}
	bad := 0
	for _, q := range quoteRe.FindAllString(body, -1) {
		if !quoteFound(q, candidates, c.fold, c.paraText) {
			bad++
		}
	}
	if bad > 0 {
		c.out.QuotesDropped += bad
		// Keep the line structure: end the line the sentence ended, but
		// do not leave an empty bullet behind.
		nl := strings.Repeat("\n", strings.Count(s.sep, "\n"))
		if strings.HasSuffix(c.b.String(), "\n") || c.b.Len() == 0 {
			nl = strings.TrimPrefix(nl, "\n")
		}
		c.b.WriteString(nl)
		return
	}
	for _, i := range cited {
		if l := c.supplied[i].Label; !c.seen[l] {
			c.seen[l] = true
			c.out.Labels = append(c.out.Labels, l)
		}
	}
	c.b.WriteString(body)
	c.b.WriteString(s.sep)
}

// labels is how many distinct valid citations the text so far holds.
func (c *checker) labels() int { return len(c.out.Labels) }

// result is the check of everything added so far.
func (c *checker) result() Checked {
	out := c.out
	out.Labels = slices.Clone(out.Labels)
	out.Text = tidy(c.b.String())
	return out
}

// sentence is one claim-sized piece of an answer: its text, including the
// citations that follow its final punctuation, and the whitespace after it.
type sentence struct{ body, sep string }

// splitSentences cuts text after 。！？!?；; and after ". ", never inside a
// quotation or a bracket, and keeps citations written after the full stop
// ("…合作。[一¶3]") with the sentence they belong to. Newlines end sentences too.
func splitSentences(text string) []sentence {
	protected := make([]bool, len(text))
	for _, re := range []*lazyre.Regexp{quoteRe, citeRe} {
		for _, m := range re.FindAllStringIndex(text, -1) {
			for i := m[0]; i < m[1]; i++ {
				protected[i] = true
			}
		}
	}
	var out []sentence
	start := 0
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if protected[i] || !isTerminator(r, text[i+size:]) {
			i += size
			continue
		}
		end := i + size
		if r == '\n' {
			end = i // the newline belongs to the separator
		}
		// Absorb closing marks and citations that trail the terminator.
		for {
			rest := text[end:]
			trimmed := strings.TrimLeft(rest, " \t")
			if n := groupAt(trimmed); n > 0 {
				end += len(rest) - len(trimmed) + n
				continue
			}
			if c, n := utf8.DecodeRuneInString(rest); n > 0 && strings.ContainsRune(closers, c) {
				end += n
				continue
			}
			break
		}
		sepEnd := end
		for sepEnd < len(text) {
			c, n := utf8.DecodeRuneInString(text[sepEnd:])
			if !unicode.IsSpace(c) {
				break
			}
			sepEnd += n
		}
		out = append(out, sentence{body: text[start:end], sep: text[end:sepEnd]})
		start, i = sepEnd, sepEnd
	}
	if start < len(text) {
		out = append(out, sentence{body: text[start:]})
	}
	return out
}

// maxGroupBytes is the most bytes a bracketed group matched by citeRe can
// take: 120 runes of at most 4 bytes, and its two brackets.
const maxGroupBytes = 4 * (120 + 2)

// groupAt returns the length of the bracketed group (a citation) that s
// starts with, or 0. It reads no further than a group can reach, so that
// splitting an answer stays linear in its length: searching the whole rest
// of the answer after every full stop made a 40,000-character answer take
// over a second.
func groupAt(s string) int {
	if r, _ := utf8.DecodeRuneInString(s); !strings.ContainsRune(groupOpeners, r) {
		return 0
	}
	if len(s) > maxGroupBytes {
		s = s[:maxGroupBytes]
	}
	if m := citeRe.FindStringIndex(s); m != nil && m[0] == 0 {
		return m[1]
	}
	return 0
}

// groupOpeners open the bracketed groups citeRe finds.
const groupOpeners = "[【［〔"

// closers are marks that close what a sentence opened; they stay with it.
const closers = ")）]】」』”\"'"

func isTerminator(r rune, next string) bool {
	switch r {
	case '。', '！', '？', '；', '!', '?', ';', '\n':
		return true
	case '.':
		// "3.5" and "e.g" are not sentence ends; ". ", ".)" and a final "." are.
		c, _ := utf8.DecodeRuneInString(next)
		return next == "" || unicode.IsSpace(c) || strings.ContainsRune(closers, c)
	}
	return false
}

// rewriteCitations puts every citation group of s in canonical form, keeps
// only supplied labels and returns their indexes in order with the number removed.
func rewriteCitations(s string, supplied []corpus.Paragraph, byLabel map[string]int) (string, []int, int) {
	var cited []int
	removed := 0
	var b strings.Builder
	last := 0
	for _, m := range citeRe.Compile().FindAllStringSubmatchIndex(s, -1) {
		inner := s[m[2]:m[3]]
		if !strings.Contains(labelNorm.Replace(inner), "¶") {
			continue // [注], [1], markdown links: not a citation
		}
		var keep []int
		for _, piece := range splitPieces(inner) {
			for _, l := range expand(normLabel(piece)) {
				if i, ok := byLabel[l]; ok {
					keep = append(keep, i)
				} else {
					removed++
				}
			}
		}
		prefix := s[last:m[0]]
		if len(keep) == 0 {
			// Drop the space that separated the dead citation from the text.
			prefix = strings.TrimRight(prefix, " \t")
		}
		b.WriteString(prefix)
		for _, i := range keep {
			b.WriteString("[" + supplied[i].Label + "]")
		}
		cited = append(cited, keep...)
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String(), cited, removed
}

// pieceSep separates labels inside one bracket: [一¶1, 三(四)¶2], [一¶1和一¶2], [一¶1 and 一¶2].
var pieceSep = lazyre.New(`[,，、;；/|]|和|及|與|与|\band\b|\s&\s`)

func splitPieces(inner string) []string {
	var out []string
	for _, p := range pieceSep.Split(inner, -1) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// normLabel maps the ways a model writes a label onto the canonical form:
// full-width parentheses and digits, stray spaces, "第2段".
func normLabel(s string) string {
	s = labelNorm.Replace(s)
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// expand turns "一¶2-4" into its labels; anything else is returned as is.
func expand(l string) []string {
	m := rangeRe.FindStringSubmatch(l)
	if m == nil {
		return []string{l}
	}
	lo, err1 := strconv.Atoi(m[2])
	hi, err2 := strconv.Atoi(m[3])
	if err1 != nil || err2 != nil || lo > hi || hi-lo >= maxRange {
		return []string{l}
	}
	var out []string
	for n := lo; n <= hi; n++ {
		out = append(out, m[1]+strconv.Itoa(n))
	}
	return out
}

// quoteFound reports whether a quotation (with its marks) is short enough to
// ignore or appears verbatim in one candidate paragraph. An elided quotation
// ("A……B") needs its pieces in order in the same paragraph.
func quoteFound(q string, candidates []int, fold func(string) string, paraText func(int) string) bool {
	_, n := utf8.DecodeRuneInString(q)
	_, m := utf8.DecodeLastRuneInString(q)
	inner := strings.TrimSpace(q[n : len(q)-m])
	if utf8.RuneCountInString(inner) < minQuoteRunes {
		return true
	}
	var pieces []string
	for _, p := range ellipsis.Split(inner, -1) {
		p = strings.TrimFunc(p, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) })
		if p != "" {
			pieces = append(pieces, compareNorm(fold(p)))
		}
	}
	if len(pieces) == 0 {
		return true
	}
	for _, i := range candidates {
		text := paraText(i)
		ok := true
		for _, p := range pieces {
			j := strings.Index(text, p)
			if j < 0 {
				ok = false
				break
			}
			text = text[j+len(p):]
		}
		if ok {
			return true
		}
	}
	return false
}

// compareNorm removes what a faithful quotation may still change: spacing
// and the style of nested quote marks.
func compareNorm(s string) string {
	s = quoteNorm.Replace(s)
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

var (
	manyBlankLines = lazyre.New(`\n{3,}`)
	trailingSpace  = lazyre.New(`[ \t]+\n`)
)

// tidy repairs the spacing that removals leave behind.
func tidy(s string) string {
	s = trailingSpace.ReplaceAllString(s, "\n")
	s = manyBlankLines.ReplaceAllString(s, "\n\n")
	return strings.TrimSpace(s)
}

// streamCheck checks a model answer while it streams: a sentence is checked
// once it is complete, and only text that passed is ever shown. A sentence
// is complete when the next one has begun and nothing streamed later can
// change where it ends: no quotation or bracket it opened is still open on
// its line (a closing mark could yet turn its full stop into quoted text)
// and the next sentence does not begin with a bracket still being written
// (a citation that belongs to it). The last sentence waits for the end of
// the stream, where the whole answer is checked again by CheckAnswer.
type streamCheck struct {
	c    *checker
	raw  strings.Builder
	done int // bytes of raw that were checked
	// scanned is len(raw) when the unchecked tail was last split: a tail
	// held open by an unclosed quotation is split again only once it has
	// grown by a quarter, so a long one costs linear time, not quadratic.
	scanned int
}

func newStreamCheck(supplied []corpus.Paragraph, fold func(string) string) *streamCheck {
	return &streamCheck{c: newChecker(supplied, fold)}
}

// add takes the next piece of the stream and reports whether more checked
// text is ready.
func (s *streamCheck) add(delta string) bool {
	s.raw.WriteString(delta)
	raw := s.raw.String()
	pending := raw[s.done:]
	if grown := len(raw) - s.scanned; len(pending) > 1024 && grown < len(pending)/4 {
		return false
	}
	s.scanned = len(raw)
	sents := splitSentences(pending)
	lastNL := strings.LastIndexByte(pending, '\n')
	off, added := 0, false
	for k := 0; k+1 < len(sents); k++ {
		st := sents[k]
		end := off + len(st.body)
		lineDone := end <= lastNL
		if !lineDone && (hasOpenMark(st.body) || groupOpenerFirst(sents[k+1].body)) {
			break
		}
		s.c.add(st)
		off = end + len(st.sep)
		added = true
	}
	s.done += off
	return added
}

// shown is the checked text so far; it is empty until it holds a valid
// citation, since an answer with none is replaced by the passages.
func (s *streamCheck) shown() string {
	if s.c.labels() == 0 {
		return ""
	}
	return strings.TrimSpace(s.c.b.String())
}

// hasOpenMark reports whether s opens a quotation or a bracket that it does
// not close.
func hasOpenMark(s string) bool {
	if !strings.ContainsAny(s, quoteOpeners+groupOpeners) {
		return false
	}
	covered := make([]bool, len(s))
	for _, re := range []*lazyre.Regexp{quoteRe, citeRe} {
		for _, m := range re.FindAllStringIndex(s, -1) {
			for i := m[0]; i < m[1]; i++ {
				covered[i] = true
			}
		}
	}
	for i, r := range s {
		if !covered[i] && strings.ContainsRune(quoteOpeners+groupOpeners, r) {
			return true
		}
	}
	return false
}

// quoteOpeners open the quotations quoteRe finds.
const quoteOpeners = "“「『\""

// groupOpenerFirst reports whether s begins, after spaces, with a bracket.
func groupOpenerFirst(s string) bool {
	r, _ := utf8.DecodeRuneInString(strings.TrimLeft(s, " \t"))
	return strings.ContainsRune(groupOpeners, r)
}
