package analysis

import "unicode"

// Language is the language a text is written in, as far as citebot's
// replies are concerned: the script of Chinese matters (an answer to a
// Traditional question is written in Traditional), other languages are
// told apart only by script.
type Language string

// The languages Detect tells apart. Unknown is text without letters (an
// emoji, a number): callers fall back to what else they know.
const (
	Unknown     Language = ""
	Simplified  Language = "zh-Hans"
	Traditional Language = "zh-Hant"
	English     Language = "en"
)

// Chinese reports whether l is either script of Chinese.
func (l Language) Chinese() bool { return l == Simplified || l == Traditional }

// Detect says which language s is written in: English (or another
// alphabetic language) when its letters outnumber its Chinese characters
// twice, else Chinese, Traditional when any character has a different
// Simplified form. It is the one rule every package uses.
func Detect(s string) Language {
	latin, han := scriptCounts(s)
	switch {
	case latin == 0 && han == 0:
		return Unknown
	case latin > 2*han:
		return English
	case IsTraditional(s):
		return Traditional
	default:
		return Simplified
	}
}

// MostlyLatin reports whether s is written mainly in an alphabetic script:
// more than twice as many letters as Chinese characters.
func MostlyLatin(s string) bool {
	latin, han := scriptCounts(s)
	return latin > 2*han
}

// HasHan reports whether s holds any Chinese character.
func HasHan(s string) bool { return containsFunc(s, IsHan) }

func scriptCounts(s string) (letters, han int) {
	for _, r := range s {
		switch {
		case IsHan(r):
			han++
		case unicode.In(r, unicode.Latin, unicode.Cyrillic, unicode.Greek):
			letters++
		}
	}
	return letters, han
}

func containsFunc(s string, f func(rune) bool) bool {
	for _, r := range s {
		if f(r) {
			return true
		}
	}
	return false
}
