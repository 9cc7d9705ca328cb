// Package lazyre holds regular expressions compiled on first use.
//
// corpus has some fifty expressions (headings, references, the cleaning of
// scraped pages) and retrieval a dozen (answer types); compiled when the
// program started they cost about 12 ms of every `citebot ask` (inittrace),
// most of them for text it never sees.
package lazyre

import (
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// Regexp is a regular expression compiled on first use, optionally behind
// a cheap test that every string it matches passes.
type Regexp struct {
	src  string
	once sync.Once
	re   *regexp.Regexp
	// can, when set, is passed by every string the expression matches (the
	// first characters an anchored expression requires): a string that
	// fails it is not matched, and the expression is neither run nor
	// compiled for it. Most lines of a Chinese document start with none of
	// an English heading's letters.
	can func(string) bool
}

var (
	mu  sync.Mutex
	all []*Regexp
)

// New returns the expression src, compiled when first used; an invalid one
// panics then, as regexp.MustCompile would at start-up (and a test calling
// Compile on All does in the tests).
func New(src string) *Regexp {
	l := &Regexp{src: src}
	mu.Lock()
	all = append(all, l)
	mu.Unlock()
	return l
}

// All returns every expression made by New in this program, for tests.
func All() []*Regexp {
	mu.Lock()
	defer mu.Unlock()
	return append([]*Regexp(nil), all...)
}

// OnlyIf sets the test every matched string passes, and returns l.
func (l *Regexp) OnlyIf(can func(string) bool) *Regexp {
	l.can = can
	return l
}

// Filtered reports whether l has a test set by OnlyIf.
func (l *Regexp) Filtered() bool { return l.can != nil }

// May reports whether s passes l's test (always, without one).
func (l *Regexp) May(s string) bool { return l.can == nil || l.can(s) }

// String returns the expression's source.
func (l *Regexp) String() string { return l.src }

// Compile returns the compiled expression.
func (l *Regexp) Compile() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.src) })
	return l.re
}

// Prefixes is a test for OnlyIf: s starts with one of ps.
func Prefixes(ps ...string) func(string) bool {
	return func(s string) bool {
		for _, p := range ps {
			if strings.HasPrefix(s, p) {
				return true
			}
		}
		return false
	}
}

// FirstByteIn is a test for OnlyIf: s starts with a byte of set (ASCII).
func FirstByteIn(set string) func(string) bool {
	return func(s string) bool { return s != "" && strings.IndexByte(set, s[0]) >= 0 }
}

// FirstRuneIn is a test for OnlyIf: s starts with a character of set.
func FirstRuneIn(set string) func(string) bool {
	return func(s string) bool {
		r, n := utf8.DecodeRuneInString(s)
		return n > 0 && strings.ContainsRune(set, r)
	}
}

// MatchString is regexp.Regexp's, behind l's test.
func (l *Regexp) MatchString(s string) bool { return l.May(s) && l.Compile().MatchString(s) }

// FindString is regexp.Regexp's, behind l's test.
func (l *Regexp) FindString(s string) string {
	if !l.May(s) {
		return ""
	}
	return l.Compile().FindString(s)
}

// FindStringSubmatch is regexp.Regexp's, behind l's test.
func (l *Regexp) FindStringSubmatch(s string) []string {
	if !l.May(s) {
		return nil
	}
	return l.Compile().FindStringSubmatch(s)
}

// FindStringIndex is regexp.Regexp's, behind l's test.
func (l *Regexp) FindStringIndex(s string) []int {
	if !l.May(s) {
		return nil
	}
	return l.Compile().FindStringIndex(s)
}

// FindAllString is regexp.Regexp's; l's test is not applied, as it speaks
// of a match's start only.
func (l *Regexp) FindAllString(s string, n int) []string { return l.Compile().FindAllString(s, n) }

// FindAllStringIndex is regexp.Regexp's (without l's test).
func (l *Regexp) FindAllStringIndex(s string, n int) [][]int {
	return l.Compile().FindAllStringIndex(s, n)
}

// FindAllStringSubmatch is regexp.Regexp's (without l's test).
func (l *Regexp) FindAllStringSubmatch(s string, n int) [][]string {
	return l.Compile().FindAllStringSubmatch(s, n)
}

// ReplaceAllString is regexp.Regexp's (without l's test).
func (l *Regexp) ReplaceAllString(src, repl string) string {
	return l.Compile().ReplaceAllString(src, repl)
}

// ReplaceAllStringFunc is regexp.Regexp's (without l's test).
func (l *Regexp) ReplaceAllStringFunc(src string, repl func(string) string) string {
	return l.Compile().ReplaceAllStringFunc(src, repl)
}

// Split is regexp.Regexp's (without l's test).
func (l *Regexp) Split(s string, n int) []string { return l.Compile().Split(s, n) }
