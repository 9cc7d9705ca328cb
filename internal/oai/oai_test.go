package oai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/citebot/citebot/internal/oaitest"
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

// replies turns a list of statuses into a script for oaitest: 200 answers
// "ok", anything else is an error carrying retryAfter (when set) as Retry-After.
func replies(retryAfter string, codes ...int) []oaitest.Reply {
	out := make([]oaitest.Reply, len(codes))
	for i, code := range codes {
		switch {
		case code == http.StatusOK:
			out[i] = oaitest.Text("ok")
		case retryAfter != "":
			out[i] = oaitest.Status(code).WithRetryAfter(retryAfter)
		default:
			out[i] = oaitest.Status(code)
		}
	}
	return out
}

func chatRequest() openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{Model: "m", Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "q"}}}
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
		reply oaitest.Reply
		want  time.Duration
	}{
		{oaitest.Status(429).WithRetryAfter("7"), 7 * time.Second},
		{oaitest.Status(503).WithRetryAfter("7"), 7 * time.Second},
		{oaitest.Status(503).WithRetryAfter(time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)), time.Hour},
		{oaitest.Status(503), 0},
		{oaitest.Status(404).WithRetryAfter("7"), 0},
		{oaitest.Text("ok").WithRetryAfter("7"), 0},
	}
	for _, tt := range tests {
		srv := oaitest.New(t, oaitest.Replies(tt.reply))
		api := openai.NewClientWithConfig(NewClientConfig(srv.URL()+"/", secret, 5*time.Second))
		hint := &retryHint{}
		ctx := context.WithValue(context.Background(), hintKey{}, hint)
		_, err := api.CreateChatCompletion(ctx, chatRequest())
		if (err == nil) != (tt.reply.Status == 0) {
			t.Errorf("status %d: err = %v", tt.reply.Status, err)
		}
		// An HTTP date is relative to the moment the client read it: allow the test's own run time.
		if d := hint.after - tt.want; d > 0 || d < -time.Minute || (tt.want == 0) != (hint.after == 0) {
			t.Errorf("status %d: hint %v, want %v", tt.reply.Status, hint.after, tt.want)
		}
		if r := srv.Chats(); len(r) != 1 || r[0].Path != "/v1/chat/completions" || r[0].Auth != "Bearer "+secret {
			t.Errorf("requests %+v", r)
		}
	}
}

func TestPolicyDo(t *testing.T) {
	fast := Policy{Backoff: time.Millisecond, MaxRetryAfter: 2 * time.Millisecond}
	tests := []struct {
		name       string
		policy     Policy
		timeout    time.Duration
		retryAfter string
		codes      []int
		retryable  bool
		wantStatus int // of the error returned; 0 for success
		wantReqs   int
		wantWaits  []time.Duration
	}{
		{"success", fast, time.Second, "", []int{200}, true, 0, 1, nil},
		{"429 then success", fast, time.Second, "", []int{429, 200}, true, 0, 2, []time.Duration{time.Millisecond}},
		{"503 then success", fast, time.Second, "", []int{503, 200}, true, 0, 2, []time.Duration{time.Millisecond}},
		{"500 twice", fast, time.Second, "", []int{500, 500, 200}, true, 500, 2, []time.Duration{time.Millisecond}},
		{"401 no retry", fast, time.Second, "", []int{401, 200}, true, 401, 1, nil},
		{"404 no retry", fast, time.Second, "", []int{404, 200}, true, 404, 1, nil},
		{"not retryable", fast, time.Second, "", []int{503, 200}, false, 503, 1, nil},
		{"Retry-After capped", fast, time.Second, "3", []int{429, 200}, true, 0, 2, []time.Duration{2 * time.Millisecond}},
		{"Retry-After zero uses backoff", fast, time.Second, "0", []int{429, 200}, true, 0, 2, []time.Duration{time.Millisecond}},
		{"wait past deadline gives up", Policy{Backoff: time.Millisecond, MaxRetryAfter: time.Minute}, 2 * time.Second, "30", []int{429, 200}, true, 429, 1, nil},
		// A zero Policy waits DefaultBackoff (1s): longer than the time left, so it gives up at once.
		{"zero policy means the default backoff", Policy{}, 500 * time.Millisecond, "", []int{503, 200}, true, 503, 1, nil},
		// A zero MaxRetryAfter means DefaultMaxRetryAfter (10s), not "ignore Retry-After".
		{"zero cap means the default cap", Policy{Backoff: time.Millisecond}, 2 * time.Second, "5", []int{429, 200}, true, 429, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := oaitest.New(t, oaitest.Replies(replies(tt.retryAfter, tt.codes...)...))
			api := openai.NewClientWithConfig(NewClientConfig(srv.URL(), secret, 5*time.Second))
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			var waits []time.Duration
			err := tt.policy.Do(ctx, func(ctx context.Context) (bool, error) {
				_, err := api.CreateChatCompletion(ctx, chatRequest())
				return tt.retryable, err
			}, func(_ int, wait time.Duration) { waits = append(waits, wait) })
			if got := Status(err); got != tt.wantStatus || (tt.wantStatus == 0) != (err == nil) {
				t.Errorf("err = %v (status %d), want status %d", err, got, tt.wantStatus)
			}
			if srv.Count() != tt.wantReqs {
				t.Errorf("requests = %d, want %d", srv.Count(), tt.wantReqs)
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

func TestPolicyResolvedAndValidate(t *testing.T) {
	tests := []struct {
		in, want Policy
		valid    bool
	}{
		{Policy{}, DefaultPolicy(), true},
		{Policy{Backoff: time.Millisecond}, Policy{Backoff: time.Millisecond, MaxRetryAfter: DefaultMaxRetryAfter}, true},
		{Policy{MaxRetryAfter: time.Millisecond}, Policy{Backoff: DefaultBackoff, MaxRetryAfter: time.Millisecond}, true},
		{Policy{Backoff: 2 * time.Second, MaxRetryAfter: time.Minute}, Policy{Backoff: 2 * time.Second, MaxRetryAfter: time.Minute}, true},
		{Policy{Backoff: -1}, DefaultPolicy(), false},
		{Policy{MaxRetryAfter: -time.Second}, DefaultPolicy(), false},
	}
	for _, tt := range tests {
		if got := tt.in.Resolved(); got != tt.want {
			t.Errorf("%+v.Resolved() = %+v, want %+v", tt.in, got, tt.want)
		}
		if err := tt.in.Validate(); (err == nil) != tt.valid {
			t.Errorf("%+v.Validate() = %v", tt.in, err)
		}
	}
}

func TestPolicyDoStopsWhenCancelled(t *testing.T) {
	first := &openai.APIError{HTTPStatusCode: 503}
	long := Policy{Backoff: time.Minute, MaxRetryAfter: time.Minute}

	// Cancelled while waiting: onRetry runs just before the wait starts.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tries, retries := 0, 0
	start := time.Now()
	err := long.Do(ctx, func(context.Context) (bool, error) {
		tries++
		return true, first
	}, func(int, time.Duration) { retries++; cancel() })
	if !errors.Is(err, first) || tries != 1 || retries != 1 || time.Since(start) > 10*time.Second {
		t.Errorf("err = %v after %d tries, %d retries and %v; want the first error at once", err, tries, retries, time.Since(start))
	}

	// Cancelled during the attempt: no wait is even announced.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	tries, retries = 0, 0
	err = long.Do(ctx, func(context.Context) (bool, error) {
		tries++
		cancel()
		return true, first
	}, func(int, time.Duration) { retries++ })
	if !errors.Is(err, first) || tries != 1 || retries != 0 {
		t.Errorf("err = %v after %d tries, %d retries; want the first error and no retry", err, tries, retries)
	}
}

// TestConnRetryFromConfig runs a Conn as llm and embeddings do, with the
// retry wait a client's config would set, against a 429-then-OK server.
func TestConnRetryFromConfig(t *testing.T) {
	srv := oaitest.New(t, oaitest.Replies(oaitest.Status(429), oaitest.Text("成立於二〇〇一年[一¶1]。")))
	conn := NewConn(srv.URL()+"/", secret, "m", 5*time.Second, slog.New(slog.DiscardHandler), "test")
	if conn.Retry != DefaultPolicy() || conn.BaseURL != srv.URL() || conn.Model != "m" || conn.Timeout != 5*time.Second {
		t.Fatalf("NewConn = %+v", conn)
	}
	if d := conn.Describe("x"); strings.Contains(d, secret) || !strings.Contains(d, "(set)") {
		t.Errorf("Describe = %s", d)
	}
	conn.Retry = Policy{Backoff: time.Millisecond} // what a config's RetryBackoff would pass
	var waits []time.Duration
	var text strings.Builder
	err := conn.Retry.Do(context.Background(), func(ctx context.Context) (bool, error) {
		st, err := conn.API.CreateChatCompletionStream(ctx, chatRequest())
		if err != nil {
			return true, err
		}
		defer st.Close()
		for {
			chunk, err := st.Recv()
			if errors.Is(err, io.EOF) {
				return false, nil
			}
			if err != nil {
				return false, err
			}
			for _, ch := range chunk.Choices {
				text.WriteString(ch.Delta.Content)
			}
		}
	}, func(_ int, wait time.Duration) { waits = append(waits, wait) })
	if err != nil || text.String() != "成立於二〇〇一年[一¶1]。" {
		t.Fatalf("Do = %v, text %q", err, text.String())
	}
	if fmt.Sprint(waits) != "[1ms]" {
		t.Errorf("waits %v, want [1ms]", waits)
	}
	reqs := srv.Chats()
	if len(reqs) != 2 || !reqs[1].Chat.Stream || reqs[1].Auth != "Bearer "+secret {
		t.Errorf("%d requests; last stream %v", len(reqs), len(reqs) > 1 && reqs[1].Chat.Stream)
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
