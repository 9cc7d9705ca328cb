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
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/internal/lru"
	"github.com/citebot/citebot/internal/upload"
	"github.com/citebot/citebot/llm"
	"github.com/citebot/citebot/retrieval"
)

// Searcher is the retrieval the bot needs: search, the serving document and
// an atomic reload. *retrieval.Library satisfies it.
type Searcher interface {
	Search(ctx context.Context, question string, k int) (retrieval.Result, error)
	Document() *corpus.Document
	Reload(ctx context.Context, doc *corpus.Document) (retrieval.Diff, error)
}

// Writer writes an answer from passages, streaming text to onDelta; the
// answer is not grounded when the writer judges the passages do not answer
// the question. *llm.Client satisfies it.
type Writer interface {
	Answer(ctx context.Context, r llm.Request, onDelta func(string)) (llm.Answer, error)
	Model() string
}

// Rewriter turns a question, with the asker's previous questions, into
// search queries in the document's words. *llm.Client satisfies it.
type Rewriter interface {
	Rewrite(ctx context.Context, r llm.RewriteRequest) ([]string, error)
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
	// CorpusPaths are where a reload without attachments reads from (files
	// or directories); none means the embedded default.
	CorpusPaths []string
	// DataDir keeps the feedback log and the uploaded corpus; empty
	// disables both.
	DataDir string
	// MaxUploadBytes bounds an uploaded corpus (default 5 MiB).
	MaxUploadBytes int
	// AnswerTimeout bounds one model answer (default 60s).
	AnswerTimeout time.Duration
	// ContextTokens is the budget, in tokens, of what one model answer may
	// read (DefaultContextTokens when zero): a document that fits is read
	// whole, a larger one through retrieval.
	ContextTokens int
	// Title, when set, names the document in replies instead of the title
	// found in it.
	Title string
	// Log, when set, is told of every question and its reply, and keeps
	// the votes instead of feedback.jsonl.
	Log    QuestionLog
	Logger *slog.Logger
	// Now is the clock, for tests.
	Now func() time.Time
}

// Bot answers requests. It is safe for concurrent use.
type Bot struct {
	cfg      Config
	log      *slog.Logger
	limits   *limiter
	history  *history
	rewrites *lru.Map[string, []string] // question in context → queries
	// sync is the upload Sync last brought the served corpus in line with.
	sync struct {
		sync.Mutex
		done  bool
		stamp upload.Stamp
	}
	// whole is cleared when the model server shows it cannot read the
	// whole document (it cut the prompt).
	whole    atomic.Bool
	feedback sync.Mutex
	// voted remembers who voted on which answer since the start, so a
	// second vote replaces the first in the feedback log; answers from
	// before a restart can no longer be voted on.
	voted *lru.Map[string, struct{}]
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
	if cfg.ContextTokens <= 0 {
		cfg.ContextTokens = DefaultContextTokens
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	b := &Bot{
		cfg:      cfg,
		log:      cfg.Logger,
		limits:   newLimiter(cfg.RatePerMinute, cfg.Now),
		history:  newHistory(4, 2048),
		rewrites: lru.New[string, []string](1024),
		voted:    lru.New[string, struct{}](maxVoters),
	}
	b.whole.Store(true)
	return b, nil
}

// Handle answers one request. progress, if not nil, receives partial replies
// while a streamed answer grows; the returned Reply is final.
func (b *Bot) Handle(ctx context.Context, req Request, progress func(Reply)) (reply Reply) {
	// One bad request must not take the bot down for everyone: a panic
	// below becomes an error reply, with the stack in the log.
	lang := b.language(req)
	start, doc := b.cfg.Now(), b.cfg.Searcher.Document()
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("request panicked", "kind", req.Kind, "panic", p, "stack", string(debug.Stack()))
			reply = failure(req.Text, fmt.Errorf("internal error: %v", p), Say(lang, MsgInternal))
		}
		// One language per reply: a refusal is in the question's too.
		if reply.Lang == "" {
			reply.Lang = lang
		}
		b.logAsked(ctx, req, reply, start, doc)
	}()
	switch req.Kind {
	case KindAsk:
		return b.ask(ctx, req, progress)
	case KindCite:
		return b.cite(req, lang)
	case KindReload:
		return b.reloadRequest(ctx, req, lang)
	case KindHelp:
		return Reply{Mode: ModeHelp, Grounded: true, Answer: helpText(b.Describe(), lang), Lang: lang}
	case KindPassage:
		return b.passage(req, lang)
	default:
		return failure(req.Text, fmt.Errorf("unknown request kind %d", req.Kind), Say(lang, MsgUnknownCommand))
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

func (b *Bot) cite(req Request, lang Lang) Reply {
	ref := strings.TrimSpace(req.Text)
	doc := b.cfg.Searcher.Document()
	if ref == "" {
		return failure(ref, errors.New("empty label"), Say(lang, MsgEmptyLabel, list(lang, b.Describe().Labels)))
	}
	if n := utf8.RuneCountInString(ref); n > maxLabelRunes {
		return failure(truncateRunes(ref, maxLabelRunes), fmt.Errorf("label of %d characters", n), Say(lang, MsgNoSuchLabel, truncateRunes(ref, maxLabelRunes)+"…"))
	}
	// Passages are cheap to show but each is a message in a channel: a
	// user gets as many a minute as questions, in a budget of their own so
	// that reading does not use up asking.
	if wait, ok := b.limits.allow(citeBucket + req.UserID); !ok {
		return failure(ref, ErrRateLimited, Say(lang, MsgRateLimited, b.cfg.RatePerMinute, int(wait.Seconds())+1))
	}
	ps, err := doc.Resolve(ref)
	var unknown *corpus.UnknownRefError
	switch {
	case errors.Is(err, corpus.ErrEmptySection):
		return failure(ref, err, Say(lang, MsgEmptySection, ref))
	case errors.As(err, &unknown) && !looksLikeLabel(ref):
		return failure(ref, err, Say(lang, MsgNoSuchLabel, ref))
	case errors.As(err, &unknown):
		return failure(ref, err, Say(lang, MsgUnknownLabel, ref, list(lang, unknown.Nearest)))
	case err != nil:
		return failure(ref, err, Say(lang, MsgUnknownLabel, ref, ""))
	case len(ps) == 0:
		return failure(ref, errors.New("no paragraphs"), Say(lang, MsgEmptySection, ref))
	}
	return Reply{Question: ref, Grounded: true, Mode: ModeCite, Citations: citations(doc, ps, nil),
		Lead: ps[0].Section, Answer: quote(ps), Lang: lang}
}

// passage shows the paragraph labelled req.Text in full, with the
// paragraphs before and after it in the document, for a transport's "show
// passage" under an answer. It shares /cite's rate limit.
func (b *Bot) passage(req Request, lang Lang) Reply {
	label := strings.TrimSpace(req.Text)
	if label == "" || utf8.RuneCountInString(label) > maxLabelRunes {
		return failure(truncateRunes(label, maxLabelRunes), errors.New("no passage label"), Say(lang, MsgEmptyLabel, list(lang, b.Describe().Labels)))
	}
	if wait, ok := b.limits.allow(citeBucket + req.UserID); !ok {
		return failure(label, ErrRateLimited, Say(lang, MsgRateLimited, b.cfg.RatePerMinute, int(wait.Seconds())+1))
	}
	doc := b.cfg.Searcher.Document()
	at := slices.IndexFunc(doc.Paragraphs, func(p corpus.Paragraph) bool { return p.Label == label })
	if at < 0 {
		// Not a label of the serving document (a reload since the answer):
		// an alias may still name one paragraph.
		ps, err := doc.Resolve(label)
		if err != nil || len(ps) != 1 {
			return failure(label, fmt.Errorf("passage %q not in the document", label), Say(lang, MsgUnknownLabel, label, list(lang, b.Describe().Labels)))
		}
		at = slices.IndexFunc(doc.Paragraphs, func(p corpus.Paragraph) bool { return p.Label == ps[0].Label })
	}
	ps := doc.Paragraphs[max(at-1, 0):min(at+2, len(doc.Paragraphs))]
	lead := Say(lang, MsgPassageLead, doc.Paragraphs[at].Label)
	return Reply{Question: doc.Paragraphs[at].Label, Grounded: true, Mode: ModePassage, Citations: citations(doc, ps, nil),
		Lead: lead, Answer: lead + "\n\n" + quote(ps), Lang: lang}
}

// maxLabelRunes bounds a label: longer text is no label, and is not echoed.
const maxLabelRunes = 64

// citeBucket prefixes a user's /cite budget in the rate limiter.
const citeBucket = "cite\x00"

// looksLikeLabel reports whether s could be meant as a label (it has a
// digit, a Chinese numeral, ¶ or a section word) rather than a question.
func looksLikeLabel(s string) bool {
	if _, err := corpus.ParseRef(s); err == nil {
		return true
	}
	return strings.ContainsAny(s, "0123456789¶§一二三四五六七八九十()（）") && utf8.RuneCountInString(s) <= 24
}

// invalid checks a question's size and encoding; it names the message to
// show and its arguments, or nil.
func (b *Bot) invalid(q string) (*Msg, []any) {
	m := func(x Msg, args ...any) (*Msg, []any) { return &x, args }
	switch {
	case strings.TrimSpace(q) == "":
		return m(MsgEmptyQuestion)
	case !utf8.ValidString(q):
		return m(MsgNotText)
	}
	if n := utf8.RuneCountInString(q); n > b.cfg.MaxQuestionRunes {
		return m(MsgTooLong, n, b.cfg.MaxQuestionRunes)
	}
	return nil, nil
}

func failure(question string, err error, user string) Reply {
	return Reply{Question: question, Mode: ModeError, Answer: user, Private: true, Err: err}
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// language is the language of the reply to req: its text's, else the
// language the transport knows the asker speaks, else the document's.
func (b *Bot) language(req Request) Lang {
	// A passage is asked for by label from under an answer, whose
	// language the transport passes on.
	if (req.Kind == KindPassage || analysis.Detect(req.Text) == analysis.Unknown) && req.Lang != "" {
		return req.Lang
	}
	// Chinese the same in both scripts (a label such as 三(四), 合作) is
	// answered in the script the transport knows the asker reads.
	if req.Lang.Chinese() && analysis.BothScripts(req.Text) {
		return req.Lang
	}
	return replyLanguage(req.Text, b.cfg.Searcher.Document())
}

// title is the document's name in replies: the configured title, else the
// one found in the document.
func (b *Bot) title(doc *corpus.Document) string {
	if b.cfg.Title != "" {
		return b.cfg.Title
	}
	return doc.Title
}
