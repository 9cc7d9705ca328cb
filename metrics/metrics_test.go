package metrics

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/internal/docversion"
	"github.com/citebot/citebot/llm"
	"github.com/citebot/citebot/retrieval"
)

// scrape fetches /metrics over loopback and parses it.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// value is the value of the series of family name with the given labels
// (name=value pairs); -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

// fakeWriter answers with set tokens, or fails.
type fakeWriter struct{ err error }

func (w fakeWriter) Answer(context.Context, llm.Request, func(string)) (llm.Answer, error) {
	if w.err != nil {
		return llm.Answer{}, w.err
	}
	return llm.Answer{Text: "x [一¶7]", Grounded: true, PromptTokens: 1200, CompletionTokens: 80}, nil
}

func (fakeWriter) Model() string { return "m" }

type fakeRewriter struct{ err error }

func (r fakeRewriter) Rewrite(context.Context, llm.RewriteRequest) ([]string, error) {
	return nil, r.err
}

func TestMetrics(t *testing.T) {
	doc := corpus.Default()
	m := New(func() *corpus.Document { return doc })
	ctx := context.Background()
	log := m.Log(nil)
	asks := []struct {
		transport string
		reply     bot.Reply
		took      time.Duration
	}{
		{"discord", bot.Reply{Outcome: bot.Answered, Mode: bot.ModeExtractive}, time.Millisecond},
		{"discord", bot.Reply{Outcome: bot.Answered, Mode: bot.ModeLLM}, 3 * time.Second},
		{"web", bot.Reply{Outcome: bot.NotAddressed, Mode: bot.ModeLLM}, 2 * time.Second},
		{"web", bot.Reply{Mode: bot.ModeError, Err: bot.ErrRateLimited}, 0},
		{"terminal", bot.Reply{Outcome: bot.Uncertain, Mode: bot.ModeExtractive}, 2 * time.Millisecond},
	}
	for _, a := range asks {
		log.Asked(ctx, bot.Asked{Request: bot.Request{Kind: bot.KindAsk, Transport: a.transport}, Reply: a.reply, Took: a.took})
	}
	if err := log.Voted(ctx, bot.Vote{Up: false}); err != nil {
		t.Fatal(err)
	}
	w := m.Writer(fakeWriter{})
	w.Answer(ctx, llm.Request{}, nil)
	w.Answer(ctx, llm.Request{}, nil)
	m.Writer(fakeWriter{err: fmt.Errorf("answer: %w", llm.ErrUnavailable)}).Answer(ctx, llm.Request{}, nil)
	m.Rewriter(fakeRewriter{err: llm.ErrRejected}).Rewrite(ctx, llm.RewriteRequest{})
	m.Reloaded(nil)
	m.Reloaded(retrieval.ErrReloadInProgress)
	m.Reloaded(errors.New("empty document"))

	fams := scrape(t, m.Handler())
	tests := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"citebot_questions_total", []string{"transport", "discord", "outcome", "answered"}, 2},
		{"citebot_questions_total", []string{"transport", "web", "outcome", "not_addressed"}, 1},
		{"citebot_questions_total", []string{"transport", "web", "outcome", "error"}, 1},
		{"citebot_questions_total", []string{"transport", "terminal", "outcome", "uncertain"}, 1},
		{"citebot_questions_total", []string{"transport", "terminal", "outcome", "answered"}, 0},
		{"citebot_answer_duration_seconds", []string{"transport", "discord", "mode", "llm"}, 1},
		{"citebot_answer_duration_seconds", []string{"transport", "discord", "mode", "extractive"}, 1},
		{"citebot_votes_total", []string{"vote", "down"}, 1},
		{"citebot_votes_total", []string{"vote", "up"}, 0},
		{"citebot_model_calls_total", []string{"op", "answer"}, 3},
		{"citebot_model_calls_total", []string{"op", "rewrite"}, 1},
		{"citebot_model_errors_total", []string{"op", "answer", "reason", "unavailable"}, 1},
		{"citebot_model_errors_total", []string{"op", "rewrite", "reason", "rejected"}, 1},
		{"citebot_model_tokens_total", []string{"kind", "prompt"}, 2400},
		{"citebot_model_tokens_total", []string{"kind", "completion"}, 160},
		{"citebot_reloads_total", []string{"result", "ok"}, 1},
		{"citebot_reloads_total", []string{"result", "busy"}, 1},
		{"citebot_reloads_total", []string{"result", "error"}, 1},
		{"citebot_corpus_paragraphs", nil, float64(len(doc.Paragraphs))},
		{"citebot_corpus_info", []string{"version", docversion.Of(doc)}, 1},
	}
	for _, tt := range tests {
		if got := value(fams, tt.name, tt.labels...); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	for _, name := range []string{"go_goroutines", "process_start_time_seconds", "go_build_info"} {
		if fams[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	// A reload shows at the next scrape.
	doc, _ = corpus.ParseFiles([]corpus.File{{Name: "a.txt", Data: []byte("1. One\n\nFirst.\n")}})
	if got := value(scrape(t, m.Handler()), "citebot_corpus_paragraphs"); got != 1 {
		t.Errorf("after a reload: %v paragraphs, want 1", got)
	}
}

// The question log wrapper passes everything on.
func TestLogPassesOn(t *testing.T) {
	m := New(func() *corpus.Document { return nil })
	next := &countingLog{}
	log := m.Log(next)
	log.Asked(context.Background(), bot.Asked{})
	if err := log.Voted(context.Background(), bot.Vote{}); !errors.Is(err, errVote) {
		t.Errorf("vote error %v, want the next log's", err)
	}
	if next.asked != 1 || next.voted != 1 {
		t.Errorf("next log saw %d questions, %d votes", next.asked, next.voted)
	}
	m.WatchLog(statsOf{dropped: 3, failed: 1})
	fams := scrape(t, m.Handler())
	if value(fams, "citebot_question_log_dropped_total") != 3 || value(fams, "citebot_question_log_errors_total") != 1 {
		t.Error("question log stats not exported")
	}
	if _, ok := fams["citebot_corpus_paragraphs"]; ok {
		t.Error("corpus reported with no document")
	}
}

var errVote = errors.New("vote failed")

type countingLog struct{ asked, voted int }

func (l *countingLog) Asked(context.Context, bot.Asked) { l.asked++ }
func (l *countingLog) Voted(context.Context, bot.Vote) error {
	l.voted++
	return errVote
}

type statsOf struct{ dropped, failed int64 }

func (s statsOf) Dropped() int64 { return s.dropped }
func (s statsOf) Failed() int64  { return s.failed }
