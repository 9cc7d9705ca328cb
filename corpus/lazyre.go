package corpus

import (
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// lazyRegexp is a regular expression compiled on first use. The package
// has some fifty of them, for headings, references and the cleaning of
// scraped pages; compiled when the program starts they cost 10 ms of every
// `citebot ask` (inittrace), most of them for pages it never cleans.
type lazyRegexp struct {
	src  string
	once sync.Once
	re   *regexp.Regexp
	// can, when set, is a cheap test that every string the expression
	// matches passes (the first characters an anchored expression
	// requires): a string that fails it is not matched, and the expression
	// is neither run nor compiled for it. Most lines of a Chinese document
	// start with none of an English heading's letters; the heading
	// expressions were half of parsing the declaration at start-up.
	can func(string) bool
}

// onlyIf sets the expression's test (see lazyRegexp.can) and returns it.
func (l *lazyRegexp) onlyIf(can func(string) bool) *lazyRegexp {
	l.can = can
	return l
}

// prefixes is a test for onlyIf: s starts with one of ps.
func prefixes(ps ...string) func(string) bool {
	return func(s string) bool {
		for _, p := range ps {
			if strings.HasPrefix(s, p) {
				return true
			}
		}
		return false
	}
}

// firstByteIn is a test for onlyIf: s starts with a byte of set (ASCII).
func firstByteIn(set string) func(string) bool {
	return func(s string) bool { return s != "" && strings.IndexByte(set, s[0]) >= 0 }
}

// firstRuneIn is a test for onlyIf: s starts with a character of set.
func firstRuneIn(set string) func(string) bool {
	return func(s string) bool {
		r, n := utf8.DecodeRuneInString(s)
		return n > 0 && strings.ContainsRune(set, r)
	}
}

// may reports whether s passes the expression's test.
func (l *lazyRegexp) may(s string) bool { return l.can == nil || l.can(s) }

// lazyExprs are every lazyRegexp, for the test that compiles them all.
var lazyExprs []*lazyRegexp

// lazyRE returns the expression src, compiled when first used; an invalid
// one panics then, as regexp.MustCompile would have at start-up (and
// TestLazyRegexpsCompile does in the tests).
func lazyRE(src string) *lazyRegexp {
	l := &lazyRegexp{src: src}
	lazyExprs = append(lazyExprs, l)
	return l
}

func (l *lazyRegexp) get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.src) })
	return l.re
}

func (l *lazyRegexp) MatchString(s string) bool { return l.may(s) && l.get().MatchString(s) }
func (l *lazyRegexp) FindString(s string) string {
	if !l.may(s) {
		return ""
	}
	return l.get().FindString(s)
}
func (l *lazyRegexp) FindStringSubmatch(s string) []string {
	if !l.may(s) {
		return nil
	}
	return l.get().FindStringSubmatch(s)
}
func (l *lazyRegexp) FindAllStringSubmatch(s string, n int) [][]string {
	return l.get().FindAllStringSubmatch(s, n)
}
func (l *lazyRegexp) ReplaceAllString(src, repl string) string {
	return l.get().ReplaceAllString(src, repl)
}
func (l *lazyRegexp) FindStringIndex(s string) []int {
	if !l.may(s) {
		return nil
	}
	return l.get().FindStringIndex(s)
}
func (l *lazyRegexp) FindAllStringIndex(s string, n int) [][]int {
	return l.get().FindAllStringIndex(s, n)
}
func (l *lazyRegexp) Split(s string, n int) []string { return l.get().Split(s, n) }

// Character sets for onlyIf's tests.
const (
	digits  = "0123456789"
	letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)
