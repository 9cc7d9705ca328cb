// Package retrieval finds the paragraphs of a document that answer a
// question, and judges whether they do. An immutable Index fuses three
// rankings: BM25 over the document's terms (Chinese characters and pairs,
// stemmed words of alphabetic scripts), a vector search (chromem-go) and a
// late-interaction match in which each word of the question meets the
// document word nearest it in meaning. It also resolves questions that name
// a section. A Library serves one Index at a time and swaps in a new one
// atomically.
package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/embeddings"
	"github.com/citebot/citebot/internal/lazyre"
)

// Embedder turns texts into L2-normalised vectors of one fixed length.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// EmbedderFunc builds the embedder for a document. A network embedder
// returns the same one every time; nil means the in-process one, which
// Build fits to the document (see LocalEmbedder).
type EmbedderFunc func(ctx context.Context, doc *corpus.Document) (Embedder, error)

// LocalEmbedder is the EmbedderFunc of the in-process embedder: the
// document's own meaning space (embeddings.Space), which Build fits.
func LocalEmbedder(context.Context, *corpus.Document) (Embedder, error) { return nil, nil }

// Hit is one retrieved paragraph with its score.
type Hit struct {
	Paragraph corpus.Paragraph
	// Score is the relevance in [0,1], relative to the best hit; 1 for
	// paragraphs of a section named in the question.
	Score float64
}

// Index is an immutable search index over one document. It is safe for
// concurrent use.
type Index struct {
	doc   *corpus.Document
	lang  analysis.Language // the document's main language
	emb   Embedder
	vecs  *vectors
	lex   *lexical
	space *embeddings.Space
	means *meaning
	// texts are the paragraphs' passages (section title and text), folded,
	// up to the exhaustive limit; above it, text folds a passage again
	// when the judgement reads it, rather than keep a second copy of a
	// large document (74 MiB at 100,000 paragraphs).
	texts      []string
	lexicon    Lexicon
	exhaustive int // see exhaustiveLimit
	facts      factCache
	scratch    scratchPool
	// named are the alphabetic words of the document's title, and names
	// those that name it on their own, its initialisms and its name: a
	// question that names the document ("under the Apache License", "the
	// MPL") asks about the rest of its words (see naming).
	named, names map[string]bool
	// expand maps the initialisms of the document's capitalised phrases
	// to the phrases (see expansions).
	expand map[string]string
}

// Options tune how an Index is built.
type Options struct {
	// Lexicon places words in the space of meaning and translates English
	// questions for a Chinese document; nil means none (only the
	// document's own words match).
	Lexicon Lexicon
	// MaxParagraphs is the most paragraphs a document may have; a larger
	// one is refused with a *TooLargeError before anything is built (or
	// embedded). 0 means DefaultMaxParagraphs, a negative number no limit.
	MaxParagraphs int

	// exhaustive overrides exhaustiveLimit, for tests.
	exhaustive int
	// fitAlways fits the meaning space even to the embedded declaration,
	// whose fitted space ships (see fitSpace), for tests.
	fitAlways bool
}

// DefaultMaxParagraphs is the paragraph limit of a zero Options: the size
// the performance targets are set for. At 100,000 paragraphs the index
// holds 2.9 KB a paragraph (281 MiB) and builds in 6.5 s on the 2-core
// machine; at 1,000,000 it held 2.7 GiB, built in 100 s with the process at
// 9 GB of RSS at its peak, and answered in 31 ms (p50). The declaration has
// 174 paragraphs, a long book some tens of thousands.
const DefaultMaxParagraphs = 100_000

// ErrTooLarge is what a *TooLargeError is: errors.Is(err, ErrTooLarge)
// tells a document refused for its size.
var ErrTooLarge = errors.New("document too large")

// TooLargeError refuses a document with more paragraphs than the limit.
type TooLargeError struct {
	Paragraphs, Limit int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("document too large: %d paragraphs, the limit is %d", e.Paragraphs, e.Limit)
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// maxParagraphs is the limit Options set: 0 for none.
func (o Options) maxParagraphs() int {
	switch {
	case o.MaxParagraphs == 0:
		return DefaultMaxParagraphs
	case o.MaxParagraphs < 0:
		return 0
	}
	return o.MaxParagraphs
}

// checkSize refuses a document over the limit.
func (o Options) checkSize(doc *corpus.Document) error {
	if limit := o.maxParagraphs(); limit > 0 && len(doc.Paragraphs) > limit {
		return &TooLargeError{Paragraphs: len(doc.Paragraphs), Limit: limit}
	}
	return nil
}

// Build indexes doc. emb embeds the paragraphs for the vector search; nil
// means the in-process meaning space fitted to doc. A document with more
// paragraphs than opt allows is refused with a *TooLargeError.
func Build(ctx context.Context, doc *corpus.Document, emb Embedder, opt Options) (*Index, error) {
	if doc == nil || len(doc.Paragraphs) == 0 {
		return nil, errors.New("build index: document has no paragraphs")
	}
	if err := opt.checkSize(doc); err != nil {
		return nil, fmt.Errorf("build index of %s: %w", doc.Name, err)
	}
	lexicon := opt.Lexicon
	if lexicon == nil {
		lexicon = noLexicon{}
	}
	exhaustive := exhaustiveLimit
	if opt.exhaustive != 0 {
		exhaustive = max(opt.exhaustive, 0)
	}
	n := len(doc.Paragraphs)
	texts, titles, folded, shown := foldPassages(doc)
	// The lexical index needs nothing of the meaning space: it is built
	// beside it, on the core the space's sequential steps leave idle.
	lexDone := make(chan *lexical, 1)
	go func() { lexDone <- newLexical(folded, titles) }()
	space, fit := fitSpace(lexicon, texts, opt.fitAlways)
	var rows [][]float32
	if emb == nil {
		emb = space
		rows = fittedRows(fit, n > exhaustive)
	} else {
		passages := make([]string, n)
		for i, p := range doc.Paragraphs {
			passages[i] = passage(p)
		}
		var err error
		if rows, err = emb.Embed(ctx, passages); err != nil {
			return nil, fmt.Errorf("build index of %s: embed paragraphs: %w", doc.Name, err)
		}
		if len(rows) != n {
			return nil, fmt.Errorf("build index of %s: embedder returned %d vectors for %d paragraphs", doc.Name, len(rows), n)
		}
	}
	var vecs *vectors
	var err error
	if n > exhaustive {
		vecs, err = newQuantisedVectors(rows, fit, emb == Embedder(space))
	} else {
		vecs, err = newDenseVectors(ctx, doc, rows)
	}
	lex := <-lexDone
	if err != nil {
		return nil, fmt.Errorf("build index of %s: %w", doc.Name, err)
	}
	ix := &Index{
		doc: doc, lang: documentLanguage(doc), emb: emb, vecs: vecs, lex: lex,
		space: space, means: newMeaning(fit), texts: shown,
		lexicon: lexicon, exhaustive: exhaustive,
	}
	if n > exhaustive {
		ix.texts = nil
	}
	ix.named, ix.names = ix.titleWords()
	if !ix.lang.Chinese() {
		ix.expand = expansions(doc)
	}
	ix.scratch.n = n
	return ix, nil
}

// foldPassages folds the paragraphs' passages (section title and text)
// and, apart, their titles and texts, as they are indexed: a Markdown
// link's target is left out, for a reader sees "[HackerOne]", not the URL
// behind it. shown are the passages with their targets, which the
// judgement reads for addresses. Folding is per character, so a passage
// folds to its folded title and text joined; each is folded once.
func foldPassages(doc *corpus.Document) (texts, titles, folded, shown []string) {
	n := len(doc.Paragraphs)
	texts, titles, folded, shown = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	parallel(n, func(i int) {
		p := doc.Paragraphs[i]
		folded[i] = analysis.Fold(p.Text)
		titles[i] = analysis.Fold(p.Section)
		shown[i] = titles[i] + "\n" + folded[i]
		if strings.Contains(folded[i], "](") {
			folded[i] = linkTarget.ReplaceAllString(folded[i], "]")
		}
		texts[i] = titles[i] + "\n" + folded[i]
	})
	return texts, titles, folded, shown
}

// linkTarget is the target of a Markdown inline link, after its text.
var linkTarget = lazyre.New(`\]\([^()\s]+\)`)

// fittedRows returns the in-process vectors of the fitted texts: float32
// rows of one array, or, when they are to be quantised, nil (the quantised
// rows are made from the fit directly).
func fittedRows(fit *embeddings.Fit, quantised bool) [][]float32 {
	if quantised {
		return nil
	}
	dim := fit.Space().Dim()
	flat := make([]float32, fit.Len()*dim)
	rows := make([][]float32, fit.Len())
	for i := range rows {
		rows[i] = flat[i*dim : (i+1)*dim : (i+1)*dim]
	}
	fit.EachVector(func(i int, v []float32) { copy(rows[i], v) })
	return rows
}

// newQuantisedVectors quantises rows, or, for the in-process embedder, the
// fitted texts' vectors as they are made, never holding them as float32.
// The in-process vectors are sparse and keep their non-zero coordinates; an
// embedding model's are dense (every coordinate is non-zero) and keep a
// byte for each, without coordinate numbers.
func newQuantisedVectors(rows [][]float32, fit *embeddings.Fit, local bool) (*vectors, error) {
	n := fit.Len()
	v := &vectors{scale: make([]float32, n)}
	if !local {
		v.dim = len(rows[0])
		v.val = make([]int8, n*v.dim)
		for i, r := range rows {
			if len(r) != v.dim {
				return nil, fmt.Errorf("paragraph %d has %d dimensions, paragraph 0 %d", i, len(r), v.dim)
			}
		}
		parallel(n, func(i int) {
			normalizeLikeChromem(rows[i])
			v.scale[i] = quantiseDense(rows[i], v.val[i*v.dim:(i+1)*v.dim])
		})
		return v, nil
	}
	v.dim = fit.Space().Dim()
	if v.dim > math.MaxUint16+1 {
		return nil, fmt.Errorf("vectors of %d dimensions cannot be quantised", v.dim)
	}
	type qrow struct {
		idx []uint16
		val []int8
	}
	q := make([]qrow, n)
	fit.EachVector(func(i int, x []float32) {
		var r qrow
		r.idx, r.val, v.scale[i] = quantise(x, nil, nil)
		q[i] = r
	})
	v.start = make([]uint32, n+1)
	for i, r := range q {
		v.start[i+1] = v.start[i] + uint32(len(r.idx))
	}
	v.idx = make([]uint16, 0, v.start[n])
	v.val = make([]int8, 0, v.start[n])
	for i := range q {
		v.idx = append(v.idx, q[i].idx...)
		v.val = append(v.val, q[i].val...)
		q[i] = qrow{}
	}
	return v, nil
}

// parallel calls f(i) for i in [0, n) on every core.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// text is paragraph i's passage, folded.
func (ix *Index) text(i int) string {
	if ix.texts != nil {
		return ix.texts[i]
	}
	p := ix.doc.Paragraphs[i]
	return analysis.Fold(p.Section) + "\n" + analysis.Fold(p.Text)
}

// passage is the text embedded for a paragraph: its section path, which says
// what the paragraph is about, and its text.
func passage(p corpus.Paragraph) string { return p.Section + "\n" + p.Text }

// documentLanguage is the language most of the document's text is in.
func documentLanguage(doc *corpus.Document) analysis.Language {
	size := map[analysis.Language]int{}
	for _, p := range doc.Paragraphs {
		size[analysis.Detect(p.Text)] += len(p.Text)
	}
	best := analysis.Simplified
	for _, l := range []analysis.Language{analysis.Traditional, analysis.English} {
		if size[l] > size[best] {
			best = l
		}
	}
	return best
}

// Document is the document this index serves.
func (ix *Index) Document() *corpus.Document { return ix.doc }

// Language is the language most of the document is written in: replies to
// a question without letters (an emoji, a label) use it.
func (ix *Index) Language() analysis.Language { return ix.lang }
