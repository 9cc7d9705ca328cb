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
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
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
	// Logger receives retries and warnings (slog.Default() when nil).
	Logger *slog.Logger
}

// String describes the config without the API key, so it is safe to log.
func (c Config) String() string {
	return fmt.Sprintf("llm.Config{BaseURL: %q, APIKey: %s, Model: %q, Timeout: %s}",
		c.BaseURL, maskKey(c.APIKey), c.Model, c.Timeout)
}

// GoString is String, so %#v cannot leak the key either.
func (c Config) GoString() string { return c.String() }

// LogValue keeps the key out of structured logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("api_key", maskKey(c.APIKey)),
		slog.String("model", c.Model),
		slog.Duration("timeout", c.Timeout),
	)
}

func maskKey(key string) string {
	if key == "" {
		return "(none)"
	}
	return "(set)"
}

// Client asks one model on one OpenAI-compatible server. It is safe for concurrent use.
type Client struct {
	api     *openai.Client
	model   string
	baseURL string
	key     string
	timeout time.Duration
	log     *slog.Logger

	// backoff is the wait before the retry when the server gave no
	// Retry-After; tests shorten it.
	backoff time.Duration
	// maxRetryAfter caps a server's Retry-After so one slow hint cannot eat the whole timeout.
	maxRetryAfter time.Duration
}

// New checks cfg and returns a client; it makes no network call.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("llm: config: model is required")
	}
	if cfg.BaseURL == "" {
		return nil, errors.New("llm: config: base URL is required")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The parse error may quote the URL; it holds no key, but keep it short.
		return nil, fmt.Errorf("llm: config: base URL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("llm: config: negative timeout %s", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	oc.HTTPClient = newDoer(cfg.Timeout)
	return &Client{
		api:           openai.NewClientWithConfig(oc),
		model:         cfg.Model,
		baseURL:       oc.BaseURL,
		key:           cfg.APIKey,
		timeout:       cfg.Timeout,
		log:           logger.With("component", "llm", "model", cfg.Model),
		backoff:       time.Second,
		maxRetryAfter: 10 * time.Second,
	}, nil
}

// Model returns the chat model name.
func (c *Client) Model() string { return c.model }

// String describes the client without its API key.
func (c *Client) String() string {
	return fmt.Sprintf("llm.Client{BaseURL: %q, Model: %q, APIKey: %s}", c.baseURL, c.model, maskKey(c.key))
}

// newDoer builds the HTTP client. Its own timeout is a backstop only: the
// per-call context carries the real deadline. The wrapper records Retry-After
// because go-openai's errors drop the response headers.
func newDoer(timeout time.Duration) openai.HTTPDoer {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = timeout
	return hintDoer{c: &http.Client{Transport: tr, Timeout: timeout + 5*time.Second}}
}

type hintKey struct{}

// retryHint carries the server's Retry-After out of one attempt.
type retryHint struct{ after time.Duration }

type hintDoer struct{ c *http.Client }

// Do sends req and notes a Retry-After on 429/5xx for the retry loop.
func (d hintDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err == nil && retryableStatus(resp.StatusCode) {
		if h, ok := req.Context().Value(hintKey{}).(*retryHint); ok {
			h.after = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
	}
	return resp, err
}

func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var secs int
	if _, err := fmt.Sscanf(v, "%d", &secs); err == nil && fmt.Sprint(secs) == v {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code >= 500
}

// statusOf returns the HTTP status carried by a go-openai error, or 0.
func statusOf(err error) int {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return apiErr.HTTPStatusCode
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return reqErr.HTTPStatusCode
	}
	return 0
}

// attempt is one try of a call; it reports whether a failure may be retried
// (a stream that already showed text to the user must not be replayed).
type attempt func(ctx context.Context) (retryable bool, err error)

// withRetry runs fn, and once more after a backoff when the first try failed
// with 429/5xx. ctx already carries the call's overall deadline.
func (c *Client) withRetry(ctx context.Context, op string, fn attempt) error {
	const maxAttempts = 2
	for n := 1; ; n++ {
		hint := &retryHint{}
		retryable, err := fn(context.WithValue(ctx, hintKey{}, hint))
		if err == nil {
			return nil
		}
		status := statusOf(err)
		if n >= maxAttempts || !retryable || !retryableStatus(status) || ctx.Err() != nil {
			return err
		}
		wait := c.backoff
		if hint.after > 0 {
			wait = min(hint.after, c.maxRetryAfter)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			// Waiting would only end in the deadline; fail now so the bot falls back sooner.
			return err
		}
		c.log.Warn("llm: retrying after server error", "op", op, "status", status, "wait", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// classify wraps err with the sentinel the bot branches on, the operation and
// the timeout, and scrubs the API key from the message.
func (c *Client) classify(ctx context.Context, parent context.Context, op string, err error) error {
	var out error
	status := statusOf(err)
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		// The caller gave up; not a server problem.
		out = fmt.Errorf("llm: %s: %w", op, parent.Err())
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		// Our timeout or the caller's deadline: either way the server was too slow.
		out = fmt.Errorf("%w: %s: no reply within %s: %w", ErrUnavailable, op, c.timeout, err)
	case retryableStatus(status):
		out = fmt.Errorf("%w: %s: status %d: %w", ErrUnavailable, op, status, err)
	case status >= 400:
		out = fmt.Errorf("%w: %s: status %d: %w", ErrRejected, op, status, err)
	case errors.Is(err, ErrEmptyReply), errors.Is(err, ErrBadReply), errors.Is(err, ErrUnavailable), errors.Is(err, ErrRejected):
		out = fmt.Errorf("llm: %s: %w", op, err)
	case isNetErr(err):
		out = fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
	default:
		out = fmt.Errorf("%w: %s: %w", ErrBadReply, op, err)
	}
	return redact(out, c.key)
}

func isNetErr(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne)
}

// maxErrLen caps an error message: a proxy's HTML error page would
// otherwise land whole in the logs.
const maxErrLen = 600

// redactedError hides a secret in an error's message, and shortens it, while
// keeping the chain for errors.Is/As.
type redactedError struct {
	err    error
	secret string
}

func (e *redactedError) Error() string {
	msg := e.err.Error()
	if e.secret != "" {
		msg = strings.ReplaceAll(msg, e.secret, "[REDACTED]")
	}
	if len(msg) > maxErrLen {
		cut := maxErrLen
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}

func (e *redactedError) Unwrap() error { return e.err }

func redact(err error, secret string) error {
	if err == nil {
		return nil
	}
	return &redactedError{err: err, secret: secret}
}
