// Package bot is the conversation: it parses what users ask, retrieves the
// passages, composes a cited answer and enforces rate limits and admin rules.
// Handlers take a Request and return a Reply; they do no I/O of their own
// beyond the feedback log and the saved corpus upload.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/retrieval"
)

// Searcher is the retrieval the bot needs: search, the serving document and
// an atomic reload. *retrieval.Library satisfies it.
type Searcher interface {
	Search(ctx context.Context, question string, k int) (retrieval.Result, error)
	Document() *corpus.Document
	Reload(ctx context.Context, doc *corpus.Document) (retrieval.Diff, error)
}

// Writer writes an answer from passages, streaming text to onDelta; grounded
// is false when the writer judges the passages do not answer the question.
type Writer interface {
	Answer(ctx context.Context, question string, passages []corpus.Paragraph, onDelta func(string)) (text string, grounded bool, err error)
	Model() string
}

// Rewriter turns a question and the asker's previous questions into a
// standalone search query.
type Rewriter interface {
	Rewrite(ctx context.Context, previous []string, question string) (string, error)
}

// Config wires a Bot. Only Searcher is required.
type Config struct {
	Searcher Searcher
	// Writer writes model answers; nil means extractive answers.
	Writer Writer
	// Rewriter rewrites follow-ups and foreign-language questions; nil means none.
	Rewriter Rewriter
	// K is how many passages are retrieved per question (default 5).
	K int
	// MaxQuestionRunes bounds a question's length (default 500).
	MaxQuestionRunes int
	// RatePerMinute is each user's question budget (default 5; negative = unlimited).
	RatePerMinute int
	// AdminUserIDs and AdminRoleIDs may reload besides server administrators.
	AdminUserIDs, AdminRoleIDs []string
	// CorpusPath is where a reload without an attachment reads from; empty
	// means the embedded default.
	CorpusPath string
	// DataDir keeps the feedback log and uploaded corpora; empty disables both.
	DataDir string
	// MaxUploadBytes bounds an uploaded corpus (default 5 MiB).
	MaxUploadBytes int
	// AnswerTimeout bounds one model answer (default 60s).
	AnswerTimeout time.Duration
	Logger        *slog.Logger
	// Now is the clock, for tests.
	Now func() time.Time
}

// Bot answers requests. It is safe for concurrent use.
type Bot struct {
	cfg      Config
	log      *slog.Logger
	limits   *limiter
	history  *history
	feedback sync.Mutex
}

// New returns a Bot for cfg.
func New(cfg Config) (*Bot, error) {
	if cfg.Searcher == nil {
		return nil, errors.New("bot: no searcher")
	}
	if cfg.K <= 0 {
		cfg.K = 5
	}
	if cfg.MaxQuestionRunes <= 0 {
		cfg.MaxQuestionRunes = 500
	}
	if cfg.RatePerMinute == 0 {
		cfg.RatePerMinute = 5
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = 5 << 20
	}
	if cfg.AnswerTimeout <= 0 {
		cfg.AnswerTimeout = 60 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Bot{
		cfg:     cfg,
		log:     cfg.Logger,
		limits:  newLimiter(cfg.RatePerMinute, cfg.Now),
		history: newHistory(4, 2048),
	}, nil
}

// Handle answers one request. progress, if not nil, receives partial replies
// while a streamed answer grows; the returned Reply is final.
func (b *Bot) Handle(ctx context.Context, req Request, progress func(Reply)) (reply Reply) {
	// One bad request must not take the bot down for everyone: a panic
	// below becomes an error reply, with the stack in the log.
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("request panicked", "kind", req.Kind, "panic", p, "stack", string(debug.Stack()))
			reply = failure(req.Text, fmt.Errorf("internal error: %v", p), "Something went wrong on our side; please try again.")
		}
	}()
	switch req.Kind {
	case KindAsk:
		return b.ask(ctx, req, progress)
	case KindCite:
		return b.cite(req)
	case KindReload:
		return b.reloadRequest(ctx, req)
	case KindHelp:
		return Reply{Mode: "help", Grounded: true, Answer: helpText(b.cfg.Searcher.Document())}
	default:
		return failure(req.Text, fmt.Errorf("unknown request kind %d", req.Kind), "I don't know that command. Try /help.")
	}
}

// Complete returns up to n labels of the serving document that start with
// prefix, or that prefix resolves to, for autocomplete.
func (b *Bot) Complete(prefix string, n int) []string {
	doc := b.cfg.Searcher.Document()
	prefix = strings.TrimSpace(prefix)
	var out []string
	if prefix != "" {
		if ps, err := doc.Resolve(prefix); err == nil && len(ps) > 0 {
			out = append(out, ps[0].Label)
		}
	}
	for _, l := range doc.Labels() {
		if len(out) >= n {
			break
		}
		if strings.HasPrefix(l, prefix) && (len(out) == 0 || out[0] != l) {
			out = append(out, l)
		}
	}
	return out
}

func (b *Bot) cite(req Request) Reply {
	ref := strings.TrimSpace(req.Text)
	if ref == "" {
		return failure(ref, errors.New("empty label"), "Give a label such as 三(四)¶2, 3.4.2 or 3.4.")
	}
	ps, err := b.cfg.Searcher.Document().Resolve(ref)
	if err != nil {
		return failure(ref, err, err.Error())
	}
	r := Reply{Question: ref, Grounded: true, Mode: "cite", Citations: citations(ps, nil), Lead: ps[0].Section}
	r.Answer = quote(ps)
	return r
}

// validQuestion checks a question's size; the error text is for the user.
func (b *Bot) validQuestion(q string) error {
	if strings.TrimSpace(q) == "" {
		return errors.New("the question is empty")
	}
	if n := utf8.RuneCountInString(q); n > b.cfg.MaxQuestionRunes {
		return fmt.Errorf("the question is %d characters long; the limit is %d", n, b.cfg.MaxQuestionRunes)
	}
	if !utf8.ValidString(q) {
		return errors.New("the question is not valid UTF-8 text")
	}
	return nil
}

func failure(question string, err error, user string) Reply {
	return Reply{Question: question, Mode: "error", Answer: user, Private: true, Err: err}
}
