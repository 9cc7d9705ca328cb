package embeddings

import (
	"unicode"
	"unicode/utf8"
)

// Terms splits folded text into the terms every scorer shares: for runs of
// Chinese characters, each character and each pair of neighbouring characters
// (the way Lucene's CJK analyzer indexes text without a dictionary); for other
// scripts, whole words of letters and digits. Punctuation separates runs.
//
// Fold the text first: Terms does not change script, width or case.
func Terms(folded string) []string {
	terms := make([]string, 0, utf8.RuneCountInString(folded)*2)
	var prev rune // previous Han rune of the current run, 0 outside a run
	word := -1    // start of the current non-Han word, -1 outside a word
	flush := func(end int) {
		if word >= 0 {
			terms = append(terms, folded[word:end])
			word = -1
		}
	}
	for i, r := range folded {
		switch {
		case unicode.Is(unicode.Han, r):
			flush(i)
			terms = append(terms, string(r))
			if prev != 0 {
				terms = append(terms, string([]rune{prev, r}))
			}
			prev = r
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			prev = 0
			if word < 0 {
				word = i
			}
		default:
			prev = 0
			flush(i)
		}
	}
	flush(len(folded))
	return terms
}

// IsBigram reports whether a term from Terms is a pair of Chinese characters.
func IsBigram(term string) bool {
	r, n := utf8.DecodeRuneInString(term)
	return n > 0 && unicode.Is(unicode.Han, r) && utf8.RuneCountInString(term) == 2
}

// MostlyLatin reports whether s is written mainly in a Latin script: more
// than twice as many Latin letters as Chinese characters. Such a question
// needs translating before it can match the Chinese text.
func MostlyLatin(s string) bool {
	var latin, han int
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.Is(unicode.Latin, r):
			latin++
		}
	}
	return latin > 2*han
}
