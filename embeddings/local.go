package embeddings

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
)

// DefaultDim is the vector size of the in-process embedder: large enough that
// the few thousand distinct terms of a document rarely share a slot, small
// enough that 100,000 paragraphs fit in a few hundred megabytes.
const DefaultDim = 1024

// Local is the in-process embedder: no network, no model file, deterministic.
// A text becomes the hashed bag of its folded terms, each weighted by
// sublinear term frequency times the term's inverse document frequency in the
// corpus it was fitted on, then L2-normalised so that a dot product is the
// cosine similarity chromem-go expects.
type Local struct {
	dim  int
	idf  map[string]float32
	miss float32 // weight of a term the corpus never uses
}

// NewLocal fits a Local embedder of dim dimensions (DefaultDim if dim <= 0)
// to the corpus texts, which decide how much each term weighs.
func NewLocal(texts []string, dim int) *Local {
	if dim <= 0 {
		dim = DefaultDim
	}
	df := make(map[string]int)
	for _, t := range texts {
		seen := make(map[string]struct{})
		for _, term := range Terms(Fold(t)) {
			if _, ok := seen[term]; !ok {
				seen[term] = struct{}{}
				df[term]++
			}
		}
	}
	n := float64(len(texts))
	idf := make(map[string]float32, len(df))
	for term, d := range df {
		idf[term] = float32(math.Log((n+1)/(float64(d)+0.5)) + 1)
	}
	return &Local{dim: dim, idf: idf, miss: float32(math.Log(n+1) + 1)}
}

// Model names the embedder for caches and logs.
func (l *Local) Model() string { return fmt.Sprintf("local-cjk-ngram-%d", l.dim) }

// Dim is the length of every vector Embed returns.
func (l *Local) Dim() int { return l.dim }

// Embed returns one normalised vector per text. It never fails; the error is
// there to satisfy the interface shared with network embedders.
func (l *Local) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("embed: %w", err)
			}
		}
		out[i] = l.Vector(Fold(t))
	}
	return out, nil
}

// Vector embeds text that is already folded.
func (l *Local) Vector(folded string) []float32 {
	tf := make(map[string]int)
	for _, term := range Terms(folded) {
		tf[term]++
	}
	v := make([]float32, l.dim)
	for term, n := range tf {
		w, ok := l.idf[term]
		if !ok {
			w = l.miss
		}
		h := fnv.New64a()
		h.Write([]byte(term))
		sum := h.Sum64()
		// The sign bit spreads colliding terms around zero instead of piling
		// them up, so collisions cancel out on average.
		if sum>>63 == 1 {
			w = -w
		}
		v[sum%uint64(l.dim)] += w * float32(1+math.Log(float64(n)))
	}
	normalize(v)
	return v
}

func normalize(v []float32) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if ss == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(ss))
	for i := range v {
		v[i] *= inv
	}
}
