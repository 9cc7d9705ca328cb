package analysis

import "slices"

// IsChineseStopWord reports whether the folded Chinese word w is a stop
// word: a function word (或者, 那么, 因为, 自己) that says how a question
// is put rather than what it is about. The list is stopwords-iso's
// (internal/genzhstop).
func IsChineseStopWord(w string) bool {
	_, ok := slices.BinarySearch(zhStopWords, w)
	return ok
}
