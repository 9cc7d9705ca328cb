package oaitest

import (
	"hash/fnv"
	"math"
	"strings"
	"unicode"
)

// DefaultDim is the dimension of the server's default embeddings.
const DefaultDim = 64

// HashVectors returns deterministic unit vectors of dim values: every term of
// the lower-cased text (each Han character, each pair of neighbouring ones,
// each word of other scripts) adds ±1 at a hashed position, so texts sharing
// terms point in similar directions. A text with no terms gets a vector of
// its own from its whole hash; no vector is ever zero.
func HashVectors(dim int) VectorFunc {
	return func(texts []string) [][]float32 {
		out := make([][]float32, len(texts))
		for i, text := range texts {
			acc := make([]float64, dim)
			lower := strings.ToLower(text)
			for _, t := range append(terms(lower), hanChars(lower)...) {
				pos, sign := bucket(t, dim)
				acc[pos] += sign
			}
			var sum float64
			for _, x := range acc {
				sum += x * x
			}
			if sum == 0 {
				pos, _ := bucket("\x00"+text, dim)
				acc[pos], sum = 1, 1
			}
			inv := 1 / math.Sqrt(sum)
			v := make([]float32, dim)
			for j, x := range acc {
				v[j] = float32(x * inv)
			}
			out[i] = v
		}
		return out
	}
}

// hanChars returns the Han characters of s one by one (terms gives the pairs).
func hanChars(s string) []string {
	var out []string
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			out = append(out, string(r))
		}
	}
	return out
}

// bucket hashes a term to a position and a sign.
func bucket(term string, dim int) (int, float64) {
	h := fnv.New64a()
	_, _ = h.Write([]byte(term))
	sum := h.Sum64()
	sign := 1.0
	if sum>>63 == 1 {
		sign = -1
	}
	return int(sum % uint64(dim)), sign
}
