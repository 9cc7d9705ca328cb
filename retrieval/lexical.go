package retrieval

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/citebot/citebot/analysis"
)

// BM25 parameters: the usual defaults; paragraphs of this kind of document
// are short and of similar length, so neither matters much.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
	// titleBoost counts the words of a paragraph's section title as this
	// many occurrences in the paragraph: the title says what the paragraph
	// is about ("禁毒合作") even when the paragraph does not repeat it.
	titleBoost = 0.5
	// unigramWeight discounts single characters against pairs: a pair is
	// usually a word, a character alone is a weak hint.
	unigramWeight = 0.4
)

// lexical is a BM25 index over folded unigrams and bigrams.
//
// The postings of all terms are two flat arrays, a term's postings one
// range of them, in document order: 5 bytes a posting. As a slice of
// {doc, tf} per term, grown by append, they took 8 bytes a posting plus the
// slack of growth, 288 MiB of the 890 MiB that 100,000 paragraphs held.
type lexical struct {
	// han numbers the Chinese characters and pairs by hanKey, terms every
	// other term: an integer key hashes and compares faster than a string,
	// and most terms of a Chinese document are characters and pairs.
	han   map[uint64]int32
	terms map[string]int32
	start []uint32 // per term number, its first posting; one more at the end
	docs  []int32
	// tf2 is twice the term's frequency in the document (the title counts
	// halves), which fits a byte but in freak paragraphs; tfBig holds those
	// by posting, with tf2 saturated at 255.
	tf2   []uint8
	tfBig map[uint32]float32
	// norm is BM25's length normalisation per document,
	// k1·(1 − b + b·len/avgLen).
	norm []float64
}

// newLexical indexes texts (already folded) with their titles (folded too).
func newLexical(texts, titles []string) *lexical {
	n := len(texts)
	lx := &lexical{han: map[uint64]int32{}, terms: map[string]int32{}, tfBig: map[uint32]float32{}, norm: make([]float64, n)}
	docLen := make([]float32, n)
	terms := make([]uint32, n) // distinct terms per paragraph
	// The terms of each paragraph are counted on every core, a block at a
	// time; the block's terms are then numbered in document order, so the
	// index is the same whatever the number of cores. The postings are
	// kept as (term number, tf2) per paragraph until every term's count is
	// known, then laid out term by term.
	// A paragraph's terms in order of first use: a Chinese one by its
	// hanKey, any other by its place in the paragraph's others.
	type termTF struct {
		key   uint64 // hanKey, or 0 for others[other]
		tf2   uint32
		other int32
	}
	type docTerms struct {
		terms  []termTF
		others []string
	}
	const block = 2048
	perDoc := make([]docTerms, block)
	// ids and tfs are the term numbers and tf2 of each block's paragraphs,
	// paragraph after paragraph (tf2 saturated at 255, the exact value in
	// big, by block and position): 5 bytes a posting until the layout, the
	// peak of a large build.
	var ids [][]int32
	var tfs [][]uint8
	var big []map[int]uint32
	var count []uint32 // postings per term number
	workers := runtime.GOMAXPROCS(0)
	type counter struct {
		han   map[uint64]int32 // → place in the paragraph's order
		other map[string]int32
	}
	counters := make([]counter, workers)
	for w := range counters {
		counters[w] = counter{han: map[uint64]int32{}, other: map[string]int32{}}
	}
	for from := 0; from < n; from += block {
		to := min(from+block, n)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := counters[w]
				for i := from + w; i < to; i += workers {
					clear(c.han)
					clear(c.other)
					d := perDoc[i-from]
					order, others := d.terms[:0], d.others[:0]
					if cap(order) == 0 {
						// Chinese text has about one distinct term a byte
						// and a half.
						order = make([]termTF, 0, (len(texts[i])+len(titles[i]))*2/3+1)
					}
					add := func(term string, k uint32) {
						if key, ok := hanKey(term); ok {
							j, seen := c.han[key]
							if !seen {
								j = int32(len(order))
								c.han[key] = j
								order = append(order, termTF{key: key})
							}
							order[j].tf2 += k
							return
						}
						j, seen := c.other[term]
						if !seen {
							j = int32(len(order))
							c.other[term] = j
							order = append(order, termTF{other: int32(len(others))})
							others = append(others, term)
						}
						order[j].tf2 += k
					}
					analysis.EachTerm(texts[i], func(term string) { add(term, 2) })
					analysis.EachTerm(titles[i], func(term string) { add(term, 1) }) // titleBoost
					perDoc[i-from] = docTerms{order, others}
				}
			}()
		}
		wg.Wait()
		size := 0
		for _, d := range perDoc[:to-from] {
			size += len(d.terms)
		}
		bids, btfs, bbig := make([]int32, 0, size), make([]uint8, 0, size), map[int]uint32{}
		for i := from; i < to; i++ {
			var total float32
			d := perDoc[i-from]
			for _, t := range d.terms {
				var id int32
				var ok bool
				if t.key != 0 {
					if id, ok = lx.han[t.key]; !ok {
						id = int32(len(count))
						lx.han[t.key] = id
						count = append(count, 0)
					}
				} else if id, ok = lx.terms[d.others[t.other]]; !ok {
					id = int32(len(count))
					lx.terms[strings.Clone(d.others[t.other])] = id
					count = append(count, 0)
				}
				count[id]++
				bids = append(bids, id)
				if t.tf2 >= math.MaxUint8 {
					bbig[len(btfs)] = t.tf2
				}
				btfs = append(btfs, uint8(min(t.tf2, math.MaxUint8)))
				total += float32(t.tf2) / 2
			}
			docLen[i] = total
			terms[i] = uint32(len(d.terms))
		}
		ids, tfs, big = append(ids, bids), append(tfs, btfs), append(big, bbig)
	}
	lx.start = make([]uint32, len(count)+1)
	for t, c := range count {
		lx.start[t+1] = lx.start[t] + c
	}
	total := lx.start[len(count)]
	lx.docs = make([]int32, total)
	lx.tf2 = make([]uint8, total)
	next := slices.Clone(lx.start[:len(count)])
	doc := 0
	for b := range ids {
		// A paragraph's postings are its block's entries up to the next
		// paragraph's; the blocks are walked paragraph by paragraph.
		k := 0
		for ; doc < min((b+1)*block, n); doc++ {
			for range terms[doc] {
				t := ids[b][k]
				at := next[t]
				next[t]++
				lx.docs[at] = int32(doc)
				lx.tf2[at] = tfs[b][k]
				if tfs[b][k] == math.MaxUint8 {
					lx.tfBig[at] = float32(big[b][k]) / 2
				}
				k++
			}
		}
		ids[b], tfs[b], big[b] = nil, nil, nil
	}
	var sum float32
	for _, l := range docLen {
		sum += l
	}
	if n > 0 {
		avgLen := sum / float32(n)
		for i, l := range docLen {
			lx.norm[i] = bm25K1 * (1 - bm25B + bm25B*float64(l)/float64(avgLen))
		}
	}
	return lx
}

// postings returns the range of a term's postings; empty for an unknown
// term.
func (lx *lexical) postings(term string) (from, to uint32) {
	var id int32
	var ok bool
	if key, han := hanKey(term); han {
		id, ok = lx.han[key]
	} else {
		id, ok = lx.terms[term]
	}
	if !ok {
		return 0, 0
	}
	return lx.start[id], lx.start[id+1]
}

// hanKey packs a term of one or two Chinese characters into an integer,
// never 0: the first character, the second above it, and the top bit for a
// pair.
func hanKey(term string) (uint64, bool) {
	r1, n1 := utf8.DecodeRuneInString(term)
	if n1 == 0 || !analysis.IsHan(r1) {
		return 0, false
	}
	if n1 == len(term) {
		return uint64(r1), true
	}
	r2, n2 := utf8.DecodeRuneInString(term[n1:])
	if n1+n2 != len(term) || !analysis.IsHan(r2) {
		return 0, false
	}
	return uint64(r1) | uint64(r2)<<21 | 1<<63, true
}

// tf is the frequency of posting k's term in its document.
func (lx *lexical) tf(k uint32) float64 {
	if x := lx.tf2[k]; x != math.MaxUint8 {
		return float64(x) / 2
	}
	return float64(lx.tfBig[k])
}

// idf is the BM25 inverse document frequency of term; 0 for unknown terms.
func (lx *lexical) idf(term string) float64 {
	from, to := lx.postings(term)
	df := to - from
	if df == 0 {
		return 0
	}
	n := float64(len(lx.norm))
	return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
}

// queryTerm is one weighted term of a query.
type queryTerm struct {
	term   string
	weight float64
}

// score writes the BM25 score of every document for the query terms into
// scores, which must be zero and as long as the document has paragraphs.
func (lx *lexical) score(q []queryTerm, scores []float64) {
	for _, qt := range q {
		from, to := lx.postings(qt.term)
		if from == to {
			continue
		}
		w := qt.weight * lx.idf(qt.term)
		docs, tf2 := lx.docs[from:to], lx.tf2[from:to]
		for k, d := range docs {
			tf := float64(tf2[k]) / 2
			if tf2[k] == math.MaxUint8 {
				tf = lx.tf(from + uint32(k))
			}
			scores[d] += w * tf * (bm25K1 + 1) / (tf + lx.norm[d])
		}
	}
}

// known reports whether any document contains term.
func (lx *lexical) known(term string) bool {
	from, to := lx.postings(term)
	return from < to
}

// queryTerms turns a folded question into weighted terms: each distinct term
// once, weighted by how often the question uses it and by its kind.
func queryTerms(folded string) []queryTerm {
	count := make(map[string]float64)
	var order []string
	for _, t := range analysis.Terms(folded) {
		if _, ok := count[t]; !ok {
			order = append(order, t)
		}
		count[t]++
	}
	out := make([]queryTerm, 0, len(order))
	for _, t := range order {
		w := count[t]
		if !analysis.IsBigram(t) && isSingleHan(t) {
			w *= unigramWeight
		}
		out = append(out, queryTerm{term: t, weight: w})
	}
	return out
}
