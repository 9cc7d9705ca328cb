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
	"runtime"
	"strconv"

	chromem "github.com/philippgille/chromem-go"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/embeddings"
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
	coll  *chromem.Collection
	lex   *lexical
	space *embeddings.Space
	means *meaning
	// texts are the paragraphs' passages (section title and text), folded.
	texts      []string
	lexicon    Lexicon
	exhaustive int // see exhaustiveLimit
}

// Options tune how an Index is built.
type Options struct {
	// Lexicon places words in the space of meaning and translates English
	// questions for a Chinese document; nil means none (only the
	// document's own words match).
	Lexicon Lexicon
}

// Build indexes doc. emb embeds the paragraphs for the vector search; nil
// means the in-process meaning space fitted to doc.
func Build(ctx context.Context, doc *corpus.Document, emb Embedder, opt Options) (*Index, error) {
	if doc == nil || len(doc.Paragraphs) == 0 {
		return nil, errors.New("build index: document has no paragraphs")
	}
	lexicon := opt.Lexicon
	if lexicon == nil {
		lexicon = noLexicon{}
	}
	passages := make([]string, len(doc.Paragraphs))
	texts := make([]string, len(doc.Paragraphs))
	titles := make([]string, len(doc.Paragraphs))
	folded := make([]string, len(doc.Paragraphs))
	for i, p := range doc.Paragraphs {
		passages[i] = passage(p)
		folded[i] = analysis.Fold(p.Text)
		titles[i] = analysis.Fold(p.Section)
		texts[i] = titles[i] + "\n" + folded[i]
	}
	space := embeddings.NewSpace(lexicon, passages, 0)
	var vecs [][]float32
	var err error
	if emb == nil {
		emb, vecs = space, space.Fitted()
	} else {
		vecs, err = emb.Embed(ctx, passages)
	}
	if err != nil {
		return nil, fmt.Errorf("build index of %s: embed paragraphs: %w", doc.Name, err)
	}
	if len(vecs) != len(passages) {
		return nil, fmt.Errorf("build index of %s: embedder returned %d vectors for %d paragraphs", doc.Name, len(vecs), len(passages))
	}
	coll, err := collection(ctx, doc, vecs)
	if err != nil {
		return nil, fmt.Errorf("build index of %s: %w", doc.Name, err)
	}
	lex := newLexical(folded, titles)
	return &Index{
		doc: doc, lang: documentLanguage(doc), emb: emb, coll: coll, lex: lex,
		space: space, means: newMeaning(space, len(passages)), texts: texts,
		lexicon: lexicon, exhaustive: exhaustiveLimit,
	}, nil
}

// collection puts the paragraph vectors into a chromem-go collection. The
// collection never embeds anything itself: paragraphs arrive with vectors
// and queries go through QueryEmbedding, so its embedding function fails
// loudly rather than reach a network.
func collection(ctx context.Context, doc *corpus.Document, vecs [][]float32) (*chromem.Collection, error) {
	noEmbed := func(context.Context, string) ([]float32, error) {
		return nil, errors.New("retrieval: collection must not embed")
	}
	coll, err := chromem.NewDB().CreateCollection("paragraphs", nil, noEmbed)
	if err != nil {
		return nil, err
	}
	docs := make([]chromem.Document, len(vecs))
	for i := range vecs {
		docs[i] = chromem.Document{ID: strconv.Itoa(i), Embedding: vecs[i], Content: doc.Paragraphs[i].Label}
	}
	if err := coll.AddDocuments(ctx, docs, runtime.GOMAXPROCS(0)); err != nil {
		return nil, fmt.Errorf("add vectors: %w", err)
	}
	return coll, nil
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
