// Package oai holds the plumbing that the chat client (package llm) and the
// embeddings client share over github.com/sashabaranov/go-openai: the HTTP
// client, the one retry on 429/5xx honouring Retry-After, the sorting of
// failures into "unavailable" and "rejected", and error messages that never
// carry the API key. Each client keeps its own sentinel errors and wording;
// this package only does the work the two would otherwise repeat.
package oai

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

// MaxErrLen caps an error message in bytes: a proxy's HTML error page would
// otherwise land whole in the logs.
const MaxErrLen = 600

// DefaultBackoff is the wait before the retry when the server sent no Retry-After.
const DefaultBackoff = time.Second

// DefaultMaxRetryAfter caps a server's Retry-After, so one slow hint cannot eat the whole timeout.
const DefaultMaxRetryAfter = 10 * time.Second

// KeyState describes an API key without revealing it, for String and LogValue methods.
func KeyState(key string) string {
	if key == "" {
		return "(none)"
	}
	return "(set)"
}

// ValidBaseURL reports whether raw is an absolute http(s) URL with a host.
func ValidBaseURL(raw string) bool {
	u, err := url.Parse(raw)
	return raw != "" && err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Conn is what a client of one model on one OpenAI-compatible server holds.
type Conn struct {
	// API is the go-openai client, over an HTTP client from NewClientConfig.
	API *openai.Client
	// BaseURL is the API root without trailing slashes.
	BaseURL string
	// Model is the model name sent with every request.
	Model string
	// Key is the API key: pass it to Redact or Errors.Classify, never print it.
	Key string
	// Timeout bounds one call, retry included.
	Timeout time.Duration
	// Log is tagged with the component and the model.
	Log *slog.Logger
	// Retry sets the wait before the one retry; zero fields get the defaults.
	// A client's config passes its retry settings here (tests use a millisecond).
	Retry Policy
}

// NewConn builds a Conn with DefaultPolicy; a nil logger means slog.Default().
// A client that takes retry settings from its config assigns them to Retry.
// It makes no network call; the caller has checked its arguments.
func NewConn(baseURL, key, model string, timeout time.Duration, logger *slog.Logger, component string) Conn {
	if logger == nil {
		logger = slog.Default()
	}
	oc := NewClientConfig(baseURL, key, timeout)
	return Conn{
		API:     openai.NewClientWithConfig(oc),
		BaseURL: oc.BaseURL,
		Model:   model,
		Key:     key,
		Timeout: timeout,
		Log:     logger.With("component", component, "model", model),
		Retry:   DefaultPolicy(),
	}
}

// Describe formats the connection as name{BaseURL, Model, APIKey} without revealing the key.
func (c Conn) Describe(name string) string {
	return fmt.Sprintf("%s{BaseURL: %q, Model: %q, APIKey: %s}", name, c.BaseURL, c.Model, KeyState(c.Key))
}

// NewClientConfig returns a go-openai config for baseURL (trailing slashes
// dropped) and key, whose HTTP client records Retry-After for Policy.Do.
func NewClientConfig(baseURL, key string, timeout time.Duration) openai.ClientConfig {
	oc := openai.DefaultConfig(key)
	oc.BaseURL = strings.TrimRight(baseURL, "/")
	oc.HTTPClient = newDoer(timeout)
	return oc
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
	if err == nil && Retryable(resp.StatusCode) {
		if h, ok := req.Context().Value(hintKey{}).(*retryHint); ok {
			h.after = RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
	}
	return resp, err
}

// RetryAfter parses a Retry-After header value (delay-seconds or an HTTP
// date, relative to now); it returns 0 when the value is absent, malformed,
// out of range or in the past.
func RetryAfter(header string, now time.Time) time.Duration {
	v := strings.TrimSpace(header)
	if v == "" {
		return 0
	}
	if strings.Trim(v, "0123456789") == "" {
		// RFC 9110 delay-seconds is digits only: no sign, fraction, exponent or unit.
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(time.Duration(1<<63-1)/time.Second) {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Retryable reports whether an HTTP status is worth one more try (429 or 5xx).
func Retryable(code int) bool {
	return code == http.StatusTooManyRequests || code >= 500
}

// Status returns the HTTP status carried by a go-openai error, or 0.
func Status(err error) int {
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

// Attempt is one try of a call; it reports whether a failure may be retried
// (a stream that already showed text to the user must not be replayed).
type Attempt func(ctx context.Context) (retryable bool, err error)

// Policy says how long to wait before the one retry. It is meant to be set
// from a client's configuration: the zero Policy, and any zero field, means
// the default (DefaultBackoff, DefaultMaxRetryAfter), so a config that does
// not mention retries keeps today's behaviour.
type Policy struct {
	// Backoff is the wait when the server sent no Retry-After (DefaultBackoff when zero).
	Backoff time.Duration
	// MaxRetryAfter caps the server's Retry-After (DefaultMaxRetryAfter when zero).
	MaxRetryAfter time.Duration
}

// DefaultPolicy waits DefaultBackoff, or the server's Retry-After up to DefaultMaxRetryAfter.
func DefaultPolicy() Policy {
	return Policy{Backoff: DefaultBackoff, MaxRetryAfter: DefaultMaxRetryAfter}
}

// Validate reports a negative wait, which a client's New should refuse as a config error.
func (p Policy) Validate() error {
	if p.Backoff < 0 || p.MaxRetryAfter < 0 {
		return fmt.Errorf("negative retry wait (backoff %s, max Retry-After %s)", p.Backoff, p.MaxRetryAfter)
	}
	return nil
}

// Resolved returns p with every zero (or negative) field replaced by its default.
func (p Policy) Resolved() Policy {
	if p.Backoff <= 0 {
		p.Backoff = DefaultBackoff
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = DefaultMaxRetryAfter
	}
	return p
}

// Do runs try, and once more after a wait when the first try failed with
// 429/5xx and said it may be retried. ctx already carries the call's overall
// deadline; the context given to try lets a client from NewClientConfig
// report the server's Retry-After. onRetry (may be nil) is told the status
// and the wait before it starts, for logging. Zero fields of p mean the
// defaults (see Resolved). Do returns try's last error.
func (p Policy) Do(ctx context.Context, try Attempt, onRetry func(status int, wait time.Duration)) error {
	const maxAttempts = 2
	p = p.Resolved()
	for n := 1; ; n++ {
		hint := &retryHint{}
		retryable, err := try(context.WithValue(ctx, hintKey{}, hint))
		if err == nil {
			return nil
		}
		status := Status(err)
		if n >= maxAttempts || !retryable || !Retryable(status) || ctx.Err() != nil {
			return err
		}
		wait := p.Backoff
		if hint.after > 0 {
			wait = min(hint.after, p.MaxRetryAfter)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			// Waiting would only end in the deadline; fail now so the caller falls back sooner.
			return err
		}
		if onRetry != nil {
			onRetry(status, wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// Errors names the sentinels one client sorts its failures into.
type Errors struct {
	// Prefix starts messages that carry no sentinel, e.g. "llm".
	Prefix string
	// Unavailable wraps timeouts, network failures and 429/5xx.
	Unavailable error
	// Rejected wraps other 4xx: retrying cannot help.
	Rejected error
	// Bad wraps everything else: the server answered with something unusable.
	Bad error
	// Known are errors already classified by the client; they only get the prefix.
	Known []error
}

// Classify wraps err, a failure of operation op (may be empty), with the
// sentinel the caller branches on, and hides secret in the message. ctx is
// the call's own context, bounded by timeout; parent is the caller's.
func (e Errors) Classify(ctx, parent context.Context, op string, timeout time.Duration, secret string, err error) error {
	where := ""
	if op != "" {
		where = op + ": "
	}
	var out error
	status := Status(err)
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		// The caller gave up; not a server problem.
		out = fmt.Errorf("%s: %s%w", e.Prefix, where, parent.Err())
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		// Our timeout or the caller's deadline: either way the server was too slow.
		out = fmt.Errorf("%w: %sno reply within %s: %w", e.Unavailable, where, timeout, err)
	case Retryable(status):
		out = fmt.Errorf("%w: %sstatus %d: %w", e.Unavailable, where, status, err)
	case status >= 400:
		out = fmt.Errorf("%w: %sstatus %d: %w", e.Rejected, where, status, err)
	case e.known(err):
		out = fmt.Errorf("%s: %s%w", e.Prefix, where, err)
	case isNetErr(err):
		out = fmt.Errorf("%w: %s%w", e.Unavailable, where, err)
	default:
		out = fmt.Errorf("%w: %s%w", e.Bad, where, err)
	}
	return Redact(out, secret)
}

func (e Errors) known(err error) bool {
	for _, k := range e.Known {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

func isNetErr(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne)
}

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
	if len(msg) > MaxErrLen {
		cut := MaxErrLen
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}

func (e *redactedError) Unwrap() error { return e.err }

// Redact returns err with secret replaced by [REDACTED] in its message, which
// is cut to MaxErrLen bytes on a rune boundary; errors.Is/As still see err.
func Redact(err error, secret string) error {
	if err == nil {
		return nil
	}
	return &redactedError{err: err, secret: secret}
}
