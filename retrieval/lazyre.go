package retrieval

import (
	"regexp"
	"sync"
)

// lazyRegexp is a regular expression compiled on first use: of the
// answer-type expressions a question needs a few, and compiling all of
// them when the program started cost every `citebot ask` 1.6 ms
// (inittrace) whatever it asked.
type lazyRegexp struct {
	src  string
	once sync.Once
	re   *regexp.Regexp
}

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

func (l *lazyRegexp) MatchString(s string) bool            { return l.get().MatchString(s) }
func (l *lazyRegexp) FindStringSubmatch(s string) []string { return l.get().FindStringSubmatch(s) }
func (l *lazyRegexp) FindAllString(s string, n int) []string {
	return l.get().FindAllString(s, n)
}
func (l *lazyRegexp) FindAllStringIndex(s string, n int) [][]int {
	return l.get().FindAllStringIndex(s, n)
}
func (l *lazyRegexp) FindAllStringSubmatch(s string, n int) [][]string {
	return l.get().FindAllStringSubmatch(s, n)
}
