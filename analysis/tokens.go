package analysis

import "unicode"

// Model tokenizers differ, and a budget must hold for all of them, so
// EstimateTokens errs high and MinTokens low. Measured on the declaration
// (11,757 Chinese characters, 1,627 others): OpenAI's cl100k_base makes
// 19,646 tokens of it, o200k_base 12,186; on the Apache License 2.0 (11,358
// characters of English) both make about 2,270.
const (
	// cjkHigh and otherHigh bound the tokens per character from above:
	// Traditional characters cost cl100k_base up to 1.7 each, English
	// about a quarter of a token per character.
	cjkHigh   = 1.7
	otherHigh = 0.3
	// cjkLow and otherLow bound them from below, for tokenizers with large
	// Chinese vocabularies (Qwen, o200k_base).
	cjkLow   = 0.6
	otherLow = 1.0 / 6
)

// EstimateTokens is a high estimate of the tokens a chat model's tokenizer
// makes of s: what a prompt may take of a context window.
func EstimateTokens(s string) int { return estimate(s, cjkHigh, otherHigh) }

// MinTokens is a low estimate of the same: a server that reports reading
// fewer tokens of a prompt than this has cut it.
func MinTokens(s string) int { return estimate(s, cjkLow, otherLow) }

func estimate(s string, cjk, other float64) int {
	var c, o int
	for _, r := range s {
		if IsHan(r) || unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			c++
		} else {
			o++
		}
	}
	return int(float64(c)*cjk+float64(o)*other) + 1
}
