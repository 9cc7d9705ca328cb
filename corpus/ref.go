package corpus

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Ref is a parsed section or paragraph reference.
type Ref struct {
	// Path is the numeric section address: [3 4] for 三(四); nil for the
	// preamble or a document without structure.
	Path []int
	// Para is the 1-based paragraph number; 0 means the whole section.
	Para int
	// Preamble marks a reference into the preamble (序言).
	Preamble bool
}

// String writes r canonically with ASCII digits: 3(4)¶2, 序言¶3, ¶5.
func (r Ref) String() string {
	return r.format(func(int) bool { return false })
}

// format writes r with Chinese numerals at the levels where cnAt says so.
func (r Ref) format(cnAt func(level int) bool) string {
	var b strings.Builder
	if r.Preamble {
		b.WriteString(PreambleKey)
	}
	for i, n := range r.Path {
		s := strconv.Itoa(n)
		if cnAt(i) {
			s = formatChinese(n)
		}
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

// ErrBadRef is wrapped by ParseRef errors.
var ErrBadRef = errors.New("not a section reference")

const numPat = `(?:\d{1,3}|[` + cnNumeralChars + `]{1,5})`

var (
	reRefPrefix   = regexp.MustCompile(`(?i)^(?:§|section|sect?\.|part|article|art\.|chapter|clause)\s*`)
	reRefPreamble = regexp.MustCompile(`(?i)^(?:序言|前言|preamble)\s*(?:¶|paragraph|para\.?|p\.|第)?\s*(\d{1,3})?\s*段?$`)
	reRefOrdinal  = regexp.MustCompile(`^第(` + numPat + `)(?:部分|章|[編编]|部)\s*(?:第(` + numPat + `)(?:[節节]|小[節节]|部分|[條条]|[項项]))?\s*(?:第(` + numPat + `)段)?$`)
	reRefParen    = regexp.MustCompile(`^(` + numPat + `)?((?:\(` + numPat + `\))*)\s*(?:(?:¶|paragraph|para\.?|第)\s*)?(\d{1,3})?\s*段?$`)
	reRefParenSub = regexp.MustCompile(`\((` + numPat + `)\)`)
	reRefDotted   = regexp.MustCompile(`^(\d{1,3}(?:\.\d{1,3}){0,4})\.?\s*(?:¶\s*(\d{1,3}))?$`)
)

// ParseRef parses a reference in any of the accepted spellings: 三(四)¶2,
// 三（四）2, 3.4.2, 3(4)2, 3.4, 3(4), 五(十三), 三¶7, 序言¶3, preamble 3,
// §3.4, section 3(4), 第三部分第四节, with full-width digits and brackets too.
// A dotted reference with three numbers names a paragraph (3.4.2 = 3(4)¶2);
// with two it names a subsection, which Resolve turns into a paragraph when
// the part has no subsections.
func ParseRef(s string) (Ref, error) {
	orig := s
	s = strings.TrimSpace(foldWidth(s))
	s = strings.TrimRight(s, "、.。 ")
	s = reRefPrefix.ReplaceAllString(s, "")
	s = strings.TrimSpace(s)
	bad := func() (Ref, error) { return Ref{}, fmt.Errorf("corpus: %q: %w", orig, ErrBadRef) }
	if s == "" {
		return bad()
	}
	if m := reRefPreamble.FindStringSubmatch(s); m != nil {
		r := Ref{Preamble: true}
		if m[1] != "" {
			r.Para, _ = strconv.Atoi(m[1])
		}
		return r, nil
	}
	if m := reRefOrdinal.FindStringSubmatch(s); m != nil {
		var r Ref
		for _, g := range m[1:3] {
			if g == "" {
				continue
			}
			n, _, ok := parseNumeral(g)
			if !ok {
				return bad()
			}
			r.Path = append(r.Path, n)
		}
		if m[3] != "" {
			n, _, ok := parseNumeral(m[3])
			if !ok {
				return bad()
			}
			r.Para = n
		}
		return r, nil
	}
	if m := reRefDotted.FindStringSubmatch(s); m != nil && (strings.Contains(m[1], ".") || m[2] != "") {
		var nums []int
		for _, p := range strings.Split(m[1], ".") {
			n, _ := strconv.Atoi(p)
			if n <= 0 {
				return bad()
			}
			nums = append(nums, n)
		}
		r := Ref{Path: nums}
		if m[2] != "" {
			r.Para, _ = strconv.Atoi(m[2])
		} else if len(nums) >= 3 {
			r.Path, r.Para = nums[:len(nums)-1], nums[len(nums)-1]
		}
		if r.Para < 0 || (m[2] != "" && r.Para == 0) {
			return bad()
		}
		return r, nil
	}
	if m := reRefParen.FindStringSubmatch(s); m != nil {
		var r Ref
		if m[1] != "" {
			n, _, ok := parseNumeral(m[1])
			if !ok {
				return bad()
			}
			r.Path = append(r.Path, n)
		} else if m[2] != "" {
			return bad() // "(四)" alone does not say which part
		}
		for _, sm := range reRefParenSub.FindAllStringSubmatch(m[2], -1) {
			n, _, ok := parseNumeral(sm[1])
			if !ok {
				return bad()
			}
			r.Path = append(r.Path, n)
		}
		if m[3] != "" {
			r.Para, _ = strconv.Atoi(m[3])
			if r.Para == 0 {
				return bad()
			}
		}
		// A bare number ("3") is a part; a lone paragraph number needs ¶.
		if len(r.Path) == 0 && (r.Para == 0 || !strings.Contains(s, "¶")) {
			return bad()
		}
		if len(r.Path) == 1 && r.Para > 0 && m[1] != "" && !strings.ContainsAny(s, "¶第") && isDigit(m[1]) {
			// "3 7" is too loose to be a reference.
			return bad()
		}
		return r, nil
	}
	return bad()
}

func isDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// Patterns that find a reference inside a question. Each match is handed to
// ParseRef; the guards around them keep years, counts and anniversaries
// ("2021年", "20周年", "5 questions") from being read as sections.
var findPatterns = []*regexp.Regexp{
	regexp.MustCompile(`第` + numPat + `(?:部分|章|[編编])\s*(?:第` + numPat + `(?:[節节]|小[節节]|部分|[條条]))?\s*(?:第` + numPat + `段)?`),
	regexp.MustCompile(`(?i)(?:序言|前言|preamble)\s*(?:¶|paragraph|para\.?|第)?\s*\d{1,3}`),
	regexp.MustCompile(`(?i)(?:§\s*|\bsection\s+|\bsec\.\s*|\bpart\s+|\barticle\s+|\bchapter\s+)\d{1,3}(?:\.\d{1,3}){0,3}(?:\(\d{1,3}\))*(?:\s*¶\s*\d{1,3})?`),
	regexp.MustCompile(`(?:` + numPat + `)(?:\(` + numPat + `\))+(?:\s*¶?\s*\d{1,3})?`),
	regexp.MustCompile(`(?:` + numPat + `)?¶\s*\d{1,3}`),
	regexp.MustCompile(`\d{1,2}(?:\.\d{1,2}){1,2}`),
}

// Units and suffixes that make a dotted number a quantity, not a section.
var reQuantity = regexp.MustCompile(`(?i)^\s*(%|％|percent|per cent|million|billion|trillion|thousand|km|kg|m\b|倍|億|亿|萬|万|美元|元|度|年|月|日|周|週|歲|岁)`)

// FindRef finds a section or paragraph reference inside a natural-language
// question ("宣言第三部分第六节主要讲什么?", "What does section 4(11) cover?").
// Ordinary numbers (years, counts, anniversaries) are not references.
func FindRef(question string) (Ref, bool) {
	q := foldWidth(question)
	for pi, re := range findPatterns {
		for _, loc := range re.FindAllStringIndex(q, -1) {
			m := q[loc[0]:loc[1]]
			before, _ := utf8.DecodeLastRuneInString(q[:loc[0]])
			after := q[loc[1]:]
			next, _ := utf8.DecodeRuneInString(after)
			switch pi {
			case 3, 4, 5:
				// Glued to a longer number or word: a decimal, a version, a date.
				if isASCIIAlnum(before) || before == '.' || isASCIIAlnum(next) && pi != 3 || next == '.' && pi == 5 {
					continue
				}
				if strings.ContainsRune(cnNumeralChars, before) && pi == 3 {
					continue
				}
				if reQuantity.MatchString(after) {
					continue
				}
			}
			if r, err := ParseRef(m); err == nil {
				return r, true
			}
		}
	}
	return Ref{}, false
}

func isASCIIAlnum(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

// UnknownRefError reports a reference that names no paragraph or section.
type UnknownRefError struct {
	// Ref is the reference as given.
	Ref string
	// Nearest are the closest valid labels, best first.
	Nearest []string
}

// Error names the reference and the nearest valid labels.
func (e *UnknownRefError) Error() string {
	if len(e.Nearest) == 0 {
		return fmt.Sprintf("corpus: unknown reference %q", e.Ref)
	}
	return fmt.Sprintf("corpus: unknown reference %q; nearest: %s", e.Ref, strings.Join(e.Nearest, ", "))
}

// Resolve returns the paragraphs a reference names, in document order: one
// paragraph, or every paragraph of a section including its subsections.
// An unknown reference gives an *UnknownRefError.
func (d *Document) Resolve(ref string) ([]Paragraph, error) {
	exact := strings.TrimSpace(ref)
	if p, ok := d.Paragraph(exact); ok {
		return []Paragraph{p}, nil
	}
	// Canonical keys resolve even where ParseRef's number limits would not
	// (a thousandth unnumbered heading is keyed "1000").
	for i, s := range d.Sections {
		if s.Key == exact && exact != "" {
			return d.subtree(i), nil
		}
	}
	r, err := ParseRef(ref)
	if err != nil {
		return nil, &UnknownRefError{Ref: ref, Nearest: d.nearestByText(foldWidth(strings.TrimSpace(ref)))}
	}
	ps, _, err := d.resolve(r, ref)
	return ps, err
}

// ResolveRef is Resolve for a parsed reference; it also returns the title
// path of the section the reference lands in (序言 for the preamble).
func (d *Document) ResolveRef(r Ref) ([]Paragraph, string, error) {
	return d.resolve(r, r.String())
}

func (d *Document) resolve(r Ref, raw string) ([]Paragraph, string, error) {
	si := d.sectionIndex(r)
	if si >= 0 {
		s := d.Sections[si]
		if r.Para == 0 {
			return d.subtree(si), s.Title, nil
		}
		if r.Para <= len(s.Paragraphs) {
			return []Paragraph{d.Paragraphs[s.Paragraphs[r.Para-1]]}, s.Title, nil
		}
		// 3(4)¶2 written as 3.4.2 in a document whose 3.4 has subsections.
		if ci := d.sectionIndex(Ref{Path: append(slices.Clone(r.Path), r.Para)}); ci >= 0 && len(r.Path) > 0 {
			return d.subtree(ci), d.Sections[ci].Title, nil
		}
	} else if r.Para == 0 && len(r.Path) >= 2 {
		// 1.7 where part 一 has no subsections means 一¶7.
		pr := Ref{Path: r.Path[:len(r.Path)-1]}
		if pi := d.sectionIndex(pr); pi >= 0 && !d.hasChildren(pi) {
			n := r.Path[len(r.Path)-1]
			if ps := d.Sections[pi].Paragraphs; n <= len(ps) {
				return []Paragraph{d.Paragraphs[ps[n-1]]}, d.Sections[pi].Title, nil
			}
		}
	}
	return nil, "", &UnknownRefError{Ref: raw, Nearest: d.nearest(r)}
}

// sectionIndex finds the section r addresses (ignoring Para), or -1.
func (d *Document) sectionIndex(r Ref) int {
	for i, s := range d.Sections {
		switch {
		case r.Preamble:
			if s.Key == PreambleKey && s.Path == nil {
				return i
			}
		case len(r.Path) == 0:
			if s.Key == "" && s.Path == nil {
				return i
			}
		case slices.Equal(s.Path, r.Path):
			return i
		}
	}
	if !r.Preamble && len(r.Path) == 0 && r.Para > 0 {
		// "¶3" in a structured document: the unheaded paragraphs are the preamble.
		return d.sectionIndex(Ref{Preamble: true})
	}
	return -1
}

func (d *Document) hasChildren(si int) bool {
	p := d.Sections[si].Path
	return si+1 < len(d.Sections) && len(p) > 0 && isPrefix(p, d.Sections[si+1].Path)
}

func isPrefix(prefix, path []int) bool {
	return len(path) > len(prefix) && slices.Equal(path[:len(prefix)], prefix)
}

// subtree returns the paragraphs of section si and of all its descendants.
func (d *Document) subtree(si int) []Paragraph {
	s := d.Sections[si]
	var idx []int
	idx = append(idx, s.Paragraphs...)
	if len(s.Path) > 0 {
		for j := si + 1; j < len(d.Sections) && isPrefix(s.Path, d.Sections[j].Path); j++ {
			idx = append(idx, d.Sections[j].Paragraphs...)
		}
	}
	slices.Sort(idx)
	out := make([]Paragraph, len(idx))
	for i, k := range idx {
		out[i] = d.Paragraphs[k]
	}
	return out
}

// Labels lists every section key and paragraph label in document order.
func (d *Document) Labels() []string {
	out := make([]string, 0, len(d.Sections)+len(d.Paragraphs))
	for _, s := range d.Sections {
		if s.Key != "" {
			out = append(out, s.Key)
		}
		for _, pi := range s.Paragraphs {
			out = append(out, d.Paragraphs[pi].Label)
		}
	}
	return out
}

// Paragraph looks a paragraph up by its exact canonical label.
func (d *Document) Paragraph(label string) (Paragraph, bool) {
	for _, p := range d.Paragraphs {
		if p.Label == label {
			return p, true
		}
	}
	return Paragraph{}, false
}

// Section looks a section up by its exact canonical key.
func (d *Document) Section(key string) (Section, bool) {
	for _, s := range d.Sections {
		if s.Key == key {
			return s, true
		}
	}
	return Section{}, false
}

// cnAt reports whether the document numbers level i with Chinese numerals.
func (d *Document) cnAt(level int) bool {
	for _, s := range d.Sections {
		if len(s.Path) != level+1 {
			continue
		}
		k := s.Key
		if i := strings.LastIndex(k, "("); i >= 0 && level > 0 {
			k = k[i+1:]
		}
		return !isDigit(k)
	}
	return false
}

const maxNearest = 3

// nearest suggests labels close to an unresolvable reference: the last
// paragraphs of the right section when the number runs past its end,
// numerically close siblings when the section is missing, else labels
// closest by edit distance.
func (d *Document) nearest(r Ref) []string {
	want := r.format(d.cnAt)
	if si := d.sectionIndex(r); si >= 0 && r.Para > 0 {
		s := d.Sections[si]
		var out []string
		if n := len(s.Paragraphs); n > 0 {
			out = append(out, d.Paragraphs[s.Paragraphs[n-1]].Label)
		}
		if s.Key != "" {
			out = append(out, s.Key)
		}
		if len(out) > 0 {
			return out
		}
	}
	for len(r.Path) > 0 {
		type cand struct {
			key  string
			dist int
		}
		var cs []cand
		parent := r.Path[:len(r.Path)-1]
		for _, s := range d.Sections {
			if len(s.Path) == len(r.Path) && slices.Equal(s.Path[:len(parent)], parent) {
				diff := s.Path[len(parent)] - r.Path[len(parent)]
				cs = append(cs, cand{s.Key, max(diff, -diff)})
			}
		}
		slices.SortStableFunc(cs, func(a, b cand) int { return a.dist - b.dist })
		var out []string
		for _, c := range cs[:min(len(cs), maxNearest)] {
			out = append(out, c.key)
		}
		if len(out) > 0 {
			return out
		}
		// No siblings at this depth: suggest the nearest enclosing level.
		r = Ref{Path: parent}
	}
	return d.nearestByText(want)
}

// nearestByText ranks all labels by edit distance to s.
func (d *Document) nearestByText(s string) []string {
	type cand struct {
		label string
		dist  int
	}
	var cs []cand
	for _, l := range d.Labels() {
		cs = append(cs, cand{l, editDistance(s, l)})
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.dist - b.dist })
	var out []string
	for _, c := range cs[:min(len(cs), maxNearest)] {
		out = append(out, c.label)
	}
	return out
}

// editDistance is the Levenshtein distance over runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 {
		ra = ra[:64] // labels are short; a pasted paragraph need not cost O(n²)
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
