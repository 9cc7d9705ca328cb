package embeddings

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/citebot/citebot/analysis"
)

// Sense is one English gloss of a Chinese word, with how well the word
// renders it (0..1).
type Sense struct {
	Gloss  string
	Weight float32
}

// Lexicon is the bilingual dictionary a Space reads meaning from;
// glossary.Glossary, over CC-CEDICT, is the default.
type Lexicon interface {
	// IsWord reports whether zh (Simplified Chinese) is a dictionary word.
	IsWord(zh string) bool
	// Senses returns the English glosses of the word zh, best first.
	Senses(zh string) []Sense
	// Renderings returns the Chinese words the English word with this
	// Snowball stem translates to, best first: the way from an English
	// word to its near-synonyms through their shared renderings.
	Renderings(stem string) []Sense
	// Rarity says how specific the English word with this stem is, in
	// [0,1]; ok is false when the dictionary does not know it.
	Rarity(stem string) (float64, bool)
}

const (
	// maxWordRunes is the longest Chinese word looked up.
	maxWordRunes = 4
	// maxSenses caps the glosses that place a word: a common word's later
	// senses are rare ones and would pull it towards unrelated words.
	maxSenses = 12
	// NearSim is the cosine, in gloss space, from which two words count as
	// near in meaning: below it, a shared gloss word is mostly an accident
	// of a broad sense ("come", "take").
	NearSim = 0.2
	// maxNeighbours bounds the document words a word is expanded to.
	maxNeighbours = 10
	// pivotWeight is the share of an English word's place taken by the
	// glosses of its Chinese renderings, which relate it to its synonyms.
	pivotWeight = 0.5
	// maxCoordWords bounds the words kept per gloss coordinate for the
	// neighbour search: a coordinate shared by more words is too general
	// to say they mean the same, and the bound keeps the search linear.
	maxCoordWords = 400
)

// Space is the in-process embedder that carries meaning. Every word is
// placed in the space of English words: a Chinese word at its CC-CEDICT
// glosses (军力 "military power" and 军事 "military" meet on "military",
// 占便宜 and 优势 on "advantage"), an English word at its own stem and, less
// strongly, at the glosses of its Chinese renderings ("warranty" and
// "guarantee" share 保证). A Space is fitted to one document: its
// vocabulary is the document's words, and each word of a text is expanded
// to the document words nearest it in meaning (at most maxNeighbours, at
// cosine NearSim or more, itself included). A text's vector is the sum of
// these expansions, each word weighted by sublinear frequency and by its
// inverse document frequency, hashed into dim signed buckets and
// L2-normalised. A colloquial question and the paragraph that says the same
// thing in the document's words so share coordinates, and an English
// question lands beside the Chinese text it asks about with no translation.
//
// A Space is immutable after NewSpace and safe for concurrent use.
type Space struct {
	lex   Lexicon
	dim   int
	n     int
	df    map[string]int32
	vocab []string // the document's words, in order of first use
	index map[string]int32
	// vecs are the vocabulary words' places in gloss space.
	vecs [][]coord
	// byCoord lists the vocabulary words at each gloss coordinate, for the
	// neighbour search.
	byCoord map[string][]wordAt
	// nbrs are the vocabulary words' neighbours, computed once.
	nbrs [][]Neighbour
	// fitted are the words of the texts the Space was fitted to.
	fitted [][]int32
	// byInitial lists the vocabulary's words of alphabetic scripts by
	// first byte, for the typo search.
	byInitial map[byte][]int32
}

type coord struct {
	key string
	w   float64
}

type wordAt struct {
	word int32
	w    float32
}

// Neighbour is a document word near another word in meaning.
type Neighbour struct {
	Word string
	// Sim is the cosine of the two words' places in gloss space; 1 for the
	// word itself.
	Sim float64
}

// NewSpace fits a Space of dim dimensions (DefaultDim if dim <= 0) to the
// texts of one document.
func NewSpace(lex Lexicon, texts []string, dim int) *Space {
	if dim <= 0 {
		dim = DefaultDim
	}
	s := &Space{lex: lex, dim: dim, n: len(texts), df: map[string]int32{}, index: map[string]int32{}}
	// The fitted texts are kept as word numbers: their vectors and a
	// caller's postings come from them without reading the texts again.
	// Words are numbered as they first appear.
	s.fitted = make([][]int32, len(texts))
	var last []int32 // per word: the last text that counted it, plus one
	for i, t := range texts {
		ws := s.Words(analysis.Fold(t))
		ids := make([]int32, len(ws))
		for j, w := range ws {
			id, ok := s.index[w]
			if !ok {
				w = strings.Clone(w) // do not keep the whole text alive
				id = int32(len(s.vocab))
				s.index[w] = id
				s.vocab = append(s.vocab, w)
				last = append(last, 0)
			}
			if last[id] != int32(i+1) {
				last[id] = int32(i + 1)
				s.df[s.vocab[id]]++
			}
			ids[j] = id
		}
		s.fitted[i] = ids
	}
	s.byInitial = map[byte][]int32{}
	for i, w := range s.vocab {
		if w[0] < utf8.RuneSelf {
			s.byInitial[w[0]] = append(s.byInitial[w[0]], int32(i))
		}
	}
	s.vecs = make([][]coord, len(s.vocab))
	s.byCoord = map[string][]wordAt{}
	for i, w := range s.vocab {
		s.vecs[i] = s.place(w)
		for _, c := range s.vecs[i] {
			s.byCoord[c.key] = append(s.byCoord[c.key], wordAt{int32(i), float32(c.w)})
		}
	}
	for k, ws := range s.byCoord {
		if len(ws) > maxCoordWords {
			// Keep the words the coordinate matters most to.
			slices.SortFunc(ws, func(a, b wordAt) int { return cmpDesc(a.w, b.w) })
			s.byCoord[k] = ws[:maxCoordWords:maxCoordWords]
		}
	}
	s.nbrs = make([][]Neighbour, len(s.vocab))
	for i, w := range s.vocab {
		s.nbrs[i] = s.search(w, s.vecs[i])
	}
	return s
}

func cmpDesc(a, b float32) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// Model names the embedder for caches and logs.
func (s *Space) Model() string { return fmt.Sprintf("local-meaning-%d", s.dim) }

// Dim is the length of every vector Embed returns.
func (s *Space) Dim() int { return s.dim }

// Embed returns one normalised vector per text. It fails only when ctx is
// done.
func (s *Space) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("embed: %w", err)
			}
		}
		out[i] = s.Vector(analysis.Fold(t))
	}
	return out, nil
}

// Fitted returns the vectors of the texts the Space was fitted to, as
// Embed would, without reading them again.
func (s *Space) Fitted() [][]float32 {
	out := make([][]float32, len(s.fitted))
	// The Space is read-only by now: the texts are embedded in parallel.
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(s.fitted); i += workers {
				ws := make([]string, len(s.fitted[i]))
				for j, id := range s.fitted[i] {
					ws[j] = s.vocab[id]
				}
				out[i] = s.vector(ws)
			}
		}()
	}
	wg.Wait()
	return out
}

// FittedWords calls f with the distinct words of each fitted text, in
// order: the postings of an index over the same texts.
func (s *Space) FittedWords(f func(text int, words []string)) {
	for i, ids := range s.fitted {
		seen := map[int32]bool{}
		var ws []string
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				ws = append(ws, s.vocab[id])
			}
		}
		f(i, ws)
	}
}

// Vector embeds folded text.
func (s *Space) Vector(folded string) []float32 { return s.vector(s.Words(folded)) }

func (s *Space) vector(words []string) []float32 {
	tf := map[string]int{}
	for _, w := range words {
		tf[w]++
	}
	acc := map[string]float64{}
	for w, n := range tf {
		a := (1 + math.Log(float64(n))) * s.Weight(w)
		for _, nb := range s.Neighbours(w) {
			acc[nb.Word] += a * nb.Sim
		}
	}
	v := make([]float32, s.dim)
	for w, x := range acc {
		h := fnv.New64a()
		h.Write([]byte(w))
		sum := h.Sum64()
		// The sign bit spreads colliding words around zero instead of
		// piling them up, so collisions cancel out on average.
		if sum>>63 == 1 {
			x = -x
		}
		v[sum%uint64(s.dim)] += float32(x)
	}
	normalize(v)
	return v
}

// Weight is how specific word w is to a part of the document: its inverse
// document frequency, and that of the rarest word for a word the document
// never uses, which is the most specific part of a question.
func (s *Space) Weight(w string) float64 {
	d := s.df[w]
	idf := math.Log(float64(s.n+1) / (float64(d) + 0.5))
	if d == 0 {
		// An English word the document never uses weighs by how specific
		// it is in the language: "work" less than "warranty".
		if r, _ := utf8.DecodeRuneInString(w); !analysis.IsHan(r) {
			if x, ok := s.lex.Rarity(w); ok {
				idf *= x
			}
		}
	}
	return idf
}

// DF is the number of fitted texts that use word w.
func (s *Space) DF(w string) int { return int(s.df[w]) }

// Has reports whether the document uses word w.
func (s *Space) Has(w string) bool { return s.df[w] > 0 }

// Words splits folded text into the words a Space places: the dictionary
// words of its Chinese runs (every one found, overlapping, so a wrong cut
// costs nothing and a compound brings its parts: 民营企业, 民营, 企业), the
// Snowball stems of its alphabetic words without stop words, and its
// numbers.
func (s *Space) Words(folded string) []string {
	var out []string
	var st analysis.Stemmer
	for tok := range analysis.Tokens(folded) {
		switch tok.Kind {
		case analysis.HanRun:
			out = s.hanWords(out, tok.Text)
		case analysis.Word:
			if st == nil {
				st = analysis.StemmerFor(folded)
			}
			if t, ok := st.Term(tok.Text); ok {
				out = append(out, t)
			}
		case analysis.Number:
			out = append(out, tok.Text)
		}
	}
	return out
}

// Segment splits folded text into words the way a question is read: the
// longest dictionary word at each point of a Chinese run (forward maximum
// matching) together with the dictionary words inside it, so 普通人 brings
// 普通 but no 通人 and 外面带进来 no 面带: words across a boundary are
// accidents that would count as things the question asks about. Other
// scripts are split as by Words.
func (s *Space) Segment(folded string) []string {
	var out []string
	var st analysis.Stemmer
	for tok := range analysis.Tokens(folded) {
		switch tok.Kind {
		case analysis.HanRun:
			out = s.segmentHan(out, tok.Text)
		case analysis.Word:
			if st == nil {
				st = analysis.StemmerFor(folded)
			}
			if t, ok := st.Term(tok.Text); ok {
				out = append(out, t)
			}
		case analysis.Number:
			out = append(out, tok.Text)
		}
	}
	return out
}

func (s *Space) segmentHan(out []string, run string) []string {
	at := runeStarts(run)
	n := len(at) - 1
	for i := 0; i < n; {
		l := 1
		for k := min(maxWordRunes, n-i); k >= 2; k-- {
			if s.lex.IsWord(run[at[i]:at[i+k]]) {
				l = k
				break
			}
		}
		if l > 1 {
			out = s.hanWords(out, run[at[i]:at[i+l]])
		}
		i += l
	}
	return out
}

// hanWords appends every dictionary word of a Chinese run. The words are
// substrings of run: looking them up allocates nothing.
func (s *Space) hanWords(out []string, run string) []string {
	at := runeStarts(run)
	n := len(at) - 1
	for i := range n {
		for k := min(maxWordRunes, n-i); k >= 2; k-- {
			if w := run[at[i]:at[i+k]]; s.lex.IsWord(w) {
				out = append(out, w)
			}
		}
	}
	return out
}

// runeStarts returns the byte offsets of s's runes, and len(s) last.
func runeStarts(s string) []int {
	at := make([]int, 0, len(s)/3+1)
	for i := range s {
		at = append(at, i)
	}
	return append(at, len(s))
}

// Neighbours returns the document words nearest w in meaning, best first:
// w itself when the document uses it, then up to maxNeighbours words at
// cosine NearSim or more.
func (s *Space) Neighbours(w string) []Neighbour {
	if i, ok := s.index[w]; ok {
		return s.nbrs[i]
	}
	return s.search(w, s.place(w))
}

func (s *Space) search(w string, v []coord) []Neighbour {
	acc := map[int32]float64{}
	for _, c := range v {
		for _, at := range s.byCoord[c.key] {
			acc[at.word] += c.w * float64(at.w)
		}
	}
	// A translation is as near as the dictionary says, however many other
	// senses spread the two words' places: 创新 renders "innovation" at
	// 0.89, while its glosses also speak of new ideas and trails.
	for u, x := range s.translations(w) {
		if j, ok := s.index[u]; ok {
			acc[j] = math.Max(acc[j], x)
		}
	}
	// A misspelt word is near the document word it misspells.
	for j, x := range s.misspelt(w) {
		acc[j] = math.Max(acc[j], x)
	}
	var out []Neighbour
	for j, sim := range acc {
		if u := s.vocab[j]; u != w && sim >= NearSim {
			out = append(out, Neighbour{Word: u, Sim: math.Min(sim, 1)})
		}
	}
	slices.SortFunc(out, func(a, b Neighbour) int {
		if a.Sim != b.Sim {
			if a.Sim > b.Sim {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Word, b.Word)
	})
	if len(out) > maxNeighbours {
		out = out[:maxNeighbours]
	}
	if _, ok := s.index[w]; ok {
		out = append([]Neighbour{{Word: w, Sim: 1}}, out...)
	}
	return out
}

// Typo tolerance, as in a fuzzy query: a word of an alphabetic script the
// document does not use is near a document word within one edit (two for
// a long word), starting with the same letter, as most misspellings do.
const (
	oneEditSim  = 0.8
	twoEditsSim = 0.6
)

// misspelt returns the document words w may misspell, by index.
func (s *Space) misspelt(w string) map[int32]float64 {
	if _, ok := s.index[w]; ok || len(w) < 4 || w[0] >= utf8.RuneSelf {
		return nil
	}
	out := map[int32]float64{}
	for _, j := range s.byInitial[w[0]] {
		u := s.vocab[j]
		if d := len(u) - len(w); d > 2 || d < -2 {
			continue
		}
		switch d := editDistance(w, u, 2); {
		case d == 1:
			out[j] = oneEditSim
		case d == 2 && len(w) >= 6 && len(u) >= 6:
			out[j] = twoEditsSim
		}
	}
	return out
}

// editDistance is the Damerau–Levenshtein distance of two ASCII-ish words,
// or limit+1 once it is known to exceed limit.
func editDistance(a, b string, limit int) int {
	if a == b {
		return 0
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// translations returns the words w translates to, with their weights: an
// English stem's Chinese renderings, a Chinese word's one-word English
// glosses as stems.
func (s *Space) translations(w string) map[string]float64 {
	out := map[string]float64{}
	r, _ := utf8.DecodeRuneInString(w)
	if !analysis.IsHan(r) {
		for _, rd := range s.lex.Renderings(w) {
			out[rd.Gloss] = math.Max(out[rd.Gloss], float64(rd.Weight))
		}
		return out
	}
	for _, sn := range s.lex.Senses(w) {
		if strings.ContainsRune(sn.Gloss, ' ') {
			continue
		}
		if st, ok := analysis.EnglishStemmer.Term(sn.Gloss); ok {
			out[st] = math.Max(out[st], float64(sn.Weight))
		}
	}
	return out
}

// place puts a word in gloss space, as a unit vector of gloss stems.
func (s *Space) place(w string) []coord {
	r, _ := utf8.DecodeRuneInString(w)
	if !analysis.IsHan(r) {
		return s.placeEnglish(w)
	}
	return normalized(s.glossStems(w, 1, nil))
}

// glossStems adds the stems of the Chinese word zh's glosses to acc,
// weighted by scale, and returns acc.
func (s *Space) glossStems(zh string, scale float64, acc map[string]float64) map[string]float64 {
	if acc == nil {
		acc = map[string]float64{}
	}
	senses := s.lex.Senses(zh)
	if len(senses) > maxSenses {
		senses = senses[:maxSenses]
	}
	for _, sn := range senses {
		var stems []string
		for tok := range analysis.Tokens(sn.Gloss) {
			if tok.Kind != analysis.Word {
				continue
			}
			if st, ok := analysis.EnglishStemmer.Term(tok.Text); ok {
				stems = append(stems, st)
			}
		}
		// A phrase's words share its weight: "take unfair advantage" is
		// not three times as much a gloss as "advantage".
		for _, st := range stems {
			acc[st] += scale * float64(sn.Weight) / math.Sqrt(float64(len(stems)))
		}
	}
	return acc
}

// placeEnglish places a stem (or number) at itself and, less strongly, at
// the glosses of its Chinese renderings.
func (s *Space) placeEnglish(stem string) []coord {
	acc := map[string]float64{stem: 1}
	rs := s.lex.Renderings(stem)
	if len(rs) > 4 {
		rs = rs[:4]
	}
	pivot := map[string]float64{}
	for _, r := range rs {
		s.glossStems(r.Gloss, float64(r.Weight), pivot)
	}
	for _, c := range normalized(pivot) {
		acc[c.key] += pivotWeight * c.w
	}
	return normalized(acc)
}

func normalized(acc map[string]float64) []coord {
	var ss float64
	for _, x := range acc {
		ss += x * x
	}
	if ss == 0 {
		return nil
	}
	out := make([]coord, 0, len(acc))
	for k, x := range acc {
		out = append(out, coord{k, x / math.Sqrt(ss)})
	}
	slices.SortFunc(out, func(a, b coord) int { return strings.Compare(a.key, b.key) })
	return out
}

// DefaultDim is the vector size of the in-process embedder: large enough
// that a document's few thousand words rarely share a slot, small enough
// that 100,000 paragraphs fit in a few hundred megabytes.
const DefaultDim = 1024

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
