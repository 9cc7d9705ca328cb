package retrieval

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/citebot/citebot/corpus"
)

// ErrReloadInProgress is returned when a reload is asked for while another runs.
var ErrReloadInProgress = errors.New("a reload is already in progress")

// Library serves one Index at a time. Readers load the current index through
// an atomic pointer and never lock; a reload builds the new index beside the
// serving one and swaps it in only once it is complete, so a query sees the
// old index or the new one, never half of either.
type Library struct {
	cur      atomic.Pointer[Index]
	reload   sync.Mutex
	embedder EmbedderFunc
	opt      Options
}

// Diff says how a reload changed the corpus, by citation label.
type Diff struct {
	Paragraphs int           `json:"paragraphs"`
	Added      int           `json:"added"`
	Removed    int           `json:"removed"`
	Changed    int           `json:"changed"`
	Took       time.Duration `json:"took"`
}

// NewLibrary builds the first index of doc.
func NewLibrary(ctx context.Context, doc *corpus.Document, embedder EmbedderFunc, opt Options) (*Library, error) {
	l := &Library{embedder: embedder, opt: opt}
	ix, err := l.build(ctx, doc)
	if err != nil {
		return nil, err
	}
	l.cur.Store(ix)
	return l, nil
}

// Index returns the serving index.
func (l *Library) Index() *Index { return l.cur.Load() }

// Search searches the serving index.
func (l *Library) Search(ctx context.Context, question string, k int) (Result, error) {
	return l.Index().Search(ctx, question, k)
}

// Reload indexes doc and, if that succeeds completely, makes it the serving
// index. On any error the old index keeps serving; a document over the
// paragraph limit (Options.MaxParagraphs) is refused with an error for
// which errors.Is(err, ErrTooLarge) holds. A second reload while one
// runs is refused with ErrReloadInProgress rather than queued, so an admin is
// never surprised by a stale document swapped in late.
func (l *Library) Reload(ctx context.Context, doc *corpus.Document) (Diff, error) {
	if !l.reload.TryLock() {
		return Diff{}, ErrReloadInProgress
	}
	defer l.reload.Unlock()
	start := time.Now()
	ix, err := l.build(ctx, doc)
	if err != nil {
		return Diff{}, err
	}
	d := diff(l.cur.Load().Document(), doc)
	l.cur.Store(ix)
	d.Took = time.Since(start)
	return d, nil
}

func (l *Library) build(ctx context.Context, doc *corpus.Document) (*Index, error) {
	if doc == nil {
		return nil, errors.New("build index: no document")
	}
	// Refuse an oversized document before its embedder is made or asked.
	if err := l.opt.checkSize(doc); err != nil {
		return nil, fmt.Errorf("build index of %s: %w", doc.Name, err)
	}
	emb, err := l.embedder(ctx, doc)
	if err != nil {
		return nil, fmt.Errorf("build index of %s: embedder: %w", doc.Name, err)
	}
	return Build(ctx, doc, emb, l.opt)
}

func diff(old, cur *corpus.Document) Diff {
	before := make(map[string]string, len(old.Paragraphs))
	for _, p := range old.Paragraphs {
		before[p.Label] = p.Text
	}
	d := Diff{Paragraphs: len(cur.Paragraphs)}
	for _, p := range cur.Paragraphs {
		text, ok := before[p.Label]
		switch {
		case !ok:
			d.Added++
		case text != p.Text:
			d.Changed++
		}
		delete(before, p.Label)
	}
	d.Removed = len(before)
	return d
}

// Document returns the serving index's document.
func (l *Library) Document() *corpus.Document { return l.Index().Document() }
