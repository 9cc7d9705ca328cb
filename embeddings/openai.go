package embeddings

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/citebot/citebot/internal/oai"
)

// Errors from OpenAI.Embed, so callers can tell a down server from a broken one.
var (
	// ErrUnavailable means the server could not be reached, kept failing with
	// 429/5xx after the retry, or did not answer within the timeout.
	ErrUnavailable = errors.New("embeddings: server unavailable")
	// ErrRejected means a 4xx other than 429 (bad key, unknown model, input too long).
	ErrRejected = errors.New("embeddings: request rejected")
	// ErrBadResponse means the reply cannot be trusted: malformed, the wrong
	// number of vectors, inconsistent dimensions, or unusable values.
	ErrBadResponse = errors.New("embeddings: bad response")
)

const (
	// DefaultOpenAITimeout bounds one batch request, retry included, when OpenAIConfig.Timeout is zero.
	DefaultOpenAITimeout = 30 * time.Second
	// DefaultBatchSize keeps requests well under every server's input limit
	// (OpenAI allows 2048 inputs; local servers often far fewer tokens per call).
	DefaultBatchSize = 64
	// maxBatchSize is OpenAI's documented limit on inputs per request.
	maxBatchSize = 2048
)

// OpenAIConfig configures an OpenAI-compatible embedder.
type OpenAIConfig struct {
	// BaseURL is the API root, e.g. https://api.openai.com/v1 or http://localhost:11434/v1.
	BaseURL string
	// APIKey is sent as a bearer token; it may be empty for local servers.
	APIKey string
	// Model is the embedding model name.
	Model string
	// Timeout bounds each batch request, retry included (DefaultOpenAITimeout when zero).
	Timeout time.Duration
	// BatchSize is the number of texts per request (DefaultBatchSize when zero).
	BatchSize int
	// RetryBackoff is the wait before the one retry after a 429/5xx that
	// came without Retry-After (oai.DefaultBackoff, 1s, when zero).
	RetryBackoff time.Duration
	// MaxRetryAfter caps the wait a server's Retry-After may ask for
	// (oai.DefaultMaxRetryAfter, 10s, when zero); a wait that would not end
	// before the timeout is not waited: the batch fails at once.
	MaxRetryAfter time.Duration
	// Logger receives retries (slog.Default() when nil).
	Logger *slog.Logger
}

// String describes the config without the API key, so it is safe to log.
func (c OpenAIConfig) String() string {
	return fmt.Sprintf("embeddings.OpenAIConfig{BaseURL: %q, APIKey: %s, Model: %q, Timeout: %s, BatchSize: %d, RetryBackoff: %s, MaxRetryAfter: %s}",
		c.BaseURL, oai.KeyState(c.APIKey), c.Model, c.Timeout, c.BatchSize, c.RetryBackoff, c.MaxRetryAfter)
}

// GoString is String, so %#v cannot leak the key either.
func (c OpenAIConfig) GoString() string { return c.String() }

// LogValue keeps the key out of structured logs.
func (c OpenAIConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.BaseURL), slog.String("api_key", oai.KeyState(c.APIKey)),
		slog.String("model", c.Model), slog.Duration("timeout", c.Timeout), slog.Int("batch_size", c.BatchSize),
		slog.Duration("retry_backoff", c.RetryBackoff), slog.Duration("max_retry_after", c.MaxRetryAfter))
}

// OpenAI embeds texts through an OpenAI-compatible /embeddings endpoint
// (OpenAI, Ollama, vLLM, llama.cpp). It is safe for concurrent use.
type OpenAI struct {
	conn  oai.Conn
	batch int

	mu  sync.Mutex
	dim int // dimension of the first reply; every later vector must match
}

// NewOpenAI checks cfg and returns an embedder; it makes no network call.
func NewOpenAI(cfg OpenAIConfig) (*OpenAI, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("embeddings: config: model is required")
	}
	if !oai.ValidBaseURL(cfg.BaseURL) {
		return nil, fmt.Errorf("embeddings: config: base URL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.Timeout < 0 || cfg.BatchSize < 0 || cfg.BatchSize > maxBatchSize {
		return nil, fmt.Errorf("embeddings: config: timeout %s or batch size %d out of range", cfg.Timeout, cfg.BatchSize)
	}
	if cfg.RetryBackoff < 0 {
		return nil, fmt.Errorf("embeddings: config: negative RetryBackoff %s", cfg.RetryBackoff)
	}
	if cfg.MaxRetryAfter < 0 {
		return nil, fmt.Errorf("embeddings: config: negative MaxRetryAfter %s", cfg.MaxRetryAfter)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultOpenAITimeout
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	conn := oai.NewConn(cfg.BaseURL, cfg.APIKey, cfg.Model, cfg.Timeout, cfg.Logger, "embeddings")
	conn.Retry = oai.Policy{Backoff: cfg.RetryBackoff, MaxRetryAfter: cfg.MaxRetryAfter}.Resolved()
	return &OpenAI{conn: conn, batch: cfg.BatchSize}, nil
}

// Model returns the embedding model name.
func (e *OpenAI) Model() string { return e.conn.Model }

// String describes the embedder without its API key.
func (e *OpenAI) String() string { return e.conn.Describe("embeddings.OpenAI") }

// GoString is String, so %#v cannot leak the key either.
func (e *OpenAI) GoString() string { return e.String() }

// Embed returns one L2-normalised vector per text, in order, sending at most
// BatchSize texts per request. Each request is bounded by the timeout and
// retried once on 429/5xx. Any mismatch between texts sent and vectors
// received is an error: a misaligned vector would silently corrupt retrieval.
// So is a dimension that differs from earlier calls: vectors of two models
// cannot share an index (a restart, with the Cache, rebuilds cleanly).
func (e *OpenAI) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	for i, t := range texts {
		if strings.TrimSpace(t) == "" {
			// Servers reject empty input with an opaque 400; say which one.
			return nil, fmt.Errorf("embeddings: text %d of %d is empty", i, len(texts))
		}
	}
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += e.batch {
		end := min(start+e.batch, len(texts))
		vecs, err := e.embedBatch(ctx, texts[start:end])
		if err != nil {
			return nil, fmt.Errorf("%w (texts %d-%d of %d)", err, start, end-1, len(texts))
		}
		out = append(out, vecs...)
	}
	return out, nil
}

func (e *OpenAI) embedBatch(parent context.Context, batch []string) ([][]float32, error) {
	ctx, cancel := context.WithTimeout(parent, e.conn.Timeout)
	defer cancel()
	req := openai.EmbeddingRequestStrings{Input: batch, Model: openai.EmbeddingModel(e.conn.Model)}
	var resp openai.EmbeddingResponse
	err := e.conn.Retry.Do(ctx, func(ctx context.Context) (bool, error) {
		// A batch request has no side effects, so any 429/5xx may be retried.
		var err error
		resp, err = e.conn.API.CreateEmbeddings(ctx, req)
		return true, err
	}, func(status int, wait time.Duration) {
		e.conn.Log.Warn("retrying after server error", "status", status, "wait", wait, "inputs", len(batch))
	})
	if err != nil {
		return nil, e.classify(ctx, parent, err)
	}
	vecs, err := e.align(batch, resp.Data)
	if err != nil {
		return nil, oai.Redact(err, e.conn.Key)
	}
	return vecs, nil
}

// align puts the server's vectors in input order and checks them: one per
// input, each index used once, one dimension, finite, non-zero.
func (e *OpenAI) align(batch []string, data []openai.Embedding) ([][]float32, error) {
	if len(data) != len(batch) {
		return nil, fmt.Errorf("%w: sent %d texts, got %d vectors", ErrBadResponse, len(batch), len(data))
	}
	out := make([][]float32, len(batch))
	for _, d := range data {
		if d.Index < 0 || d.Index >= len(batch) || out[d.Index] != nil {
			return nil, fmt.Errorf("%w: vector index %d is out of range or repeated", ErrBadResponse, d.Index)
		}
		v, err := unitVector(d.Embedding)
		if err != nil {
			return nil, fmt.Errorf("%w: vector %d: %w", ErrBadResponse, d.Index, err)
		}
		out[d.Index] = v
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	dim := e.dim
	if dim == 0 {
		dim = len(out[0])
	}
	for i, v := range out {
		if len(v) != dim {
			return nil, fmt.Errorf("%w: vector %d has dimension %d, want %d", ErrBadResponse, i, len(v), dim)
		}
	}
	e.dim = dim
	return out, nil
}

// unitVector returns v scaled to unit length, as a new slice.
func unitVector(v []float32) ([]float32, error) {
	if len(v) == 0 {
		return nil, errors.New("empty vector")
	}
	var sum float64
	for _, x := range v {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errors.New("non-finite value")
		}
		sum += f * f
	}
	if sum == 0 {
		return nil, errors.New("zero vector")
	}
	inv := 1 / math.Sqrt(sum)
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out, nil
}

// errs sorts failures into this package's sentinels.
var errs = oai.Errors{Prefix: "embeddings", Unavailable: ErrUnavailable, Rejected: ErrRejected, Bad: ErrBadResponse}

func (e *OpenAI) classify(ctx, parent context.Context, err error) error {
	return errs.Classify(ctx, parent, "", e.conn.Timeout, e.conn.Key, err)
}
