package retrieval

import (
	"unicode"
	"unicode/utf8"
)

func isSingleHan(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return n == len(s) && unicode.Is(unicode.Han, r)
}
