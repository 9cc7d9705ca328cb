// Package metrics counts what citebot does, for Prometheus: questions by
// transport and outcome, answer latency, model calls, errors and tokens,
// reloads and their result, and the serving corpus. It wraps the bot's own
// interfaces (question log, writer, rewriter) so that nothing
// below it knows it is measured; the web package serves Handler.
package metrics

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/internal/docversion"
	"github.com/citebot/citebot/llm"
	"github.com/citebot/citebot/retrieval"
)

// Outcomes a question is counted with: the bot's three, and error for a
// refused or failed one.
var outcomes = []string{"answered", "uncertain", "not_addressed", "error"}

// Transports known in advance, so that their series exist at zero.
var transports = []string{"terminal", "discord", "web"}

// latencyBuckets span an extractive answer (a millisecond) to a model
// answer with its retry (a minute and more).
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 40, 60, 120}

// Metrics holds citebot's collectors in a registry of its own.
type Metrics struct {
	reg         *prometheus.Registry
	questions   *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	votes       *prometheus.CounterVec
	modelCalls  *prometheus.CounterVec
	modelErrors *prometheus.CounterVec
	modelTokens *prometheus.CounterVec
	reloads     *prometheus.CounterVec
}

// New returns the collectors, with the Go runtime's, the process's, the
// build's, and the corpus that doc returns at each scrape.
func New(doc func() *corpus.Document) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "citebot_questions_total",
			Help: "Questions answered, by transport and outcome (answered, uncertain, not_addressed, error).",
		}, []string{"transport", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "citebot_answer_duration_seconds",
			Help:    "Time from question to final reply, by transport and answer mode (llm, extractive, section, error).",
			Buckets: latencyBuckets,
		}, []string{"transport", "mode"}),
		votes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "citebot_votes_total",
			Help: "Votes on answers, by vote (up, down).",
		}, []string{"vote"}),
		modelCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "citebot_model_calls_total",
			Help: "Calls to the chat model, by operation (answer, rewrite).",
		}, []string{"op"}),
		modelErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "citebot_model_errors_total",
			Help: "Failed calls to the chat model, by operation and reason (unavailable, rejected, bad_reply, empty_reply, truncated, canceled, other).",
		}, []string{"op", "reason"}),
		modelTokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "citebot_model_tokens_total",
			Help: "Tokens the chat model server reported for answers, by kind (prompt, completion).",
		}, []string{"kind"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "citebot_reloads_total",
			Help: "Corpus reloads, by result (ok, error, busy).",
		}, []string{"result"}),
	}
	m.reg.MustRegister(m.questions, m.latency, m.votes, m.modelCalls, m.modelErrors, m.modelTokens, m.reloads,
		corpusCollector{doc: doc},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector())
	// Series that exist before their first event read as 0, not as absent,
	// so that rates and alerts work from the start.
	for _, t := range transports {
		for _, o := range outcomes {
			m.questions.WithLabelValues(t, o)
		}
	}
	for _, v := range []string{"up", "down"} {
		m.votes.WithLabelValues(v)
	}
	for _, op := range []string{"answer", "rewrite"} {
		m.modelCalls.WithLabelValues(op)
	}
	for _, k := range []string{"prompt", "completion"} {
		m.modelTokens.WithLabelValues(k)
	}
	for _, r := range []string{"ok", "error", "busy"} {
		m.reloads.WithLabelValues(r)
	}
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, Timeout: 10 * time.Second})
}

// Registry is where the collectors are registered, for more of them.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// LogStats is what a question log says about its own health; *store.Log
// satisfies it.
type LogStats interface {
	Dropped() int64
	Failed() int64
}

// WatchLog exports a question log's dropped and failed writes.
func (m *Metrics) WatchLog(l LogStats) {
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "citebot_question_log_dropped_total",
			Help: "Questions not logged because the log's queue was full or closed.",
		}, func() float64 { return float64(l.Dropped()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "citebot_question_log_errors_total",
			Help: "Question log writes and purges that failed.",
		}, func() float64 { return float64(l.Failed()) }))
}

// corpusCollector reports the serving corpus at each scrape, so that a
// reload shows at once without a hook.
type corpusCollector struct {
	doc func() *corpus.Document
}

var (
	paragraphsDesc = prometheus.NewDesc("citebot_corpus_paragraphs",
		"Paragraphs of the serving corpus.", nil, nil)
	corpusInfoDesc = prometheus.NewDesc("citebot_corpus_info",
		"The serving corpus: its version (a digest of its paragraphs) and title; always 1.", []string{"version", "title"}, nil)
)

func (c corpusCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- paragraphsDesc
	ch <- corpusInfoDesc
}

func (c corpusCollector) Collect(ch chan<- prometheus.Metric) {
	doc := c.doc()
	if doc == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(paragraphsDesc, prometheus.GaugeValue, float64(len(doc.Paragraphs)))
	ch <- prometheus.MustNewConstMetric(corpusInfoDesc, prometheus.GaugeValue, 1, docversion.Of(doc), doc.Title)
}

// outcome is the outcome a reply is counted with.
func outcome(r bot.Reply) string {
	if r.Err != nil || r.Outcome == "" {
		return "error"
	}
	return string(r.Outcome)
}

// Log wraps a question log (nil for none): each question and vote is
// counted, then passed on.
func (m *Metrics) Log(next bot.QuestionLog) bot.QuestionLog { return &questionLog{m: m, next: next} }

type questionLog struct {
	m    *Metrics
	next bot.QuestionLog
}

func (l *questionLog) Asked(ctx context.Context, a bot.Asked) {
	t := a.Request.Transport
	if t == "" {
		t = "unknown"
	}
	l.m.questions.WithLabelValues(t, outcome(a.Reply)).Inc()
	mode := string(a.Reply.Mode)
	if mode == "" {
		mode = "unknown"
	}
	l.m.latency.WithLabelValues(t, mode).Observe(a.Took.Seconds())
	if l.next != nil {
		l.next.Asked(ctx, a)
	}
}

func (l *questionLog) Voted(ctx context.Context, v bot.Vote) error {
	vote := "down"
	if v.Up {
		vote = "up"
	}
	l.m.votes.WithLabelValues(vote).Inc()
	if l.next == nil {
		return nil
	}
	return l.next.Voted(ctx, v)
}

// reason names a model error for the errors counter.
func reason(err error) string {
	switch {
	case errors.Is(err, llm.ErrTruncated):
		return "truncated"
	case errors.Is(err, llm.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, llm.ErrRejected):
		return "rejected"
	case errors.Is(err, llm.ErrBadReply):
		return "bad_reply"
	case errors.Is(err, llm.ErrEmptyReply):
		return "empty_reply"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "other"
}

// Writer wraps the bot's answer writer: calls, errors and tokens.
func (m *Metrics) Writer(w bot.Writer) bot.Writer { return &writer{Writer: w, m: m} }

type writer struct {
	bot.Writer
	m *Metrics
}

func (w *writer) Answer(ctx context.Context, r llm.Request, onDelta func(string)) (llm.Answer, error) {
	a, err := w.Writer.Answer(ctx, r, onDelta)
	w.m.modelCalls.WithLabelValues("answer").Inc()
	if err != nil {
		w.m.modelErrors.WithLabelValues("answer", reason(err)).Inc()
	}
	w.m.modelTokens.WithLabelValues("prompt").Add(float64(a.PromptTokens))
	w.m.modelTokens.WithLabelValues("completion").Add(float64(a.CompletionTokens))
	return a, err
}

// Rewriter wraps the bot's query rewriter: calls and errors.
func (m *Metrics) Rewriter(r bot.Rewriter) bot.Rewriter { return &rewriter{next: r, m: m} }

type rewriter struct {
	next bot.Rewriter
	m    *Metrics
}

func (r *rewriter) Rewrite(ctx context.Context, req llm.RewriteRequest) ([]string, error) {
	qs, err := r.next.Rewrite(ctx, req)
	r.m.modelCalls.WithLabelValues("rewrite").Inc()
	if err != nil {
		r.m.modelErrors.WithLabelValues("rewrite", reason(err)).Inc()
	}
	return qs, err
}

// Reloaded counts a finished reload by its result: ok, busy (another was
// running) or error. Transports call it when a reload they asked for
// ends (/reload, SIGHUP), so that a document that fails to load counts
// as well as one that fails to index.
func (m *Metrics) Reloaded(err error) {
	result := "ok"
	switch {
	case errors.Is(err, retrieval.ErrReloadInProgress):
		result = "busy"
	case err != nil:
		result = "error"
	}
	m.reloads.WithLabelValues(result).Inc()
}
