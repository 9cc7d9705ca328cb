package corpus

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/internal/lazyre"
)

// ErrEmptySection is wrapped by Resolve errors for a section that exists but
// holds no text, not even in subsections: a heading with nothing under it.
var ErrEmptySection = errors.New("section has no text")

// UnknownRefError reports a reference that names no paragraph or section,
// or (in a merged corpus) one that several documents have.
type UnknownRefError struct {
	// Ref is the reference as given.
	Ref string
	// Nearest are the closest valid labels, best first; for an ambiguous
	// reference, the prefixed labels it could mean.
	Nearest []string
}

// Error names the reference and the nearest valid labels.
func (e *UnknownRefError) Error() string {
	if len(e.Nearest) == 0 {
		return fmt.Sprintf("corpus: unknown reference %q", e.Ref)
	}
	return fmt.Sprintf("corpus: unknown reference %q; nearest: %s", e.Ref, strings.Join(e.Nearest, ", "))
}

// scope is where a reference is resolved: one document of a merged corpus,
// or the whole of a single document.
type scope struct {
	prefix string // "apache:", or "" for a single document
	lo, hi int    // its range of Document.Sections
}

// resolved is the outcome of resolving a reference in one scope.
type resolved struct {
	ps []Paragraph
	// label is the canonical label or key the reference landed on.
	label string
	// title is the title path of the section it landed in.
	title string
	err   error
}

// Resolve returns the paragraphs a reference names, in document order: one
// paragraph, or every paragraph of a section including its subsections.
// An unknown or (in a merged corpus) ambiguous reference gives an
// *UnknownRefError; a section without any text gives an error wrapping
// ErrEmptySection. It never returns an empty slice without an error.
func (d *Document) Resolve(ref string) ([]Paragraph, error) {
	s := strings.TrimSpace(ref)
	if res, ok := d.exact(s, ref); ok {
		return res.ps, res.err
	}
	if sc, rest, ok := d.prefixed(s); ok {
		res := d.resolveIn(sc, rest, ref)
		return res.ps, res.err
	}
	if _, rest, ok := refDoc(foldWidth(s)); len(d.Parts) > 0 && ok {
		return nil, d.elsewhere(func(sc scope) resolved { return d.resolveIn(sc, rest, ref) }, ref)
	}
	res := d.each(ref, func(sc scope) resolved { return d.resolveIn(sc, s, ref) })
	return res.ps, res.err
}

// ResolveRef is Resolve for a parsed reference; it also returns the title
// path of the section the reference lands in (序言 for a Chinese preamble).
func (d *Document) ResolveRef(r Ref) ([]Paragraph, string, error) {
	raw := r.String()
	var res resolved
	if r.Doc != "" {
		sc, ok := d.scopeOf(r.Doc)
		if !ok {
			r.Doc = ""
			return nil, "", d.elsewhere(func(sc scope) resolved { return d.resolveRef(sc, r, raw) }, raw)
		}
		r.Doc = ""
		res = d.resolveRef(sc, r, raw)
	} else {
		res = d.each(raw, func(sc scope) resolved { return d.resolveRef(sc, r, raw) })
	}
	return res.ps, res.title, res.err
}

// scopes lists the documents of d: its parts, or d itself.
func (d *Document) scopes() []scope {
	if len(d.Parts) == 0 {
		return []scope{{lo: 0, hi: len(d.Sections)}}
	}
	out := make([]scope, 0, len(d.Parts))
	for _, p := range d.Parts {
		sc := scope{prefix: p.Prefix + ":", lo: len(d.Sections), hi: len(d.Sections)}
		for i, s := range d.Sections {
			if s.Doc == p.Prefix {
				sc.lo, sc.hi = min(sc.lo, i), i+1
			}
		}
		out = append(out, sc)
	}
	return out
}

// scopeFor finds the scope holding section i.
func (d *Document) scopeFor(i int) scope {
	for _, sc := range d.scopes() {
		if i >= sc.lo && i < sc.hi {
			return sc
		}
	}
	return scope{lo: 0, hi: len(d.Sections)}
}

// scopeOf finds the part a document prefix names, ignoring case: its
// prefix, else its file's name with or without the extension ("mpl-2.0"
// for the mpl: of mpl-2.0.txt), which a user who loaded the file may type.
func (d *Document) scopeOf(prefix string) (scope, bool) {
	scs := d.scopes()
	for _, sc := range scs {
		if sc.prefix != "" && strings.EqualFold(sc.prefix, prefix+":") {
			return sc, true
		}
	}
	for i, p := range d.Parts {
		base := filepath.Base(p.Name)
		if strings.EqualFold(base, prefix) || strings.EqualFold(strings.TrimSuffix(base, filepath.Ext(base)), prefix) {
			return scs[i], true
		}
	}
	return scope{}, false
}

// elsewhere is the error for a reference whose document prefix names no
// document: it suggests where the rest of it (f, in each document) lands,
// else the prefixes there are.
func (d *Document) elsewhere(f func(scope) resolved, raw string) *UnknownRefError {
	res := d.each(raw, f)
	var ue *UnknownRefError
	switch {
	case res.err == nil || errors.Is(res.err, ErrEmptySection):
		return &UnknownRefError{Ref: raw, Nearest: []string{res.label}}
	case errors.As(res.err, &ue) && len(ue.Nearest) > 0:
		return &UnknownRefError{Ref: raw, Nearest: ue.Nearest}
	}
	return &UnknownRefError{Ref: raw, Nearest: d.prefixes()}
}

func (d *Document) prefixes() []string {
	var out []string
	for _, p := range d.Parts {
		out = append(out, p.Prefix+":")
	}
	return out
}

// prefixed splits "apache: section 4" into the part and the rest.
func (d *Document) prefixed(s string) (scope, string, bool) {
	i := strings.IndexAny(s, ":：")
	if i <= 0 || len(d.Parts) == 0 {
		return scope{}, "", false
	}
	sc, ok := d.scopeOf(strings.TrimSpace(s[:i]))
	_, w := utf8.DecodeRuneInString(s[i:])
	return sc, strings.TrimSpace(s[i+w:]), ok
}

// each resolves in every document: in a merged corpus an unprefixed
// reference must land in exactly one of them.
func (d *Document) each(raw string, f func(scope) resolved) resolved {
	scs := d.scopes()
	if len(scs) == 1 {
		return f(scs[0])
	}
	var hits []resolved
	var near []string
	for _, sc := range scs {
		res := f(sc)
		var ue *UnknownRefError
		switch {
		case res.err == nil || errors.Is(res.err, ErrEmptySection):
			hits = append(hits, res)
		case errors.As(res.err, &ue) && len(ue.Nearest) > 0:
			near = append(near, ue.Nearest[0])
		}
	}
	switch len(hits) {
	case 1:
		return hits[0]
	case 0:
		return resolved{err: &UnknownRefError{Ref: raw, Nearest: near[:min(len(near), maxNearest)]}}
	}
	var labels []string
	for _, h := range hits {
		labels = append(labels, h.label)
	}
	return resolved{err: &UnknownRefError{Ref: raw, Nearest: labels}}
}

// exact looks s up as a canonical label or section key of the whole document.
func (d *Document) exact(s, raw string) (resolved, bool) {
	if s == "" {
		return resolved{}, false
	}
	if p, ok := d.Paragraph(s); ok {
		return resolved{ps: []Paragraph{p}, label: p.Label}, true
	}
	// Canonical keys resolve even where ParseRef's number limits would not
	// (a thousandth unnumbered heading is keyed "1000").
	for i, sec := range d.Sections {
		if sec.Key == s {
			return d.sectionText(d.scopeFor(i), i, raw), true
		}
	}
	return resolved{}, false
}

// resolveIn resolves a reference written without a document prefix in sc.
func (d *Document) resolveIn(sc scope, s, raw string) resolved {
	if res, ok := d.exact(sc.prefix+s, raw); ok && sc.prefix != "" {
		return res
	}
	r, err := ParseRef(s)
	var res resolved
	switch {
	case err != nil:
		res = resolved{err: &UnknownRefError{Ref: raw, Nearest: d.nearestByText(sc, foldWidth(s))}}
	case r.Doc != "":
		// A prefix in a document without parts: suggest what the rest names.
		r.Doc = ""
		res = resolved{err: &UnknownRefError{Ref: raw, Nearest: d.nearest(sc, r)}}
	default:
		res = d.resolveRef(sc, r, raw)
	}
	if res.err != nil && !errors.Is(res.err, ErrEmptySection) {
		// Last, a label typed loosely: "appendix", "exhibit a ¶2", "iv".
		if l, ok := d.looseMatch(sc, s); ok {
			res, _ = d.exact(l, raw)
		}
	}
	return res
}

// looseKey folds the spellings a label may be typed in: case, spaces,
// full-width forms and 條 for 条.
func looseKey(s string) string {
	s = strings.ToLower(foldWidth(s))
	s = strings.ReplaceAll(s, "條", "条")
	return strings.Join(strings.Fields(s), "")
}

// looseMatch finds the label or key in sc that s spells loosely
// ("appendix" for Appendix, "exhibit a ¶2" for ExhibitA¶2).
func (d *Document) looseMatch(sc scope, s string) (string, bool) {
	want := looseKey(s)
	if want == "" {
		return "", false
	}
	for _, l := range d.labelsIn(sc) {
		if looseKey(strings.TrimPrefix(l, sc.prefix)) == want {
			return l, true
		}
	}
	return "", false
}

// resolveRef resolves a parsed reference in sc.
func (d *Document) resolveRef(sc scope, r Ref, raw string) resolved {
	si := d.findSection(sc, r)
	switch {
	case si >= 0 && !d.lettersMatch(sc, si, r):
	case si >= 0 && r.Para == 0:
		return d.sectionText(sc, si, raw)
	case si >= 0:
		if res, ok := d.paragraphIn(sc, si, r.Para, raw); ok {
			return res
		}
	case r.Para == 0 && len(r.Path) >= 2 && r.letters == 0:
		// 1.7 where part 一 has no subsections means 一¶7.
		if pi := d.sectionIndex(sc, Ref{Path: r.Path[:len(r.Path)-1]}); pi >= 0 && !d.hasChildren(sc, pi) {
			if res, ok := d.paragraphIn(sc, pi, r.Path[len(r.Path)-1], raw); ok {
				return res
			}
		}
	}
	return resolved{err: &UnknownRefError{Ref: raw, Nearest: d.nearest(sc, r)}}
}

// findSection finds the section r addresses. An article reference names
// an article wherever it sits and nothing else: "《联合国宪章》第二条" in a
// question about a document without articles is not its part 二. A bare
// number in a law whose articles sit in chapters is the article.
func (d *Document) findSection(sc scope, r Ref) int {
	if r.Article {
		if len(r.Path) != 1 {
			return -1
		}
		return d.articleIndex(sc, r.Path[0])
	}
	if si := d.sectionIndex(sc, r); si >= 0 || len(r.Path) != 1 {
		return si
	}
	return d.articleIndex(sc, r.Path[0])
}

// paragraphIn resolves paragraph n of section si, where a dotted or
// three-number reference may mean a subsection instead.
func (d *Document) paragraphIn(sc scope, si, n int, raw string) (resolved, bool) {
	s := d.Sections[si]
	child := -1
	if len(s.Path) > 0 {
		child = d.sectionIndex(sc, Ref{Path: append(slices.Clone(s.Path), n)})
	}
	// 1.1.1 in a document that writes dotted numbers is section 1.1.1.
	if child >= 0 && isDottedKey(d.localKey(sc, child)) {
		return d.sectionText(sc, child, raw), true
	}
	if n >= 1 && n <= len(s.Paragraphs) {
		p := d.Paragraphs[s.Paragraphs[n-1]]
		return resolved{ps: []Paragraph{p}, label: p.Label, title: s.Title}, true
	}
	// 3(4)¶2 written as 3.4.2 in a document whose 3.4 has subsections.
	if child >= 0 {
		return d.sectionText(sc, child, raw), true
	}
	return resolved{}, false
}

// lettersMatch checks that the levels r writes as letters are lettered
// clauses in section si's key: 4(d) is not 四(四).
func (d *Document) lettersMatch(sc scope, si int, r Ref) bool {
	if r.letters == 0 {
		return true
	}
	k := d.localKey(sc, si)
	for i := len(d.Sections[si].Path) - 1; i >= 0; i-- {
		j := strings.LastIndex(k, "(")
		if j < 0 {
			return !r.letter(i)
		}
		part := strings.TrimSuffix(k[j+1:], ")")
		isLetter := len(part) == 1 && (part[0]|0x20) >= 'a' && (part[0]|0x20) <= 'z'
		if r.letter(i) && !isLetter {
			return false
		}
		k = k[:j]
	}
	return true
}

func isDottedKey(k string) bool {
	return strings.Contains(k, ".") && strings.Trim(k, "0123456789.") == ""
}

// sectionText returns section si with its subsections, or the empty-section
// error: a heading without text must not resolve to nothing.
func (d *Document) sectionText(sc scope, si int, raw string) resolved {
	s := d.Sections[si]
	ps := d.subtree(sc, si)
	if len(ps) == 0 {
		return resolved{label: s.Key, title: s.Title, err: fmt.Errorf("corpus: %q (%s): %w", raw, s.Key, ErrEmptySection)}
	}
	return resolved{ps: ps, label: s.Key, title: s.Title}
}

// localKey is section si's key without its document prefix.
func (d *Document) localKey(sc scope, si int) string {
	return strings.TrimPrefix(d.Sections[si].Key, sc.prefix)
}

// reArticleTitle recognises the heading of an article, whose number runs
// through the whole document.
var reArticleTitle = lazyre.New(`^(?:ARTICLE|Article|Art\.)\s*[0-9IVX]|^第` + numPat + `[條条]`)

// articleIndex finds article n in sc, wherever it sits, or -1.
func (d *Document) articleIndex(sc scope, n int) int {
	for i := sc.lo; i < sc.hi; i++ {
		s := d.Sections[i]
		if len(s.Path) == 0 || s.Path[len(s.Path)-1] != n {
			continue
		}
		title := s.Title
		if j := strings.LastIndex(title, sectionSep); j >= 0 {
			title = title[j+len(sectionSep):]
		}
		if reArticleTitle.MatchString(title) {
			return i
		}
	}
	return -1
}

// sectionIndex finds the section r addresses in sc (ignoring Para), or -1.
func (d *Document) sectionIndex(sc scope, r Ref) int {
	for i := sc.lo; i < sc.hi; i++ {
		s := d.Sections[i]
		switch {
		case r.Preamble || len(r.Path) == 0:
			k := d.localKey(sc, i)
			if s.Path == nil && (k == "" || k == PreambleKey && r.Preamble) {
				return i
			}
		case slices.Equal(s.Path, r.Path):
			return i
		}
	}
	if !r.Preamble && len(r.Path) == 0 && r.Para > 0 {
		// "¶3" in a Chinese document: the unheaded paragraphs are the preamble.
		return d.sectionIndex(sc, Ref{Preamble: true})
	}
	return -1
}

func (d *Document) hasChildren(sc scope, si int) bool {
	p := d.Sections[si].Path
	return si+1 < sc.hi && len(p) > 0 && isPrefix(p, d.Sections[si+1].Path)
}

func isPrefix(prefix, path []int) bool {
	return len(path) > len(prefix) && slices.Equal(path[:len(prefix)], prefix)
}

// subtree returns the paragraphs of section si and of all its descendants.
func (d *Document) subtree(sc scope, si int) []Paragraph {
	s := d.Sections[si]
	idx := slices.Clone(s.Paragraphs)
	if len(s.Path) > 0 {
		for j := si + 1; j < sc.hi && isPrefix(s.Path, d.Sections[j].Path); j++ {
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
	return d.labelsIn(scope{lo: 0, hi: len(d.Sections)})
}

// labelsIn lists the keys and labels of sc's sections; the key of an
// unheaded section ("" or just a prefix) is not a label.
func (d *Document) labelsIn(sc scope) []string {
	out := make([]string, 0, sc.hi-sc.lo)
	for i := sc.lo; i < sc.hi; i++ {
		s := d.Sections[i]
		if s.Key != "" && !strings.HasSuffix(s.Key, ":") {
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

// styleAt reports how sc numbers level i, from its first section there.
func (d *Document) styleAt(sc scope, level int) numStyle {
	for i := sc.lo; i < sc.hi; i++ {
		s := d.Sections[i]
		if len(s.Path) != level+1 || s.Path[0] < 0 {
			continue
		}
		k := d.localKey(sc, i)
		if j := strings.LastIndex(k, "("); j >= 0 && level > 0 {
			k = strings.TrimSuffix(k[j+1:], ")")
		}
		r := []rune(k + " ")[0]
		switch {
		case r >= '0' && r <= '9':
			return styleDigits
		case strings.ContainsRune("IVX", r):
			return styleRoman
		case unicode.IsLetter(r) && r < 0x80:
			return styleLetter
		}
		return styleChinese
	}
	return styleDigits
}

const maxNearest = 3

// nearest suggests labels close to an unresolvable reference: the last
// paragraphs of the right section when the number runs past its end,
// numerically close siblings when the section is missing, else labels
// closest by edit distance.
func (d *Document) nearest(sc scope, r Ref) []string {
	want := r.format(func(l int) numStyle { return d.styleAt(sc, l) })
	if si := d.sectionIndex(sc, r); si >= 0 && r.Para > 0 {
		s := d.Sections[si]
		var out []string
		if n := len(s.Paragraphs); n > 0 {
			out = append(out, d.Paragraphs[s.Paragraphs[n-1]].Label)
		}
		if s.Key != "" && !strings.HasSuffix(s.Key, ":") {
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
		for i := sc.lo; i < sc.hi; i++ {
			s := d.Sections[i]
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
	return d.nearestByText(sc, want)
}

// nearestByText ranks sc's labels by edit distance to s.
func (d *Document) nearestByText(sc scope, s string) []string {
	type cand struct {
		label string
		dist  int
	}
	var cs []cand
	for _, l := range d.labelsIn(sc) {
		cs = append(cs, cand{l, editDistance(s, strings.TrimPrefix(l, sc.prefix))})
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
