package embeddings

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/citebot/citebot/internal/oai"
	"github.com/citebot/citebot/internal/oaitest"
)

const oaiTestKey = "sk-embed-SECRET-987654321"

// newEmbedServer starts an OpenAI-compatible server whose embeddings are
// rawVec(text, dim): deterministic and not normalised, so the tests see the
// client normalise. oaitest lists them in reverse order with correct
// indices, so a client that ignores the index misaligns.
func newEmbedServer(t testing.TB, dim int, opts ...oaitest.Option) *oaitest.Server {
	t.Helper()
	return oaitest.New(t, append([]oaitest.Option{oaitest.WithVectors(rawVectors(dim))}, opts...)...)
}

// rawVectors is the server's VectorFunc for rawVec.
func rawVectors(dim int) oaitest.VectorFunc {
	return func(texts []string) [][]float32 {
		out := make([][]float32, len(texts))
		for i, t := range texts {
			out[i] = rawVec(t, dim)
		}
		return out
	}
}

// rawVec is a deterministic, un-normalised vector for text.
func rawVec(text string, dim int) []float32 {
	v := make([]float32, dim)
	seed := sha256.Sum256([]byte(text))
	for i := range v {
		v[i] = float32(int(seed[i%len(seed)])-128) + float32(i%7)
	}
	v[0] += 0.5 // never all zero
	return v
}

func wantVec(t testing.TB, text string, dim int) []float32 {
	t.Helper()
	v, err := unitVector(rawVec(text, dim))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func newTestOpenAI(t testing.TB, s *oaitest.Server, batch int, timeout time.Duration, log *slog.Logger) *OpenAI {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return newOpenAIWith(t, OpenAIConfig{BaseURL: s.URL(), APIKey: oaiTestKey, Model: "text-embedding-3-small",
		BatchSize: batch, Timeout: timeout, RetryBackoff: time.Millisecond, Logger: log})
}

func newOpenAIWith(t testing.TB, cfg OpenAIConfig) *OpenAI {
	t.Helper()
	e, err := NewOpenAI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func texts(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s第%d段：上海合作組織成員國", prefix, i)
	}
	return out
}

func sameVec(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-6 {
			return false
		}
	}
	return true
}

func TestOpenAIEmbedBatchesAndAligns(t *testing.T) {
	tests := []struct {
		name      string
		n, batch  int
		wantSizes []int
	}{
		{"one batch", 3, 8, []int{3}},
		{"exact batches", 4, 2, []int{2, 2}},
		{"ragged batches", 5, 2, []int{2, 2, 1}},
		{"default batch size", 70, 0, []int{64, 6}},
		{"nothing", 0, 4, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newEmbedServer(t, 8)
			e := newTestOpenAI(t, s, tt.batch, 5*time.Second, nil)
			in := texts(tt.n, "")
			got, err := e.Embed(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(in) {
				t.Fatalf("got %d vectors for %d texts", len(got), len(in))
			}
			for i, v := range got {
				if !sameVec(v, wantVec(t, in[i], 8)) {
					t.Errorf("vector %d does not belong to its text", i)
				}
				var norm float64
				for _, x := range v {
					norm += float64(x) * float64(x)
				}
				if math.Abs(norm-1) > 1e-5 {
					t.Errorf("vector %d has squared norm %v, want 1", i, norm)
				}
			}
			var sizes []int
			for i, r := range s.Requests() {
				sizes = append(sizes, len(r.Inputs))
				if !r.IsEmbed() || r.Method != "POST" || r.Path != "/v1/embeddings" {
					t.Errorf("request %d: %s %s", i, r.Method, r.Path)
				}
				if r.Auth != "Bearer "+oaiTestKey || r.Embed.Model != "text-embedding-3-small" {
					t.Errorf("request %d: auth %q model %q", i, r.Auth, r.Embed.Model)
				}
			}
			if fmt.Sprint(sizes) != fmt.Sprint(tt.wantSizes) {
				t.Errorf("batch sizes %v, want %v", sizes, tt.wantSizes)
			}
			if strings.Join(s.Inputs(), "|") != strings.Join(in, "|") {
				t.Errorf("inputs sent out of order")
			}
		})
	}
}

func TestOpenAIEmbedBadResponses(t *testing.T) {
	vec := func(i int, v []float32) openai.Embedding { return openai.Embedding{Index: i, Embedding: v} }
	tests := []struct {
		name     string
		replies  []oaitest.Reply
		wantErr  error
		wantMsg  string
		wantReqs int
	}{
		{"too few vectors", []oaitest.Reply{oaitest.WrongCount(-1)}, ErrBadResponse, "sent 2 texts, got 1 vectors", 1},
		{"too many vectors", []oaitest.Reply{oaitest.WrongCount(1)}, ErrBadResponse, "sent 2 texts, got 3 vectors", 1},
		{"no vectors", []oaitest.Reply{oaitest.EmbedData()}, ErrBadResponse, "got 0 vectors", 1},
		{"inconsistent dimensions", []oaitest.Reply{oaitest.EmbedData(vec(0, rawVec("a", 8)), vec(1, rawVec("b", 7)))}, ErrBadResponse, "dimension 7, want 8", 1},
		{"repeated index", []oaitest.Reply{oaitest.EmbedData(vec(0, rawVec("a", 8)), vec(0, rawVec("b", 8)))}, ErrBadResponse, "out of range or repeated", 1},
		{"index out of range", []oaitest.Reply{oaitest.EmbedData(vec(0, rawVec("a", 8)), vec(2, rawVec("b", 8)))}, ErrBadResponse, "out of range or repeated", 1},
		{"zero vector", []oaitest.Reply{oaitest.EmbedData(vec(0, make([]float32, 8)), vec(1, rawVec("b", 8)))}, ErrBadResponse, "zero vector", 1},
		{"empty vector", []oaitest.Reply{oaitest.EmbedData(vec(0, nil), vec(1, nil))}, ErrBadResponse, "empty vector", 1},
		{"malformed json", []oaitest.Reply{oaitest.Raw(200, "application/json", `{"data": [{"embedding": [0.1, `)}, ErrBadResponse, "", 1},
		{"html page", []oaitest.Reply{oaitest.Raw(200, "text/html", "<html>proxy</html>")}, ErrBadResponse, "", 1},
		{"429 then ok", []oaitest.Reply{oaitest.Status(429).WithMessage("slow down"), oaitest.OK()}, nil, "", 2},
		{"503 with short Retry-After then ok", []oaitest.Reply{oaitest.Status(503).WithRetryAfter("0"), oaitest.OK()}, nil, "", 2},
		{"Retry-After beyond the timeout gives up", []oaitest.Reply{oaitest.Status(429).WithRetryAfter("30"), oaitest.OK()}, ErrUnavailable, "status 429", 1},
		{"500 twice", []oaitest.Reply{oaitest.Raw(500, "text/plain", "boom")}, ErrUnavailable, "status 500", 2},
		{"401 not retried", []oaitest.Reply{oaitest.Status(401).WithMessage("bad key"), oaitest.OK()}, ErrRejected, "status 401", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newEmbedServer(t, 8, oaitest.EmbedReplies(tt.replies...))
			e := newTestOpenAI(t, s, 8, 5*time.Second, nil)
			got, err := e.Embed(context.Background(), []string{"甲", "乙"})
			if tt.wantErr == nil {
				if err != nil || len(got) != 2 || !sameVec(got[0], wantVec(t, "甲", 8)) || !sameVec(got[1], wantVec(t, "乙", 8)) {
					t.Fatalf("Embed = %d vectors, %v; want success", len(got), err)
				}
			} else if !errors.Is(err, tt.wantErr) || got != nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("Embed = %v, %v; want %v (%q) and no vectors", got, err, tt.wantErr, tt.wantMsg)
			}
			if s.Count() != tt.wantReqs {
				t.Errorf("requests = %d, want %d", s.Count(), tt.wantReqs)
			}
		})
	}
}

func TestOpenAIDimensionMustStayFixed(t *testing.T) {
	s := newEmbedServer(t, 8, oaitest.EmbedReplies(oaitest.OK(), oaitest.WrongDim(16)))
	e := newTestOpenAI(t, s, 8, 5*time.Second, nil)
	if _, err := e.Embed(context.Background(), []string{"甲"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Embed(context.Background(), []string{"乙"}); !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "dimension 16, want 8") {
		t.Fatalf("err = %v; a changed dimension must not mix into one index", err)
	}
}

func TestOpenAIRejectsEmptyText(t *testing.T) {
	s := newEmbedServer(t, 8)
	e := newTestOpenAI(t, s, 8, 5*time.Second, nil)
	if _, err := e.Embed(context.Background(), []string{"甲", "  "}); err == nil || s.Count() != 0 {
		t.Fatalf("err = %v after %d requests; want an error before any request", err, s.Count())
	}
}

func TestOpenAITimeout(t *testing.T) {
	s := newEmbedServer(t, 8, oaitest.EmbedReplies(oaitest.Hang()))
	e := newTestOpenAI(t, s, 8, 100*time.Millisecond, nil)
	_, err := e.Embed(context.Background(), []string{"甲"})
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want ErrUnavailable wrapping DeadlineExceeded", err)
	}
	if s.Count() != 1 {
		t.Errorf("requests = %d, want 1 (no retry after a timeout)", s.Count())
	}
}

func TestOpenAICallerCancel(t *testing.T) {
	s := newEmbedServer(t, 8, oaitest.EmbedReplies(oaitest.Hang()))
	e := newTestOpenAI(t, s, 8, 5*time.Second, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.Embed(ctx, []string{"甲"})
		done <- err
	}()
	s.Await(1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v; want context.Canceled, not ErrUnavailable", err)
	}
}

func TestOpenAIKeyNeverLeaks(t *testing.T) {
	// A misconfigured proxy echoing the Authorization header it received.
	s := newEmbedServer(t, 8, oaitest.WithEmbed(func(r oaitest.Request) oaitest.Reply {
		code := []int{401, 500}[(r.N-1)%2]
		return oaitest.Raw(code, "text/plain", "denied for "+r.Auth)
	}))
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newTestOpenAI(t, s, 8, 5*time.Second, log)
	for range 2 {
		_, err := e.Embed(context.Background(), []string{"甲"})
		if err == nil || strings.Contains(err.Error(), oaiTestKey) || !strings.Contains(err.Error(), "[REDACTED]") {
			t.Errorf("err = %v; want an error with the echoed key redacted", err)
		}
	}
	// The key was sent every time (401, then 500 and its retry), and never shown.
	reqs := s.Requests()
	if len(reqs) != 3 {
		t.Errorf("requests = %d, want 3", len(reqs))
	}
	for _, r := range reqs {
		if r.Auth != "Bearer "+oaiTestKey {
			t.Errorf("request %d: Authorization %q", r.N, r.Auth)
		}
	}
	cfg := OpenAIConfig{BaseURL: "http://x/v1", APIKey: oaiTestKey, Model: "m"}
	log.Info("config", "cfg", cfg)
	for _, out := range []string{fmt.Sprintf("%v|%+v|%#v|%s|%v|%+v|%#v", cfg, cfg, cfg, e, e, e, e), logs.String()} {
		if strings.Contains(out, oaiTestKey) {
			t.Errorf("key leaked: %s", out)
		}
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Errorf("the retry after 500 was not logged:\n%s", logs.String())
	}
}

func TestNewOpenAIValidates(t *testing.T) {
	tests := []struct {
		name    string
		cfg     OpenAIConfig
		ok      bool
		wantErr string // part of the error when !ok
	}{
		{"ok", OpenAIConfig{BaseURL: "http://localhost:11434/v1", Model: "bge-m3"}, true, ""},
		{"no model", OpenAIConfig{BaseURL: "http://localhost:11434/v1"}, false, "model is required"},
		{"no url", OpenAIConfig{Model: "m"}, false, "base URL"},
		{"bad scheme", OpenAIConfig{BaseURL: "file:///x", Model: "m"}, false, "base URL"},
		{"negative batch", OpenAIConfig{BaseURL: "http://h", Model: "m", BatchSize: -1}, false, "batch size"},
		{"huge batch", OpenAIConfig{BaseURL: "http://h", Model: "m", BatchSize: 5000}, false, "batch size"},
		{"negative timeout", OpenAIConfig{BaseURL: "http://h", Model: "m", Timeout: -1}, false, ""},
		{"negative retry backoff", OpenAIConfig{BaseURL: "http://h", Model: "m", RetryBackoff: -time.Millisecond}, false, "RetryBackoff"},
		{"negative max Retry-After", OpenAIConfig{BaseURL: "http://h", Model: "m", MaxRetryAfter: -time.Second}, false, "MaxRetryAfter"},
	}
	for _, tt := range tests {
		e, err := NewOpenAI(tt.cfg)
		if (err == nil) != tt.ok || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
		if err == nil && (e.Model() != tt.cfg.Model || e.batch != DefaultBatchSize || e.conn.Timeout != DefaultOpenAITimeout || e.conn.Retry != oai.DefaultPolicy()) {
			t.Errorf("%s: defaults not applied: %v", tt.name, e)
		}
	}
}

func TestOpenAIRetrySettings(t *testing.T) {
	tests := []struct {
		name          string
		backoff       time.Duration
		maxRetryAfter time.Duration
		first         oaitest.Reply
		timeout       time.Duration
		wantErr       error
		wantReqs      int
	}{
		// RetryBackoff replaces the 1s default, which would not fit in the timeout.
		{"backoff within a short timeout", time.Millisecond, 0, oaitest.Status(503), 800 * time.Millisecond, nil, 2},
		// MaxRetryAfter caps the server's 30s hint to 1ms.
		{"Retry-After capped", time.Millisecond, time.Millisecond, oaitest.Status(429).WithRetryAfter("30"), 5 * time.Second, nil, 2},
		// Without the cap the (default 10s) wait outlasts the timeout: give up at once.
		{"Retry-After not capped", time.Millisecond, 0, oaitest.Status(429).WithRetryAfter("30"), 5 * time.Second, ErrUnavailable, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newEmbedServer(t, 8, oaitest.EmbedReplies(tt.first, oaitest.OK()))
			e := newOpenAIWith(t, OpenAIConfig{BaseURL: s.URL(), Model: "m", Timeout: tt.timeout,
				RetryBackoff: tt.backoff, MaxRetryAfter: tt.maxRetryAfter, Logger: slog.New(slog.DiscardHandler)})
			if want := (oai.Policy{Backoff: tt.backoff, MaxRetryAfter: tt.maxRetryAfter}).Resolved(); e.conn.Retry != want {
				t.Errorf("retry policy %+v, want %+v", e.conn.Retry, want)
			}
			_, err := e.Embed(context.Background(), []string{"甲"})
			if !errors.Is(err, tt.wantErr) || s.Count() != tt.wantReqs {
				t.Fatalf("err = %v after %d requests; want %v after %d", err, s.Count(), tt.wantErr, tt.wantReqs)
			}
		})
	}
}

func TestOpenAIConfigDescribesRetry(t *testing.T) {
	cfg := OpenAIConfig{BaseURL: "http://x/v1", Model: "m", RetryBackoff: 2 * time.Millisecond, MaxRetryAfter: 3 * time.Second}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "cfg", cfg)
	for _, want := range []string{"RetryBackoff: 2ms", "MaxRetryAfter: 3s"} {
		if !strings.Contains(cfg.String(), want) {
			t.Errorf("String() = %s; lacks %q", cfg, want)
		}
	}
	for _, want := range []string{"cfg.retry_backoff=2ms", "cfg.max_retry_after=3s"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log %s lacks %q", logs.String(), want)
		}
	}
}

func ExampleOpenAI_Embed() {
	// A stand-in for an OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Input []string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		w.Header().Set("Content-Type", "application/json")
		var data []string
		for i := range req.Input {
			data = append(data, fmt.Sprintf(`{"index":%d,"embedding":[3,4]}`, i))
		}
		fmt.Fprintf(w, `{"object":"list","data":[%s]}`, strings.Join(data, ","))
	}))
	defer srv.Close()

	e, err := NewOpenAI(OpenAIConfig{BaseURL: srv.URL + "/v1", Model: "bge-m3", BatchSize: 16})
	if err != nil {
		panic(err)
	}
	vecs, err := e.Embed(context.Background(), []string{"上海合作組織", "禁毒合作"})
	fmt.Println(vecs, err)
	// Output: [[0.6 0.8] [0.6 0.8]] <nil>
}

func TestOpenAILongErrorBodyIsShortened(t *testing.T) {
	s := newEmbedServer(t, 8, oaitest.EmbedReplies(oaitest.Raw(http.StatusNotFound, "text/plain", strings.Repeat("錯誤頁面 ", 3000))))
	e := newTestOpenAI(t, s, 8, 5*time.Second, nil)
	_, err := e.Embed(context.Background(), []string{"甲"})
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("err = %v; want ErrRejected", err)
	}
	// The server's part is cut to MaxErrLen; Embed then names the texts.
	if n := len(err.Error()); n > oai.MaxErrLen+len("…")+len(" (texts 0-0 of 1)") || !utf8.ValidString(err.Error()) {
		t.Errorf("error message of %d bytes (valid UTF-8: %v)", n, utf8.ValidString(err.Error()))
	}
}
