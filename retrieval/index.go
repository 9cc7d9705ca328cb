// Package retrieval finds the paragraphs of a document that answer a
// question: an immutable Index runs a vector search (chromem-go) and a lexical
// BM25 search over the same folded terms and fuses the two rankings; it also
// resolves questions that name a section, and decides whether the document
// answers the question at all. A Library serves one Index at a time and swaps
// in a new one atomically.
package retrieval

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"time"

	chromem "github.com/philippgille/chromem-go"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/embeddings"
	"github.com/citebot/citebot/glossary"
)

// Embedder turns texts into L2-normalised vectors of one fixed length.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// EmbedderFunc builds the embedder for a document. The in-process embedder
// weighs terms by what the document says about them, so each document gets
// its own; a network embedder returns the same one every time.
type EmbedderFunc func(ctx context.Context, doc *corpus.Document) (Embedder, error)

// Translator proposes Chinese search terms for a question in another language.
type Translator interface {
	Translate(question string, known func(term string) bool) []Term
}

// Term is a weighted search term proposed by a Translator.
type Term struct {
	Text   string
	Weight float64
}

// GlossaryTranslator is the Translator over a CC-CEDICT glossary, the
// offline default for English questions.
type GlossaryTranslator struct{ Glossary *glossary.Glossary }

// Translate proposes the glossary's renderings of question that the
// document uses (known).
func (t GlossaryTranslator) Translate(question string, known func(string) bool) []Term {
	terms := t.Glossary.TranslateIn(question, known)
	out := make([]Term, len(terms))
	for i, x := range terms {
		out[i] = Term{Text: x.Zh, Weight: x.Weight}
	}
	return out
}

// Hit is one retrieved paragraph with its score.
type Hit struct {
	Paragraph corpus.Paragraph
	// Score is the relevance in [0,1]: the mean of the lexical and vector
	// scores relative to the best hit's; 1 for paragraphs of a section
	// named in the question.
	Score float64
}

// Result is what a search found.
type Result struct {
	// Query is the text that was searched after translation, if any.
	Query string
	// Grounded is false when the document does not answer the question.
	Grounded bool
	// Section is set when the question named a section: its key and title.
	Section string
	// Hits are the paragraphs in rank order (document order for a section).
	Hits []Hit
}

// Index is an immutable search index over one document. It is safe for
// concurrent use.
type Index struct {
	doc        *corpus.Document
	emb        Embedder
	coll       *chromem.Collection
	lex        *lexical
	folded     []string // paragraph texts, folded
	exhaustive int      // see exhaustiveLimit
	vocab      *vocab
	translator Translator
	built      time.Duration
}

// Options tune how an Index is built.
type Options struct {
	// Translator turns questions in other languages into Chinese terms; nil
	// leaves them untranslated.
	Translator Translator
}

// Build indexes doc with vectors from emb.
func Build(ctx context.Context, doc *corpus.Document, emb Embedder, opt Options) (*Index, error) {
	start := time.Now()
	if doc == nil || len(doc.Paragraphs) == 0 {
		return nil, errors.New("build index: document has no paragraphs")
	}
	texts := make([]string, len(doc.Paragraphs))
	folded := make([]string, len(doc.Paragraphs))
	titles := make([]string, len(doc.Paragraphs))
	for i, p := range doc.Paragraphs {
		texts[i] = passage(p)
		folded[i] = embeddings.Fold(p.Text)
		titles[i] = embeddings.Fold(p.Section)
	}
	vecs, err := emb.Embed(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("build index of %s: embed paragraphs: %w", doc.Name, err)
	}
	if len(vecs) != len(texts) {
		return nil, fmt.Errorf("build index of %s: embedder returned %d vectors for %d paragraphs", doc.Name, len(vecs), len(texts))
	}
	// The collection never embeds anything itself: paragraphs arrive with
	// vectors and queries go through QueryEmbedding. A call to this function
	// would mean a bug, so it fails loudly instead of reaching a network.
	noEmbed := func(context.Context, string) ([]float32, error) {
		return nil, errors.New("retrieval: collection must not embed")
	}
	coll, err := chromem.NewDB().CreateCollection("paragraphs", nil, noEmbed)
	if err != nil {
		return nil, fmt.Errorf("build index of %s: %w", doc.Name, err)
	}
	docs := make([]chromem.Document, len(texts))
	for i := range texts {
		docs[i] = chromem.Document{ID: strconv.Itoa(i), Embedding: vecs[i], Content: doc.Paragraphs[i].Label}
	}
	if err := coll.AddDocuments(ctx, docs, runtime.GOMAXPROCS(0)); err != nil {
		return nil, fmt.Errorf("build index of %s: add vectors: %w", doc.Name, err)
	}
	lex := newLexical(folded, titles)
	ix := &Index{doc: doc, emb: emb, coll: coll, lex: lex, folded: folded, vocab: newVocab(lex, titles, folded), translator: opt.Translator,
		exhaustive: exhaustiveLimit}
	ix.built = time.Since(start)
	return ix, nil
}

// passage is the text embedded for a paragraph: its section path, which says
// what the paragraph is about, and its text.
func passage(p corpus.Paragraph) string { return p.Section + "\n" + p.Text }

// LocalEmbedder is the EmbedderFunc of the in-process embedder, fitted to each
// document's own passages: what is rare in this document weighs most.
func LocalEmbedder(_ context.Context, doc *corpus.Document) (Embedder, error) {
	texts := make([]string, len(doc.Paragraphs))
	for i, p := range doc.Paragraphs {
		texts[i] = passage(p)
	}
	return embeddings.NewLocal(texts, 0), nil
}

// Document is the document this index serves.
func (ix *Index) Document() *corpus.Document { return ix.doc }

// BuildTime is how long Build took.
func (ix *Index) BuildTime() time.Duration { return ix.built }

// Resolve returns the paragraphs a label or section reference names.
func (ix *Index) Resolve(ref string) ([]corpus.Paragraph, error) { return ix.doc.Resolve(ref) }
