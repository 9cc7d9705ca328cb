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
	"sync/atomic"
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

// StemmedLexicon is a Lexicon that knows the Snowball stems of its
// glosses' words, so that a Space need not stem them (glossary.Glossary
// computes them when it is generated).
type StemmedLexicon interface {
	Lexicon
	// StemmedSenses returns Senses(zh), in order, each with the
	// analysis.EnglishStemmer stems of the words analysis.Tokens finds in
	// its gloss (stop words left out) and, when the gloss is one word
	// without a space, the stem of the whole gloss in Whole ("" for none).
	StemmedSenses(zh string) []StemmedSense
}

// StemmedSense is a Sense with the stems of its gloss.
type StemmedSense struct {
	Sense
	Stems []string
	Whole string
}

// sensesOf returns zh's senses with their stems, read once per word while
// the Space is fitted.
func (s *Space) sensesOf(zh string) []StemmedSense {
	if s.fitSenses != nil {
		if id, ok := s.index[zh]; ok && s.fitSenses[id] != nil {
			return s.fitSenses[id]
		}
	}
	return s.stemmedSenses(zh)
}

// stemmedSenses returns zh's senses with their stems, from the lexicon when
// it knows them, else stemmed here.
func (s *Space) stemmedSenses(zh string) []StemmedSense {
	if sl, ok := s.lex.(StemmedLexicon); ok {
		return sl.StemmedSenses(zh)
	}
	senses := s.lex.Senses(zh)
	out := make([]StemmedSense, len(senses))
	for i, sn := range senses {
		out[i].Sense = sn
		for tok := range analysis.Tokens(sn.Gloss) {
			if tok.Kind != analysis.Word {
				continue
			}
			if st, ok := analysis.EnglishStemmer.Term(tok.Text); ok {
				out[i].Stems = append(out[i].Stems, st)
			}
		}
		if !strings.ContainsRune(sn.Gloss, ' ') {
			out[i].Whole, _ = analysis.EnglishStemmer.Term(sn.Gloss)
		}
	}
	return out
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
	// sameSim is the cosine of two words placed alike: the same glosses,
	// one word written two ways.
	sameSim = 0.99
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
// A Space is immutable after NewSpace or FitFolded (but for a cache of the
// neighbours of words the document does not use) and safe for concurrent
// use.
type Space struct {
	lex   Lexicon
	dim   int
	n     int
	vocab []string // the document's words, in order of first use
	index map[string]int32
	// df, weight, bucket and sign are per vocabulary word: the texts using
	// it, its Weight, and the vector coordinate it is hashed to.
	df     []int32
	weight []float64
	bucket []int32
	sign   []bool
	// vecs are the vocabulary words' places in gloss space.
	vecs [][]coord
	// byCoord lists the vocabulary words at each gloss coordinate, for the
	// neighbour search.
	byCoord map[string][]wordAt
	// nbrs are the vocabulary words' neighbours, computed once, and nbrIDs
	// the same by vocabulary number, for the vectors.
	nbrs   [][]Neighbour
	nbrIDs [][]wordSim
	// fitted are the words of the texts NewSpace fitted the Space to (nil
	// for FitFolded, whose caller holds them in a Fit).
	fitted [][]int32
	// byInitial lists the vocabulary's words of alphabetic scripts by
	// first byte, for the typo search.
	byInitial map[byte][]int32
	// forms are the alphabetic words of the texts as written where their
	// stem differs, by first byte, for the typo search: a misspelt word
	// keeps its suffix from being stemmed ("notificatons" stems to itself),
	// so it is compared with "notifications", not with "notif".
	forms   map[byte][]form
	scratch sync.Pool // *scratch sized to the vocabulary
	// fitSenses are the vocabulary's Chinese words' senses while the Space
	// is fitted, nil after.
	fitSenses [][]StemmedSense
	oov       oovCache
	// paraphrasedBy lists, for an English stem, the document's English
	// words that paraphrase to it through a shared Chinese rendering
	// (bounty → 悬赏 "to offer a reward" → reward), so that the relation
	// is found from either side.
	paraphrasedBy map[string][]wordSim
	// fitParaphrases are the vocabulary's English words' paraphrases while
	// the Space is fitted, nil after.
	fitParaphrases []map[string]float64
}

// form is a word as written and its stem's vocabulary number.
type form struct {
	text string
	id   int32
}

type wordSim struct {
	id  int32
	sim float64
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
// texts of one document. The Space keeps the texts' words, for Fitted and
// FittedWords; FitFolded leaves them to its caller.
func NewSpace(lex Lexicon, texts []string, dim int) *Space {
	folded := make([]string, len(texts))
	for i, t := range texts {
		folded[i] = analysis.Fold(t)
	}
	s, fit := FitFolded(lex, folded, dim)
	s.fitted = fit.ids
	return s
}

// Fit holds the words of the texts a Space was fitted to, by vocabulary
// number: what an index over the same texts is built from. The Space does
// not keep them, so they are garbage once the caller has built its index
// (at 100,000 paragraphs they are 47 MB).
type Fit struct {
	s   *Space
	ids [][]int32
}

// FitFolded fits a Space of dim dimensions (DefaultDim if dim <= 0) to the
// texts of one document, already folded (analysis.Fold), and returns it
// with the texts' words.
//
// The texts are split into words on every core, and the vocabulary's places
// and neighbours are computed on every core: on the 2-core machine this
// halves the 100,000-paragraph build. The result does not depend on the
// number of cores: words are numbered in text order.
func FitFolded(lex Lexicon, folded []string, dim int) (*Space, *Fit) {
	if dim <= 0 {
		dim = DefaultDim
	}
	s := &Space{lex: lex, dim: dim, n: len(folded), index: map[string]int32{}}
	// The fitted texts are kept as word numbers: their vectors and a
	// caller's postings come from them without reading the texts again.
	// Words are numbered as they first appear. The texts are split a block
	// at a time, so that only a block's words are ever held as strings.
	fit := &Fit{s: s, ids: make([][]int32, len(folded))}
	var last []int32 // per word: the last text that counted it, plus one
	const block = 4096
	words := make([][]string, min(block, len(folded)))
	written := make([][]string, len(words))
	forms := map[string]int32{}
	for from := 0; from < len(folded); from += block {
		to := min(from+block, len(folded))
		parallel(to-from, func(i int) {
			words[i], written[i] = s.appendWordsAsWritten(words[i][:0], written[i][:0], folded[from+i])
		})
		for i := from; i < to; i++ {
			ws := words[i-from]
			wr := written[i-from]
			ids := make([]int32, len(ws))
			for j, w := range ws {
				id, ok := s.index[w]
				if !ok {
					w = strings.Clone(w) // do not keep the whole text alive
					id = int32(len(s.vocab))
					s.index[w] = id
					s.vocab = append(s.vocab, w)
					s.df = append(s.df, 0)
					last = append(last, 0)
				}
				if last[id] != int32(i+1) {
					last[id] = int32(i + 1)
					s.df[id]++
				}
				if f := wr[j]; f != "" {
					if _, ok := forms[f]; !ok {
						forms[strings.Clone(f)] = id
					}
				}
				ids[j] = id
			}
			fit.ids[i] = ids
		}
	}
	s.forms = map[byte][]form{}
	for f, id := range forms {
		s.forms[f[0]] = append(s.forms[f[0]], form{f, id})
	}
	for _, fs := range s.forms {
		slices.SortFunc(fs, func(a, b form) int { return strings.Compare(a.text, b.text) })
	}
	s.byInitial = map[byte][]int32{}
	s.weight = make([]float64, len(s.vocab))
	s.bucket = make([]int32, len(s.vocab))
	s.sign = make([]bool, len(s.vocab))
	for i, w := range s.vocab {
		if w[0] < utf8.RuneSelf {
			s.byInitial[w[0]] = append(s.byInitial[w[0]], int32(i))
		}
		s.weight[i] = s.Weight(w)
		s.bucket[i], s.sign[i] = s.hash(w)
	}
	s.scratch.New = func() any { return &scratch{acc: make([]float64, len(s.vocab))} }
	s.vecs = make([][]coord, len(s.vocab))
	// A Chinese word's senses are read to place it and again to translate
	// it in the neighbour search; they are read once, for the fit.
	s.fitSenses = make([][]StemmedSense, len(s.vocab))
	// Placing a word reads other words' senses, so every word's senses are
	// read before any is placed.
	parallel(len(s.vocab), func(i int) {
		if r, _ := utf8.DecodeRuneInString(s.vocab[i]); analysis.IsHan(r) {
			s.fitSenses[i] = s.stemmedSenses(s.vocab[i])
		}
	})
	// An English word's paraphrases come from the renderings that place
	// it: they are found in the same pass, kept to list the words each
	// stem is paraphrased by and for the word's own neighbours.
	s.fitParaphrases = make([]map[string]float64, len(s.vocab))
	parallel(len(s.vocab), func(i int) { s.vecs[i], s.fitParaphrases[i] = s.place(s.vocab[i]) })
	s.paraphrasedBy = map[string][]wordSim{}
	for i, ps := range s.fitParaphrases {
		for st, x := range ps {
			s.paraphrasedBy[st] = append(s.paraphrasedBy[st], wordSim{int32(i), x})
		}
	}
	s.byCoord = map[string][]wordAt{}
	for i := range s.vocab {
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
	s.nbrIDs = make([][]wordSim, len(s.vocab))
	parallel(len(s.vocab), func(i int) {
		s.nbrs[i] = s.search(s.vocab[i], s.vecs[i], s.fitParaphrases[i])
		s.nbrIDs[i] = s.ids(s.nbrs[i])
	})
	s.fitSenses, s.fitParaphrases = nil, nil
	return s, fit
}

// parallel calls f(i) for i in [0, n) on every core.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				// Chunks of 64 keep the counter off the hot path.
				from := int(next.Add(64)) - 64
				if from >= n {
					return
				}
				for i := from; i < min(from+64, n); i++ {
					f(i)
				}
			}
		}()
	}
	wg.Wait()
}

// ids numbers neighbours by vocabulary; every neighbour is a document word.
func (s *Space) ids(nbs []Neighbour) []wordSim {
	out := make([]wordSim, len(nbs))
	for i, nb := range nbs {
		out[i] = wordSim{s.index[nb.Word], nb.Sim}
	}
	return out
}

// Space returns the Space the texts were fitted to.
func (f *Fit) Space() *Space { return f.s }

// Len is the number of fitted texts.
func (f *Fit) Len() int { return len(f.ids) }

// Words calls fn with the distinct words of fitted text i, in order of
// first use; words is reused after fn returns.
func (f *Fit) Words(i int, fn func(words []string)) {
	sc := f.s.getScratch()
	defer f.s.scratch.Put(sc)
	ws := sc.strs[:0]
	for _, id := range f.ids[i] {
		if sc.acc[id] == 0 {
			sc.acc[id] = 1
			ws = append(ws, f.s.vocab[id])
		}
	}
	for _, id := range f.ids[i] {
		sc.acc[id] = 0
	}
	fn(ws)
	clear(ws)
	sc.strs = ws
}

// EachVector calls fn with the vector of every fitted text, as Embed would
// make it, on every core: fn must be safe for concurrent use, and v is
// reused after fn returns.
func (f *Fit) EachVector(fn func(text int, v []float32)) {
	var pool sync.Pool
	parallel(len(f.ids), func(i int) {
		v, _ := pool.Get().(*[]float32)
		if v == nil {
			x := make([]float32, f.s.dim)
			v = &x
		}
		f.s.fittedVector(f.ids[i], *v)
		fn(i, *v)
		pool.Put(v)
	})
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

// Fitted returns the vectors of the texts NewSpace fitted the Space to, as
// Embed would, without reading them again; none for a Space from FitFolded
// (its Fit has them).
func (s *Space) Fitted() [][]float32 {
	out := make([][]float32, len(s.fitted))
	parallel(len(s.fitted), func(i int) {
		out[i] = make([]float32, s.dim)
		s.fittedVector(s.fitted[i], out[i])
	})
	return out
}

// FittedWords calls f with the distinct words of each text NewSpace fitted
// the Space to, in order: the postings of an index over the same texts.
func (s *Space) FittedWords(f func(text int, words []string)) {
	fit := &Fit{s: s, ids: s.fitted}
	for i := range s.fitted {
		fit.Words(i, func(ws []string) { f(i, slices.Clone(ws)) })
	}
}

// Vector embeds folded text.
func (s *Space) Vector(folded string) []float32 {
	v := make([]float32, s.dim)
	var ws []termCount
	at := map[string]int{}
	for _, w := range s.Words(folded) {
		if j, ok := at[w]; ok {
			ws[j].n++
			continue
		}
		at[w] = len(ws)
		id, ok := s.index[w]
		if !ok {
			id = -1
		}
		ws = append(ws, termCount{id: id, word: w, n: 1})
	}
	s.vector(ws, v)
	return v
}

// termCount is a distinct word of a text and how often the text uses it;
// id is its vocabulary number, -1 for a word the document does not use.
type termCount struct {
	id   int32
	word string
	n    int
}

// scratch is what computing one vector needs, per goroutine: an
// accumulator by vocabulary number (zero between uses) and its touched
// entries.
type scratch struct {
	acc     []float64
	touched []int32
	words   []termCount
	strs    []string
}

func (s *Space) getScratch() *scratch { return s.scratch.Get().(*scratch) }

// fittedVector writes the vector of a fitted text, given by its word
// numbers, into v.
func (s *Space) fittedVector(ids []int32, v []float32) {
	sc := s.getScratch()
	defer s.scratch.Put(sc)
	ws := sc.words[:0]
	// acc counts the words first (as negative numbers, so that a count is
	// never mistaken for a first sight), then is cleared for vector.
	for _, id := range ids {
		if sc.acc[id] == 0 {
			ws = append(ws, termCount{id: id})
		}
		sc.acc[id]--
	}
	for i := range ws {
		ws[i].n = int(-sc.acc[ws[i].id])
		sc.acc[ws[i].id] = 0
	}
	sc.words = ws
	s.vectorWith(ws, v, sc)
}

func (s *Space) vector(ws []termCount, v []float32) {
	sc := s.getScratch()
	defer s.scratch.Put(sc)
	s.vectorWith(ws, v, sc)
}

// vectorWith writes the vector of a text's distinct words into v: each
// word's expansion to its neighbours, weighted by sublinear frequency and
// weight, summed per document word in the order the words come, hashed
// into signed buckets in the order the document words were first reached,
// and normalised. A fitted text and the same text embedded afresh come out
// identical, because both take this one path in the same order.
func (s *Space) vectorWith(ws []termCount, v []float32, sc *scratch) {
	clear(v)
	touched := sc.touched[:0]
	for _, t := range ws {
		var w float64
		var nbs []wordSim
		if t.id >= 0 {
			w, nbs = s.weight[t.id], s.nbrIDs[t.id]
		} else {
			w, nbs = s.Weight(t.word), s.ids(s.Neighbours(t.word))
		}
		a := (1 + math.Log(float64(t.n))) * w
		for _, nb := range nbs {
			if sc.acc[nb.id] == 0 {
				touched = append(touched, nb.id)
			}
			sc.acc[nb.id] += a * nb.sim
		}
	}
	for _, id := range touched {
		x := sc.acc[id]
		sc.acc[id] = 0
		// The sign bit spreads colliding words around zero instead of
		// piling them up, so collisions cancel out on average.
		if s.sign[id] {
			x = -x
		}
		v[s.bucket[id]] += float32(x)
	}
	sc.touched = touched
	normalize(v)
}

// hash places word w at a signed coordinate of the vectors.
func (s *Space) hash(w string) (bucket int32, negative bool) {
	h := fnv.New64a()
	h.Write([]byte(w))
	sum := h.Sum64()
	return int32(sum % uint64(s.dim)), sum>>63 == 1
}

// Weight is how specific word w is to a part of the document: its inverse
// document frequency, and that of the rarest word for a word the document
// never uses, which is the most specific part of a question.
func (s *Space) Weight(w string) float64 {
	var d int32
	if id, ok := s.index[w]; ok {
		d = s.df[id]
	}
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

// MatchWeight is the weight of a question word in a match with the
// document's paragraphs: its Weight, but for a Chinese word the document
// does not use and writes another way, with the same glosses (抽烟 for 吸烟,
// both "to smoke"), which is as specific as the document's word is: no
// rare word on a document that says 吸烟 in every other paragraph. Weight
// keeps such a word heavy, for it is what the question is about; here it
// would let every paragraph that meets it outrank the one that meets the
// question's truly rare word (电梯 "elevator").
func (s *Space) MatchWeight(w string) float64 {
	if r, _ := utf8.DecodeRuneInString(w); s.Has(w) || !analysis.IsHan(r) {
		return s.Weight(w)
	}
	var d int
	for _, nb := range s.Neighbours(w) {
		if nb.Sim >= sameSim {
			d = max(d, s.DF(nb.Word))
		}
	}
	if d == 0 {
		return s.Weight(w)
	}
	return math.Log(float64(s.n+1) / (float64(d) + 0.5))
}

// DF is the number of fitted texts that use word w.
func (s *Space) DF(w string) int {
	if id, ok := s.index[w]; ok {
		return int(s.df[id])
	}
	return 0
}

// Has reports whether the document uses word w.
func (s *Space) Has(w string) bool { return s.DF(w) > 0 }

// Words splits folded text into the words a Space places: the dictionary
// words of its Chinese runs (every one found, overlapping, so a wrong cut
// costs nothing and a compound brings its parts: 民营企业, 民营, 企业), the
// Snowball stems of its alphabetic words without stop words, and its
// numbers.
func (s *Space) Words(folded string) []string {
	// About one word every two characters of Chinese text.
	return s.appendWords(make([]string, 0, len(folded)/6+1), folded)
}

// appendWords appends the words of folded text to out, as Words splits it.
func (s *Space) appendWords(out []string, folded string) []string {
	out, _ = s.splitWords(out, nil, folded, false, false)
	return out
}

// appendWordsAsWritten is appendWords that also appends to written, for
// each word, the alphabetic word as written when its stem differs, else "".
func (s *Space) appendWordsAsWritten(out, written []string, folded string) ([]string, []string) {
	return s.splitWords(out, written, folded, true, false)
}

// splitWords appends the words of folded text to out: a Chinese run's
// every dictionary word, or with segment its words as Segment reads them;
// alphabetic words as stems; numbers as they are. With keepWritten it also
// appends to written what appendWordsAsWritten says.
func (s *Space) splitWords(out, written []string, folded string, keepWritten, segment bool) ([]string, []string) {
	var st analysis.Stemmer
	for tok := range analysis.Tokens(folded) {
		switch tok.Kind {
		case analysis.HanRun:
			if segment {
				out = s.segmentHan(out, tok.Text)
			} else {
				out = s.hanWords(out, tok.Text)
			}
		case analysis.Word:
			// One letter means nothing on its own ("r u sure", "(a)").
			if len(tok.Text) == 1 {
				continue
			}
			if st == nil {
				st = analysis.StemmerFor(folded)
			}
			if t, ok := st.Term(tok.Text); ok {
				out = append(out, t)
				if keepWritten && t != tok.Text && len(tok.Text) >= minTypoLen {
					written = append(written, tok.Text)
				}
			}
		case analysis.Number:
			out = append(out, tok.Text)
		}
		for keepWritten && len(written) < len(out) {
			written = append(written, "")
		}
	}
	return out, written
}

// Segment splits folded text into words the way a question is read: the
// longest dictionary word at each point of a Chinese run (forward maximum
// matching) together with the dictionary words inside it, so 普通人 brings
// 普通 but no 通人 and 外面带进来 no 面带: words across a boundary are
// accidents that would count as things the question asks about. Other
// scripts are split as by Words.
func (s *Space) Segment(folded string) []string {
	out, _ := s.splitWords(nil, nil, folded, false, true)
	return out
}

func (s *Space) segmentHan(out []string, run string) []string {
	for i := 0; i < len(run); {
		ends, n := wordEnds(run, i)
		l := ends[0]
		for k := n; k >= 2; k-- {
			if s.lex.IsWord(run[i:ends[k-1]]) {
				l = ends[k-1]
				break
			}
		}
		if l > ends[0] {
			out = s.hanWords(out, run[i:l])
		}
		i = l
	}
	return out
}

// hanWords appends every dictionary word of a Chinese run. The words are
// substrings of run: looking them up allocates nothing.
func (s *Space) hanWords(out []string, run string) []string {
	for i := 0; i < len(run); {
		ends, n := wordEnds(run, i)
		for k := n; k >= 2; k-- {
			if w := run[i:ends[k-1]]; s.lex.IsWord(w) {
				out = append(out, w)
			}
		}
		i = ends[0]
	}
	return out
}

// wordEnds returns where the first 1..maxWordRunes characters of s from
// byte i end (ends[k-1] after k characters), and how many there are.
func wordEnds(s string, i int) (ends [maxWordRunes]int, n int) {
	for e := i; n < maxWordRunes && e < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[e:])
		e += size
		ends[n] = e
	}
	return ends, n
}

// Neighbours returns the document words nearest w in meaning, best first:
// w itself when the document uses it, then up to maxNeighbours words at
// cosine NearSim or more.
func (s *Space) Neighbours(w string) []Neighbour {
	if i, ok := s.index[w]; ok {
		return s.nbrs[i]
	}
	return s.oov.get(w, func() []Neighbour {
		v, paras := s.place(w)
		return s.search(w, v, paras)
	})
}

// oovCache remembers the neighbours of words the document does not use: a
// question reads each of its words' neighbours five or six times (its
// terms, its vector, the judgement), and finding them is a search of the
// vocabulary, most of an English question's time on the declaration. It
// is cleared when full.
type oovCache struct {
	mu sync.Mutex
	m  map[string][]Neighbour
}

const oovCacheSize = 4096

func (c *oovCache) get(w string, find func() []Neighbour) []Neighbour {
	c.mu.Lock()
	nbs, ok := c.m[w]
	c.mu.Unlock()
	if ok {
		return nbs
	}
	nbs = find()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= oovCacheSize {
		c.m = make(map[string][]Neighbour)
	}
	c.m[strings.Clone(w)] = nbs
	return nbs
}

// search finds the document words near w, placed at v, with paras its
// paraphrases (nil for a Chinese word).
func (s *Space) search(w string, v []coord, paras map[string]float64) []Neighbour {
	sc := s.getScratch()
	defer s.scratch.Put(sc)
	acc, touched := sc.acc, sc.touched[:0]
	// Every contribution is positive, so a word is new while its sum is 0.
	add := func(j int32, x float64, keepMax bool) {
		if acc[j] == 0 {
			touched = append(touched, j)
		}
		if keepMax {
			acc[j] = math.Max(acc[j], x)
		} else {
			acc[j] += x
		}
	}
	for _, c := range v {
		for _, at := range s.byCoord[c.key] {
			add(at.word, c.w*float64(at.w), false)
		}
	}
	// A translation is as near as the dictionary says, however many other
	// senses spread the two words' places: 创新 renders "innovation" at
	// 0.89, while its glosses also speak of new ideas and trails.
	for u, x := range s.translations(w) {
		if j, ok := s.index[u]; ok {
			add(j, x, true)
		}
	}
	for u, x := range paras {
		if j, ok := s.index[u]; ok {
			add(j, x, true)
		}
	}
	if w != "" && w[0] < utf8.RuneSelf {
		for _, p := range s.paraphrasedBy[w] {
			add(p.id, p.sim, true)
		}
	}
	// A misspelt word is near the document word it misspells.
	for j, x := range s.misspelt(w) {
		add(j, x, true)
	}
	// The word itself leads when the document uses it.
	_, own := s.index[w]
	var out []Neighbour
	if own {
		out = append(out, Neighbour{Word: w, Sim: 1})
	}
	for _, j := range touched {
		if u, sim := s.vocab[j], acc[j]; u != w && sim >= NearSim {
			out = append(out, Neighbour{Word: u, Sim: math.Min(sim, 1)})
		}
		acc[j] = 0
	}
	sc.touched = touched
	rest := out
	if own {
		rest = out[1:]
	}
	slices.SortFunc(rest, func(a, b Neighbour) int {
		if a.Sim != b.Sim {
			if a.Sim > b.Sim {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Word, b.Word)
	})
	if len(rest) > maxNeighbours {
		out = out[:len(out)-len(rest)+maxNeighbours]
	}
	return slices.Clip(out)
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
	if _, ok := s.index[w]; ok || len(w) < minTypoLen || w[0] >= utf8.RuneSelf {
		return nil
	}
	out := map[int32]float64{}
	near := func(j int32, u string) {
		if d := len(u) - len(w); d > 2 || d < -2 {
			return
		}
		sim := 0.0
		switch d := editDistance(w, u, 2); {
		case d == 1:
			sim = oneEditSim
		case d == 2 && len(w) >= 6 && len(u) >= 6:
			sim = twoEditsSim
		}
		out[j] = math.Max(out[j], sim)
		if out[j] == 0 {
			delete(out, j)
		}
	}
	for _, j := range s.byInitial[w[0]] {
		near(j, s.vocab[j])
	}
	for _, f := range s.forms[w[0]] {
		near(f.id, f.text)
	}
	return out
}

// minTypoLen is the shortest word the typo search corrects: shorter ones
// are within an edit of too many words.
const minTypoLen = 4

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
	for _, sn := range s.sensesOf(w) {
		if st := sn.Whole; st != "" {
			out[st] = math.Max(out[st], float64(sn.Weight))
		}
	}
	return out
}

// paraphraseWeight discounts a paraphrase found by pivoting, as
// pivotWeight discounts the pivot's share of an English word's place.
const paraphraseWeight = pivotWeight

// place puts a word in gloss space, as a unit vector of gloss stems, and
// returns, for an English word, its paraphrases.
func (s *Space) place(w string) ([]coord, map[string]float64) {
	r, _ := utf8.DecodeRuneInString(w)
	if !analysis.IsHan(r) {
		return s.placeEnglish(w)
	}
	return normalized(s.glossStems(w, 1, nil, nil)), nil
}

// glossStems adds the stems of the Chinese word zh's glosses to acc,
// weighted by scale, and returns acc; most, if not nil, keeps each stem's
// largest single contribution.
func (s *Space) glossStems(zh string, scale float64, acc, most map[string]float64) map[string]float64 {
	if acc == nil {
		acc = map[string]float64{}
	}
	senses := s.sensesOf(zh)
	if len(senses) > maxSenses {
		senses = senses[:maxSenses]
	}
	for _, sn := range senses {
		stems := sn.Stems
		// A phrase's words share its weight: "take unfair advantage" is
		// not three times as much a gloss as "advantage".
		for _, st := range stems {
			x := scale * float64(sn.Weight) / math.Sqrt(float64(len(stems)))
			acc[st] += x
			if most != nil {
				most[st] = math.Max(most[st], x)
			}
		}
	}
	return acc
}

// placeEnglish places a stem (or number) at itself and, less strongly, at
// the glosses of its Chinese renderings. Those glosses are also its
// paraphrases, as bilingual pivoting finds them (Bannard and
// Callison-Burch, 2005), each as near as both translations are good: the
// cosine of two places cannot say so, for an English word's own stem
// outweighs its pivot.
func (s *Space) placeEnglish(stem string) ([]coord, map[string]float64) {
	acc := map[string]float64{stem: 1}
	rs := s.lex.Renderings(stem)
	if len(rs) > 4 {
		rs = rs[:4]
	}
	pivot := map[string]float64{}
	paras := map[string]float64{}
	for _, r := range rs {
		s.glossStems(r.Gloss, float64(r.Weight), pivot, paras)
	}
	for _, c := range normalized(pivot) {
		acc[c.key] += pivotWeight * c.w
	}
	delete(paras, stem)
	for st, x := range paras {
		paras[st] = paraphraseWeight * x
	}
	return normalized(acc), paras
}

// normalized returns acc as a unit vector of coordinates in key order. The
// squares are summed in that order too: a sum in map order differs in its
// last bits from run to run, and a fitted space is compared byte for byte
// with the one the program ships.
func normalized(acc map[string]float64) []coord {
	out := make([]coord, 0, len(acc))
	for k, x := range acc {
		out = append(out, coord{k, x})
	}
	slices.SortFunc(out, func(a, b coord) int { return strings.Compare(a.key, b.key) })
	var ss float64
	for _, c := range out {
		ss += c.w * c.w
	}
	if ss == 0 {
		return nil
	}
	for i := range out {
		out[i].w /= math.Sqrt(ss)
	}
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
