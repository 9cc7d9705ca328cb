package oai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

const secret = "sk-test-SECRET-0123456789"

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"   ", 0},
		{"0", 0},
		{"3", 3 * time.Second},
		{" 1 ", time.Second},
		{"007", 7 * time.Second},
		{"-2", 0},
		{"+2", 0},
		{"1.5", 0},
		{"1e3", 0},
		{"5s", 0},
		{"5m", 0}, // not 5ms: delay-seconds carries no unit
		{"soon", 0},
		{"99999999999999999999", 0}, // beyond int64
		{"9999999999999", 0},        // beyond time.Duration
		{now.Add(4 * time.Second).Format(http.TimeFormat), 4 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := RetryAfter(tt.in, now); got != tt.want {
			t.Errorf("RetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		code int
		want bool
	}{
		{0, false}, {200, false}, {400, false}, {401, false}, {404, false}, {428, false},
		{429, true}, {500, true}, {502, true}, {503, true},
	}
	for _, tt := range tests {
		if got := Retryable(tt.code); got != tt.want {
			t.Errorf("Retryable(%d) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"plain", errors.New("x"), 0},
		{"api error", &openai.APIError{HTTPStatusCode: 429}, 429},
		{"request error", &openai.RequestError{HTTPStatusCode: 502}, 502},
		{"wrapped", fmt.Errorf("call: %w", &openai.APIError{HTTPStatusCode: 401}), 401},
	}
	for _, tt := range tests {
		if got := Status(tt.err); got != tt.want {
			t.Errorf("%s: Status = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestRedact(t *testing.T) {
	inner := errors.New("inner")
	// 3-byte runes after one ASCII byte: byte MaxErrLen falls inside a rune.
	long := strings.Repeat("錯", MaxErrLen)
	tests := []struct {
		name   string
		err    error
		secret string
		want   string // exact message, or "" to check only length and validity
	}{
		{"secret replaced", fmt.Errorf("denied for Bearer %s: %w", secret, inner), secret, "denied for Bearer [REDACTED]: inner"},
		{"empty secret keeps text", fmt.Errorf("plain: %w", inner), "", "plain: inner"},
		{"exactly the cap", fmt.Errorf("%s%w", strings.Repeat("a", MaxErrLen-len("inner")), inner), secret, strings.Repeat("a", MaxErrLen-len("inner")) + "inner"},
		{"ascii cut", fmt.Errorf("%s%w", strings.Repeat("a", 2*MaxErrLen), inner), secret, strings.Repeat("a", MaxErrLen) + "…"},
		{"cut on rune boundary", fmt.Errorf("x%s%w", long, inner), "", "x" + strings.Repeat("錯", (MaxErrLen-1)/3) + "…"},
		{"secret cut after redaction", fmt.Errorf("%s%s%w", strings.Repeat("b", MaxErrLen-5), secret, inner), secret, strings.Repeat("b", MaxErrLen-5) + "[REDA…"},
	}
	for _, tt := range tests {
		err := Redact(tt.err, tt.secret)
		msg := err.Error()
		if msg != tt.want {
			t.Errorf("%s: message %q, want %q", tt.name, msg, tt.want)
		}
		if !utf8.ValidString(msg) || len(msg) > MaxErrLen+len("…") {
			t.Errorf("%s: %d bytes, valid UTF-8 %v", tt.name, len(msg), utf8.ValidString(msg))
		}
		if !errors.Is(err, inner) {
			t.Errorf("%s: chain lost", tt.name)
		}
	}
	if Redact(nil, secret) != nil {
		t.Error("Redact(nil) is not nil")
	}
}

func TestKeyState(t *testing.T) {
	if got := KeyState(""); got != "(none)" {
		t.Errorf("KeyState(\"\") = %q", got)
	}
	if got := KeyState(secret); got != "(set)" {
		t.Errorf("KeyState(key) = %q", got)
	}
}

func TestValidBaseURL(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"http://localhost:11434/v1", true},
		{"https://api.openai.com/v1/", true},
		{"", false},
		{"localhost/v1", false},
		{"ftp://h/v1", false},
		{"file:///x", false},
		{"http://", false},
		{"http://[::1", false},
	}
	for _, tt := range tests {
		if got := ValidBaseURL(tt.in); got != tt.want {
			t.Errorf("ValidBaseURL(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// server answers each request with the next status (the last repeating),
// sending retryAfter as Retry-After on failures.
func server(t *testing.T, retryAfter string, codes ...int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := codes[min(int(n.Add(1))-1, len(codes)-1)]
		if code != http.StatusOK && retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":{"message":"status %d","type":"test"}}`, code)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestNewClientConfig(t *testing.T) {
	oc := NewClientConfig("http://h/v1//", secret, time.Second)
	if oc.BaseURL != "http://h/v1" {
		t.Errorf("BaseURL = %q", oc.BaseURL)
	}
	if oc.HTTPClient == nil {
		t.Fatal("no HTTP client")
	}
	// The client reports Retry-After to Do through the attempt's context, on 429/5xx only.
	tests := []struct {
		code int
		want time.Duration
	}{{429, 7 * time.Second}, {503, 7 * time.Second}, {404, 0}, {200, 0}}
	for _, tt := range tests {
		srv, _ := server(t, "7", tt.code)
		hint := &retryHint{}
		ctx := context.WithValue(context.Background(), hintKey{}, hint)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		resp, err := oc.HTTPClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if hint.after != tt.want {
			t.Errorf("status %d: hint %v, want %v", tt.code, hint.after, tt.want)
		}
	}
}

func TestPolicyDo(t *testing.T) {
	fast := Policy{Backoff: 5 * time.Millisecond, MaxRetryAfter: 20 * time.Millisecond}
	tests := []struct {
		name       string
		policy     Policy
		timeout    time.Duration
		retryAfter string
		codes      []int
		retryable  bool
		wantStatus int // of the error returned; 0 for success
		wantReqs   int32
		wantWaits  []time.Duration
	}{
		{"success", fast, time.Second, "", []int{200}, true, 0, 1, nil},
		{"429 then success", fast, time.Second, "", []int{429, 200}, true, 0, 2, []time.Duration{5 * time.Millisecond}},
		{"503 then success", fast, time.Second, "", []int{503, 200}, true, 0, 2, []time.Duration{5 * time.Millisecond}},
		{"500 twice", fast, time.Second, "", []int{500, 500, 200}, true, 500, 2, []time.Duration{5 * time.Millisecond}},
		{"401 no retry", fast, time.Second, "", []int{401, 200}, true, 401, 1, nil},
		{"404 no retry", fast, time.Second, "", []int{404, 200}, true, 404, 1, nil},
		{"not retryable", fast, time.Second, "", []int{503, 200}, false, 503, 1, nil},
		{"Retry-After capped", fast, time.Second, "3", []int{429, 200}, true, 0, 2, []time.Duration{20 * time.Millisecond}},
		{"Retry-After zero uses backoff", fast, time.Second, "0", []int{429, 200}, true, 0, 2, []time.Duration{5 * time.Millisecond}},
		{"wait past deadline gives up", Policy{Backoff: time.Millisecond, MaxRetryAfter: time.Minute}, 2 * time.Second, "30", []int{429, 200}, true, 429, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := server(t, tt.retryAfter, tt.codes...)
			api := openai.NewClientWithConfig(NewClientConfig(srv.URL+"/v1", secret, 5*time.Second))
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			var waits []time.Duration
			err := tt.policy.Do(ctx, func(ctx context.Context) (bool, error) {
				_, err := api.ListModels(ctx)
				return tt.retryable, err
			}, func(_ int, wait time.Duration) { waits = append(waits, wait) })
			if got := Status(err); got != tt.wantStatus || (tt.wantStatus == 0) != (err == nil) {
				t.Errorf("err = %v (status %d), want status %d", err, got, tt.wantStatus)
			}
			if n.Load() != tt.wantReqs {
				t.Errorf("requests = %d, want %d", n.Load(), tt.wantReqs)
			}
			if fmt.Sprint(waits) != fmt.Sprint(tt.wantWaits) {
				t.Errorf("waits %v, want %v", waits, tt.wantWaits)
			}
		})
	}
}

func TestDefaultPolicy(t *testing.T) {
	// Both clients promise a one-second backoff and Retry-After honoured up to 10s.
	if p := DefaultPolicy(); p.Backoff != time.Second || p.MaxRetryAfter != 10*time.Second {
		t.Errorf("DefaultPolicy() = %+v", p)
	}
}

func TestPolicyDoStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	first := &openai.APIError{HTTPStatusCode: 503}
	tries := 0
	start := time.Now()
	err := Policy{Backoff: time.Minute, MaxRetryAfter: time.Minute}.Do(ctx, func(context.Context) (bool, error) {
		tries++
		return true, first
	}, nil)
	if !errors.Is(err, first) || tries != 1 || time.Since(start) > 10*time.Second {
		t.Errorf("err = %v after %d tries and %v; want the first error at once", err, tries, time.Since(start))
	}
}

var (
	errUnavailable = errors.New("x: unavailable")
	errRejected    = errors.New("x: rejected")
	errBad         = errors.New("x: bad")
	errEmpty       = errors.New("x: empty")
)

func TestClassify(t *testing.T) {
	e := Errors{Prefix: "x", Unavailable: errUnavailable, Rejected: errRejected, Bad: errBad, Known: []error{errEmpty}}
	live := context.Background()
	expired, cancel := context.WithTimeout(live, 0)
	defer cancel()
	cancelled, cancel2 := context.WithCancel(live)
	cancel2()
	netErr := &url.Error{Op: "Post", URL: "http://h", Err: errors.New("connection refused")}
	tests := []struct {
		name        string
		ctx, parent context.Context
		op          string
		err         error
		want        error
		wantMsg     string
	}{
		{"caller cancelled", cancelled, cancelled, "answer", netErr, context.Canceled, "x: answer: context canceled"},
		{"timeout", expired, live, "answer", context.DeadlineExceeded, errUnavailable, "x: unavailable: answer: no reply within 2s: context deadline exceeded"},
		{"deadline in error", live, live, "", fmt.Errorf("read: %w", context.DeadlineExceeded), errUnavailable, "x: unavailable: no reply within 2s: read: context deadline exceeded"},
		{"429", live, live, "answer", &openai.APIError{HTTPStatusCode: 429, Message: "slow"}, errUnavailable, ""},
		{"502", live, live, "", &openai.RequestError{HTTPStatusCode: 502, Err: errors.New("bad gateway")}, errUnavailable, ""},
		{"401", live, live, "rewrite", &openai.APIError{HTTPStatusCode: 401, Message: "key " + secret}, errRejected, ""},
		{"known", live, live, "answer", errEmpty, errEmpty, "x: answer: x: empty"},
		{"network", live, live, "", netErr, errUnavailable, `x: unavailable: Post "http://h": connection refused`},
		{"other", live, live, "answer", errors.New("invalid character '<'"), errBad, "x: bad: answer: invalid character '<'"},
	}
	for _, tt := range tests {
		err := e.Classify(tt.ctx, tt.parent, tt.op, 2*time.Second, secret, tt.err)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		if tt.wantMsg != "" && err.Error() != tt.wantMsg {
			t.Errorf("%s: message %q, want %q", tt.name, err.Error(), tt.wantMsg)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: key in %q", tt.name, err.Error())
		}
	}
}
