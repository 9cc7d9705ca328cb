// Package llm asks an OpenAI-compatible chat server (OpenAI, Ollama, vLLM,
// llama.cpp) for answers grounded in supplied document passages, and for
// standalone search queries built from follow-up questions.
//
// The package only talks to the model; it does not judge the answer. The bot
// runs every answer through its citation check before showing it.
package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/citebot/citebot/internal/oai"
)

// DefaultTimeout bounds one Answer or Rewrite, retry included, when Config.Timeout is zero.
const DefaultTimeout = 60 * time.Second

// NotInDocument is the marker the model is told to reply with when the passages do not answer the question.
const NotInDocument = "NOT_IN_DOCUMENT"

// Errors returned by Client methods; the bot falls back to its extractive answer on any of them.
var (
	// ErrUnavailable means the server could not be reached, kept failing with
	// 429/5xx after the retry, or did not answer within the timeout.
	ErrUnavailable = errors.New("llm: server unavailable")
	// ErrRejected means the server refused the request with a 4xx other than
	// 429 (bad key, unknown model, request too large): retrying cannot help.
	ErrRejected = errors.New("llm: request rejected")
	// ErrBadReply means the server answered with something that is not a
	// valid chat completion (malformed JSON, a broken or truncated stream).
	ErrBadReply = errors.New("llm: malformed reply")
	// ErrEmptyReply means the model answered with no text at all.
	ErrEmptyReply = errors.New("llm: empty reply")
	// ErrTruncated means the server read less of the prompt than was sent:
	// its context window is smaller than the prompt, and it cut the
	// document rather than refuse. Ask again with fewer passages.
	ErrTruncated = errors.New("llm: prompt cut to the server's context window")
)

// Config configures a Client.
type Config struct {
	// BaseURL is the API root, e.g. https://api.openai.com/v1 or http://localhost:11434/v1.
	BaseURL string
	// APIKey is sent as a bearer token; it may be empty for local servers.
	APIKey string
	// Model is the chat model name.
	Model string
	// Timeout is the hard overall limit for one call, retry included (DefaultTimeout when zero).
	Timeout time.Duration
	// RetryBackoff is the wait before the one retry after a 429/5xx that
	// came without Retry-After (oai.DefaultBackoff, 1s, when zero).
	RetryBackoff time.Duration
	// MaxRetryAfter caps the wait a server's Retry-After may ask for
	// (oai.DefaultMaxRetryAfter, 10s, when zero); a wait that would not end
	// before the timeout is not waited: the call fails at once.
	MaxRetryAfter time.Duration
	// Logger receives retries and warnings (slog.Default() when nil).
	Logger *slog.Logger
}

// String describes the config without the API key, so it is safe to log.
func (c Config) String() string {
	return fmt.Sprintf("llm.Config{BaseURL: %q, APIKey: %s, Model: %q, Timeout: %s, RetryBackoff: %s, MaxRetryAfter: %s}",
		c.BaseURL, oai.KeyState(c.APIKey), c.Model, c.Timeout, c.RetryBackoff, c.MaxRetryAfter)
}

// GoString is String, so %#v cannot leak the key either.
func (c Config) GoString() string { return c.String() }

// LogValue keeps the key out of structured logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("api_key", oai.KeyState(c.APIKey)),
		slog.String("model", c.Model),
		slog.Duration("timeout", c.Timeout),
		slog.Duration("retry_backoff", c.RetryBackoff),
		slog.Duration("max_retry_after", c.MaxRetryAfter),
	)
}

// Client asks one model on one OpenAI-compatible server. It is safe for concurrent use.
type Client struct {
	conn oai.Conn
}

// New checks cfg and returns a client; it makes no network call.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("llm: config: model is required")
	}
	if cfg.BaseURL == "" {
		return nil, errors.New("llm: config: base URL is required")
	}
	if !oai.ValidBaseURL(cfg.BaseURL) {
		return nil, fmt.Errorf("llm: config: base URL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("llm: config: negative timeout %s", cfg.Timeout)
	}
	if cfg.RetryBackoff < 0 {
		return nil, fmt.Errorf("llm: config: negative RetryBackoff %s", cfg.RetryBackoff)
	}
	if cfg.MaxRetryAfter < 0 {
		return nil, fmt.Errorf("llm: config: negative MaxRetryAfter %s", cfg.MaxRetryAfter)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	conn := oai.NewConn(cfg.BaseURL, cfg.APIKey, cfg.Model, cfg.Timeout, cfg.Logger, "llm")
	conn.Retry = oai.Policy{Backoff: cfg.RetryBackoff, MaxRetryAfter: cfg.MaxRetryAfter}.Resolved()
	return &Client{conn: conn}, nil
}

// Model returns the chat model name.
func (c *Client) Model() string { return c.conn.Model }

// String describes the client without its API key.
func (c *Client) String() string { return c.conn.Describe("llm.Client") }

// GoString is String, so %#v cannot leak the key either.
func (c *Client) GoString() string { return c.String() }

// withRetry runs fn, and once more after a backoff when the first try failed
// with 429/5xx. ctx already carries the call's overall deadline.
func (c *Client) withRetry(ctx context.Context, op string, fn oai.Attempt) error {
	return c.conn.Retry.Do(ctx, fn, func(status int, wait time.Duration) {
		c.conn.Log.Warn("retrying after server error", "op", op, "status", status, "wait", wait)
	})
}

// errs sorts failures into this package's sentinels; the bot branches on them.
var errs = oai.Errors{
	Prefix:      "llm",
	Unavailable: ErrUnavailable,
	Rejected:    ErrRejected,
	Bad:         ErrBadReply,
	Known:       []error{ErrEmptyReply, ErrTruncated, ErrBadReply, ErrUnavailable, ErrRejected},
}

// classify wraps err with the sentinel the bot branches on, the operation and
// the timeout, and scrubs the API key from the message.
func (c *Client) classify(ctx context.Context, parent context.Context, op string, err error) error {
	return errs.Classify(ctx, parent, op, c.conn.Timeout, c.conn.Key, err)
}
