package embeddings

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/citebot/citebot/internal/oai"
)

const oaiTestKey = "sk-embed-SECRET-987654321"

// embedServer is an OpenAI-compatible /embeddings endpoint. By default it
// returns rawVec(text) for every input, in reverse order with correct
// indices, so a client that ignores the index misaligns.
type embedServer struct {
	srv *httptest.Server

	mu       sync.Mutex
	dim      int
	inputs   [][]string // inputs of every request, in arrival order
	auth     []string
	models   []string
	override func(n int, inputs []string, w http.ResponseWriter) bool // n is the 0-based request number
}

func newEmbedServer(t testing.TB, dim int) *embedServer {
	t.Helper()
	s := &embedServer{dim: dim}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Input []string `json:"input"`
			Model string   `json:"model"`
		}
		if r.URL.Path != "/v1/embeddings" || json.Unmarshal(body, &req) != nil {
			http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, 400)
			return
		}
		s.mu.Lock()
		n := len(s.inputs)
		s.inputs = append(s.inputs, req.Input)
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.models = append(s.models, req.Model)
		dim, override := s.dim, s.override
		s.mu.Unlock()
		if override != nil && override(n, req.Input, w) {
			return
		}
		writeEmbeddings(w, req.Input, dim)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func writeEmbeddings(w http.ResponseWriter, inputs []string, dim int) {
	resp := openai.EmbeddingResponse{Object: "list", Model: "m"}
	for i := len(inputs) - 1; i >= 0; i-- {
		resp.Data = append(resp.Data, openai.Embedding{Object: "embedding", Index: i, Embedding: rawVec(inputs[i], dim)})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func (s *embedServer) setDim(d int) {
	s.mu.Lock()
	s.dim = d
	s.mu.Unlock()
}

func (s *embedServer) setOverride(f func(n int, inputs []string, w http.ResponseWriter) bool) {
	s.mu.Lock()
	s.override = f
	s.mu.Unlock()
}

func (s *embedServer) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.inputs)
}

// snapshot copies what the server recorded, under its lock.
func (s *embedServer) snapshot() (inputs [][]string, auth, models []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]string(nil), s.inputs...), append([]string(nil), s.auth...), append([]string(nil), s.models...)
}

// sent returns every input text sent so far, flattened.
func (s *embedServer) sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, in := range s.inputs {
		out = append(out, in...)
	}
	return out
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

func newTestOpenAI(t testing.TB, url string, batch int, timeout time.Duration, log *slog.Logger) *OpenAI {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e, err := NewOpenAI(OpenAIConfig{BaseURL: url + "/v1", APIKey: oaiTestKey, Model: "text-embedding-3-small",
		BatchSize: batch, Timeout: timeout, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	e.conn.Retry.Backoff = 5 * time.Millisecond
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
			e := newTestOpenAI(t, s.srv.URL, tt.batch, 5*time.Second, nil)
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
			inputs, auth, models := s.snapshot()
			var sizes []int
			for _, batch := range inputs {
				sizes = append(sizes, len(batch))
			}
			if fmt.Sprint(sizes) != fmt.Sprint(tt.wantSizes) {
				t.Errorf("batch sizes %v, want %v", sizes, tt.wantSizes)
			}
			if strings.Join(s.sent(), "|") != strings.Join(in, "|") {
				t.Errorf("inputs sent out of order")
			}
			for i := range auth {
				if auth[i] != "Bearer "+oaiTestKey || models[i] != "text-embedding-3-small" {
					t.Errorf("request %d: auth %q model %q", i, auth[i], models[i])
				}
			}
		})
	}
}

func TestOpenAIEmbedBadResponses(t *testing.T) {
	reply := func(f func(inputs []string) openai.EmbeddingResponse) func(int, []string, http.ResponseWriter) bool {
		return func(_ int, inputs []string, w http.ResponseWriter) bool {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(f(inputs))
			return true
		}
	}
	vec := func(i int, v []float32) openai.Embedding { return openai.Embedding{Index: i, Embedding: v} }
	tests := []struct {
		name     string
		override func(int, []string, http.ResponseWriter) bool
		wantErr  error
		wantReqs int
	}{
		{"too few vectors", reply(func(in []string) openai.EmbeddingResponse {
			return openai.EmbeddingResponse{Data: []openai.Embedding{vec(0, rawVec(in[0], 8))}}
		}), ErrBadResponse, 1},
		{"too many vectors", reply(func(in []string) openai.EmbeddingResponse {
			return openai.EmbeddingResponse{Data: []openai.Embedding{vec(0, rawVec("a", 8)), vec(1, rawVec("b", 8)), vec(2, rawVec("c", 8))}}
		}), ErrBadResponse, 1},
		{"inconsistent dimensions", reply(func(in []string) openai.EmbeddingResponse {
			return openai.EmbeddingResponse{Data: []openai.Embedding{vec(0, rawVec("a", 8)), vec(1, rawVec("b", 7))}}
		}), ErrBadResponse, 1},
		{"repeated index", reply(func(in []string) openai.EmbeddingResponse {
			return openai.EmbeddingResponse{Data: []openai.Embedding{vec(0, rawVec("a", 8)), vec(0, rawVec("b", 8))}}
		}), ErrBadResponse, 1},
		{"index out of range", reply(func(in []string) openai.EmbeddingResponse {
			return openai.EmbeddingResponse{Data: []openai.Embedding{vec(0, rawVec("a", 8)), vec(2, rawVec("b", 8))}}
		}), ErrBadResponse, 1},
		{"zero vector", reply(func(in []string) openai.EmbeddingResponse {
			return openai.EmbeddingResponse{Data: []openai.Embedding{vec(0, make([]float32, 8)), vec(1, rawVec("b", 8))}}
		}), ErrBadResponse, 1},
		{"empty vector", reply(func(in []string) openai.EmbeddingResponse {
			return openai.EmbeddingResponse{Data: []openai.Embedding{vec(0, nil), vec(1, nil)}}
		}), ErrBadResponse, 1},
		{"malformed json", func(_ int, _ []string, w http.ResponseWriter) bool {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"data": [{"embedding": [0.1, `)
			return true
		}, ErrBadResponse, 1},
		{"429 then ok", func(n int, _ []string, w http.ResponseWriter) bool {
			if n == 0 {
				http.Error(w, `{"error":{"message":"slow down","type":"rate_limit"}}`, 429)
				return true
			}
			return false
		}, nil, 2},
		{"500 twice", func(_ int, _ []string, w http.ResponseWriter) bool {
			http.Error(w, "boom", 500)
			return true
		}, ErrUnavailable, 2},
		{"401 not retried", func(_ int, _ []string, w http.ResponseWriter) bool {
			http.Error(w, `{"error":{"message":"bad key","type":"auth"}}`, 401)
			return true
		}, ErrRejected, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newEmbedServer(t, 8)
			s.setOverride(tt.override)
			e := newTestOpenAI(t, s.srv.URL, 8, 5*time.Second, nil)
			got, err := e.Embed(context.Background(), []string{"甲", "乙"})
			if tt.wantErr == nil {
				if err != nil || len(got) != 2 {
					t.Fatalf("Embed = %d vectors, %v; want success", len(got), err)
				}
			} else if !errors.Is(err, tt.wantErr) || got != nil {
				t.Fatalf("Embed = %v, %v; want %v and no vectors", got, err, tt.wantErr)
			}
			if s.requests() != tt.wantReqs {
				t.Errorf("requests = %d, want %d", s.requests(), tt.wantReqs)
			}
		})
	}
}

func TestOpenAIDimensionMustStayFixed(t *testing.T) {
	s := newEmbedServer(t, 8)
	e := newTestOpenAI(t, s.srv.URL, 8, 5*time.Second, nil)
	if _, err := e.Embed(context.Background(), []string{"甲"}); err != nil {
		t.Fatal(err)
	}
	s.setDim(16)
	if _, err := e.Embed(context.Background(), []string{"乙"}); !errors.Is(err, ErrBadResponse) {
		t.Fatalf("err = %v; a changed dimension must not mix into one index", err)
	}
}

func TestOpenAIRejectsEmptyText(t *testing.T) {
	s := newEmbedServer(t, 8)
	e := newTestOpenAI(t, s.srv.URL, 8, 5*time.Second, nil)
	if _, err := e.Embed(context.Background(), []string{"甲", "  "}); err == nil || s.requests() != 0 {
		t.Fatalf("err = %v after %d requests; want an error before any request", err, s.requests())
	}
}

func TestOpenAITimeout(t *testing.T) {
	s := newEmbedServer(t, 8)
	release := make(chan struct{})
	defer close(release)
	s.setOverride(func(_ int, _ []string, w http.ResponseWriter) bool {
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		return true
	})
	e := newTestOpenAI(t, s.srv.URL, 8, 100*time.Millisecond, nil)
	_, err := e.Embed(context.Background(), []string{"甲"})
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want ErrUnavailable wrapping DeadlineExceeded", err)
	}
}

func TestOpenAIKeyNeverLeaks(t *testing.T) {
	s := newEmbedServer(t, 8)
	// A misconfigured proxy echoing the Authorization header.
	s.setOverride(func(n int, _ []string, w http.ResponseWriter) bool {
		code := []int{401, 500}[n%2]
		http.Error(w, "denied for Bearer "+oaiTestKey, code)
		return true
	})
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newTestOpenAI(t, s.srv.URL, 8, 5*time.Second, log)
	for range 2 {
		_, err := e.Embed(context.Background(), []string{"甲"})
		if err == nil || strings.Contains(err.Error(), oaiTestKey) {
			t.Errorf("err = %v; want an error without the key", err)
		}
	}
	cfg := OpenAIConfig{BaseURL: "http://x/v1", APIKey: oaiTestKey, Model: "m"}
	log.Info("config", "cfg", cfg)
	for _, out := range []string{fmt.Sprintf("%v|%+v|%#v|%s|%v", cfg, cfg, cfg, e, e), logs.String()} {
		if strings.Contains(out, oaiTestKey) {
			t.Errorf("key leaked: %s", out)
		}
	}
}

func TestNewOpenAIValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  OpenAIConfig
		ok   bool
	}{
		{"ok", OpenAIConfig{BaseURL: "http://localhost:11434/v1", Model: "bge-m3"}, true},
		{"no model", OpenAIConfig{BaseURL: "http://localhost:11434/v1"}, false},
		{"no url", OpenAIConfig{Model: "m"}, false},
		{"bad scheme", OpenAIConfig{BaseURL: "file:///x", Model: "m"}, false},
		{"negative batch", OpenAIConfig{BaseURL: "http://h", Model: "m", BatchSize: -1}, false},
		{"huge batch", OpenAIConfig{BaseURL: "http://h", Model: "m", BatchSize: 5000}, false},
		{"negative timeout", OpenAIConfig{BaseURL: "http://h", Model: "m", Timeout: -1}, false},
	}
	for _, tt := range tests {
		e, err := NewOpenAI(tt.cfg)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v", tt.name, err)
		}
		if err == nil && (e.Model() != tt.cfg.Model || e.batch != DefaultBatchSize || e.conn.Timeout != DefaultOpenAITimeout) {
			t.Errorf("%s: defaults not applied: %v", tt.name, e)
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
	s := newEmbedServer(t, 8)
	s.setOverride(func(_ int, _ []string, w http.ResponseWriter) bool {
		http.Error(w, strings.Repeat("錯誤頁面 ", 3000), http.StatusNotFound)
		return true
	})
	e := newTestOpenAI(t, s.srv.URL, 8, 5*time.Second, nil)
	_, err := e.Embed(context.Background(), []string{"甲"})
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("err = %v; want ErrRejected", err)
	}
	if n := len(err.Error()); n > oai.MaxErrLen+100 {
		t.Errorf("error message of %d bytes", n)
	}
}
