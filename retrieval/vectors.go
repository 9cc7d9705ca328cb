package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	chromem "github.com/philippgille/chromem-go"

	"github.com/citebot/citebot/corpus"
)

// The vector side of an index.
//
// Up to exhaustiveLimit paragraphs, the vectors are float32 and held by a
// chromem-go collection, one document per paragraph, whose embeddings are
// rows of one array (they are added already normalised, so chromem-go keeps
// them rather than a copy). A question is compared with every paragraph by
// a tight loop over those rows that reads only the question's non-zero
// coordinates (13 to 51 of 1,024 for the bench questions), in chromem-go's
// order, so it finds exactly the paragraphs and cosines that chromem-go's
// QueryEmbedding finds (TestVectorScanIsChromem). QueryEmbedding also
// starts goroutines for every query, walks its document map and takes a
// lock for every paragraph it offers to its heap; BenchmarkVectorSearch:
// 0.20 ms against the scan's 0.014 ms on the declaration (of a 0.45 ms
// search before), 3.5 ms against 0.53 ms at 5,000 paragraphs.
//
// Above the limit the vectors only re-rank the lexical scorer's best
// rerankDepth paragraphs, the usual two-stage design, and are kept
// quantised to a signed byte per non-zero coordinate with one scale per
// paragraph: a synthetic paragraph has about 320 non-zero coordinates, so
// 1 KB instead of the 4 KiB of a float32 row (400 MiB at 100,000
// paragraphs, more than bleve's whole index there). Re-ranking with them
// loses nothing on the dev set (TestRerankLosesNothingOnDev); an
// exhaustive scan of 10,000 float32 rows would cost a 10,000-paragraph
// question a millisecond more, and 40 MB.
const (
	exhaustiveLimit = 5_000
	rerankDepth     = 1000
)

// vectors holds the paragraph vectors, float32 rows (with coll) or
// quantised ones.
type vectors struct {
	dim  int
	rows [][]float32
	coll *chromem.Collection
	// The quantised rows: paragraph i's coordinates are
	// idx[start[i]:start[i+1]], its values val[…]·scale[i]; without idx
	// (dense vectors), its values are val[i·dim:(i+1)·dim]·scale[i].
	start []uint32
	idx   []uint16
	val   []int8
	scale []float32
}

// vecHit is one paragraph found by the vector search, with its cosine.
type vecHit struct {
	doc int
	sim float64
}

// newDenseVectors keeps float32 rows in a chromem-go collection.
func newDenseVectors(ctx context.Context, doc *corpus.Document, rows [][]float32) (*vectors, error) {
	v := &vectors{rows: rows}
	if len(rows) > 0 {
		v.dim = len(rows[0])
	}
	for i, r := range rows {
		if len(r) != v.dim {
			return nil, fmt.Errorf("paragraph %d has %d dimensions, paragraph 0 %d", i, len(r), v.dim)
		}
		normalizeLikeChromem(r)
	}
	noEmbed := func(context.Context, string) ([]float32, error) {
		return nil, errors.New("retrieval: collection must not embed")
	}
	coll, err := chromem.NewDB().CreateCollection("paragraphs", nil, noEmbed)
	if err != nil {
		return nil, err
	}
	// One document at a time: AddDocuments starts a goroutine per
	// document, which left 36.5 MiB of goroutine records at 100,000.
	for i, r := range rows {
		d := chromem.Document{ID: strconv.Itoa(i), Embedding: r, Content: doc.Paragraphs[i].Label}
		if err := coll.AddDocument(ctx, d); err != nil {
			return nil, fmt.Errorf("add vectors: %w", err)
		}
	}
	v.coll = coll
	return v, nil
}

// quantise turns a float32 vector into its quantised row: the non-zero
// coordinates, each as a signed byte of scale.
func quantise(x []float32, idx []uint16, val []int8) ([]uint16, []int8, float32) {
	var most float32
	for _, f := range x {
		most = max(most, float32(math.Abs(float64(f))))
	}
	if most == 0 {
		return idx, val, 0
	}
	scale := most / 127
	n := 0
	for _, f := range x {
		if math.Round(float64(f/scale)) != 0 {
			n++
		}
	}
	idx, val = slices.Grow(idx, n), slices.Grow(val, n)
	for j, f := range x {
		if q := math.Round(float64(f / scale)); q != 0 {
			idx = append(idx, uint16(j))
			val = append(val, int8(q))
		}
	}
	return idx, val, scale
}

// quantiseDense writes x as signed bytes of the returned scale into dst.
func quantiseDense(x []float32, dst []int8) float32 {
	var most float32
	for _, f := range x {
		most = max(most, float32(math.Abs(float64(f))))
	}
	if most == 0 {
		return 0
	}
	scale := most / 127
	for j, f := range x {
		dst[j] = int8(math.Round(float64(f / scale)))
	}
	return scale
}

// count is the number of paragraphs.
func (v *vectors) count() int {
	if v.rows != nil {
		return len(v.rows)
	}
	return len(v.scale)
}

// nonZero lists the non-zero coordinates of q, in order.
func nonZero(q []float32) []int32 {
	var nz []int32
	for j, x := range q {
		if x != 0 {
			nz = append(nz, int32(j))
		}
	}
	return nz
}

// sim is the cosine of paragraph i with q, whose non-zero coordinates are
// nz. On float32 rows it is chromem-go's dot product term for term: the
// terms it skips are zeros.
func (v *vectors) sim(i int, q []float32, nz []int32) float32 {
	if v.rows != nil {
		row := v.rows[i][:len(q)]
		var dot float32
		for _, j := range nz {
			dot += q[j] * row[j]
		}
		return dot
	}
	if v.idx == nil {
		row := v.val[i*v.dim : (i+1)*v.dim]
		var dot float32
		for _, j := range nz {
			dot += q[j] * float32(row[j])
		}
		return dot * v.scale[i]
	}
	from, to := v.start[i], v.start[i+1]
	var dot float32
	for k, j := range v.idx[from:to] {
		dot += q[j] * float32(v.val[from+uint32(k)])
	}
	return dot * v.scale[i]
}

// search returns the paragraphs nearest q, best first, down to the
// candidate depth: among all paragraphs up to exhaustive of them, among
// the lexical ranking's best rerankDepth above. sims is scratch, zero and
// one per paragraph, and is left zero.
func (v *vectors) search(q []float32, lex []float64, exhaustive int, sims []float64) ([]vecHit, error) {
	if len(q) != v.dim {
		return nil, fmt.Errorf("vector search: the question has %d dimensions, the paragraphs %d", len(q), v.dim)
	}
	normalizeLikeChromem(q)
	nz := nonZero(q)
	if len(nz) == 0 {
		return nil, nil
	}
	if v.count() > exhaustive {
		cands := topN(lex, rerankDepth)
		cs := make([]float64, len(cands))
		for j, i := range cands {
			cs[j] = float64(v.sim(i, q, nz))
		}
		order := topN(cs, candidates)
		out := make([]vecHit, len(order))
		for r, j := range order {
			out[r] = vecHit{doc: cands[j], sim: cs[j]}
		}
		return out, nil
	}
	for i := range v.count() {
		sims[i] = float64(v.sim(i, q, nz))
	}
	order := topN(sims, candidates)
	out := make([]vecHit, len(order))
	for r, i := range order {
		out[r] = vecHit{doc: i, sim: sims[i]}
	}
	clear(sims)
	return out, nil
}

// normalizeLikeChromem scales v to unit length in place when chromem-go
// would (its isNormalized tolerance), with its arithmetic, so that the
// rows it holds are the rows given and a question meets them as
// QueryEmbedding would. A zero vector stays zero (chromem-go would make
// it NaN).
func normalizeLikeChromem(v []float32) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if ss == 0 || math.Abs(math.Sqrt(ss)-1) < 1e-6 {
		return
	}
	var norm float32
	for _, x := range v {
		norm += x * x
	}
	norm = float32(math.Sqrt(float64(norm)))
	for i, x := range v {
		v[i] = x / norm
	}
}
