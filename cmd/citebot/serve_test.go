package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/metrics"
	"github.com/citebot/citebot/retrieval"
)

func TestVersion(t *testing.T) {
	code, out, _ := cli(t, nil, "", "version")
	if code != 0 || !strings.HasPrefix(out, "citebot ") || !strings.Contains(out, "go1.") {
		t.Errorf("version: exit %d, %q", code, out)
	}
	code, out, _ = cli(t, nil, "", "version", "--json")
	var b buildInfo
	if code != 0 || json.Unmarshal([]byte(out), &b) != nil || b.Version == "" || !strings.HasPrefix(b.Go, "go1.") {
		t.Errorf("version --json: exit %d, %q", code, out)
	}
}

// Each command takes only its own flags, and bad settings stop the start
// naming the variable, never a secret's value.
func TestFlagsAndSettings(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		msg  string
	}{
		{"chat has no --json", []string{"chat", "--json"}, nil, "flag provided but not defined: -json"},
		{"report has no --k", []string{"report", "--k", "3"}, nil, "flag provided but not defined: -k"},
		{"cite has no --http", []string{"cite", "--http", ":1", "一¶7"}, nil, "flag provided but not defined: -http"},
		{"log format", []string{"ask", "q"}, map[string]string{"CITEBOT_LOG_FORMAT": "xml"}, "CITEBOT_LOG_FORMAT"},
		{"max paragraphs", []string{"ask", "q"}, map[string]string{"CITEBOT_MAX_PARAGRAPHS": "-1"}, "CITEBOT_MAX_PARAGRAPHS"},
		{"log days", []string{"ask", "q"}, map[string]string{"CITEBOT_LOG_DAYS": "0"}, "CITEBOT_LOG_DAYS"},
		{"log text", []string{"ask", "q"}, map[string]string{"CITEBOT_LOG_TEXT": "maybe"}, "CITEBOT_LOG_TEXT"},
		{"short admin token", []string{"serve"}, map[string]string{"CITEBOT_ADMIN_TOKEN": "hunter2"}, "CITEBOT_ADMIN_TOKEN: use at least 16"},
		{"public URL", []string{"serve"}, map[string]string{"CITEBOT_PUBLIC_URL": "cite.example.org"}, "CITEBOT_PUBLIC_URL"},
		{"database URL", []string{"serve"}, map[string]string{"CITEBOT_DATABASE_URL": "mysql://u:pw-secret@h/db"}, "CITEBOT_DATABASE_URL: want a postgres:// URL"},
		{"channels", []string{"discord"}, map[string]string{"CITEBOT_CHANNELS": "123456789012345678,#general"}, `CITEBOT_CHANNELS: "#general" is not a channel id`},
		{"forum channels", []string{"discord"}, map[string]string{"CITEBOT_FORUM_CHANNELS": "help-forum"}, `CITEBOT_FORUM_CHANNELS: "help-forum" is not a channel id`},
		{"dms", []string{"discord"}, map[string]string{"CITEBOT_DMS": "never"}, `CITEBOT_DMS="never": want on or off`},
		{"shard out of range", []string{"discord"}, map[string]string{"CITEBOT_SHARD": "2/2"}, `CITEBOT_SHARD="2/2": want i/n`},
		{"shard not a fraction", []string{"discord"}, map[string]string{"CITEBOT_SHARD": "1"}, `CITEBOT_SHARD="1": want i/n`},
		{"shard count zero", []string{"discord"}, map[string]string{"CITEBOT_SHARD": "0/0"}, `CITEBOT_SHARD="0/0": want i/n`},
		{"report period", []string{"report", "--since", "soon"}, map[string]string{"CITEBOT_DATA_DIR": t.TempDir()}, "--since"},
		{"report without a log", []string{"report"}, nil, "no question log is kept"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := cli(t, tt.env, "", tt.args...)
			if code != 2 || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tt.msg)
			}
			if strings.Contains(errOut, "hunter2") || strings.Contains(errOut, "pw-secret") {
				t.Errorf("a secret reached stderr: %q", errOut)
			}
		})
	}
}

// Terminal questions are logged; report prints them; feedback.jsonl from
// an earlier version moves into the log at the first start.
func TestQuestionLogAndReport(t *testing.T) {
	dir := t.TempDir()
	old := `{"time":"` + time.Now().UTC().Add(-time.Hour).Format(time.RFC3339) + `","user_id":"7","up":false,"question":"old question","labels":["一¶7"],"mode":"extractive"}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "feedback.jsonl"), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CITEBOT_DATA_DIR": dir, "CITEBOT_LOG_FORMAT": "json", "CITEBOT_LOG_LEVEL": "info"}
	if code, out, _ := cli(t, nil, "", "report"); code == 0 {
		t.Fatalf("report without a log: exit 0, %q", out)
	}
	code, _, errOut := cli(t, env, "", "ask", "上合组织秘书处设在哪里?")
	if code != 0 {
		t.Fatalf("ask: exit %d: %s", code, errOut)
	}
	// Every log line is one JSON object, and none holds the question.
	for _, line := range strings.Split(strings.TrimSpace(errOut), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line is not JSON: %q", line)
		}
	}
	if strings.Contains(errOut, "秘书处") {
		t.Errorf("the question reached the log: %s", errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "feedback.jsonl.imported")); err != nil {
		t.Errorf("feedback.jsonl was not moved into the log: %v", err)
	}
	cli(t, env, "", "chat")
	code, out, errOut := cli(t, env, "上合组织秘书处设在哪里?\n红烧肉怎么做才好吃?\n", "chat")
	if code != 0 {
		t.Fatalf("chat: exit %d: %s", code, errOut)
	}
	code, out, errOut = cli(t, env, "", "report", "--since", "1d")
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"3 questions: 2 answered", "1 not addressed", "Votes: 0 👍, 1 👎", "“红烧肉怎么做才好吃?”", "“old question”"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = cli(t, env, "", "report", "--json")
	var rep struct {
		Total struct{ Answered, NotAddressed int }
		Gaps  []struct{ Question string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Total.Answered != 2 || len(rep.Gaps) != 1 {
		t.Errorf("report --json: exit %d, %+v", code, rep)
	}
	// cite and eval ask nothing of a user: they log nothing.
	cli(t, env, "", "cite", "一¶7")
	if _, out, _ := cli(t, env, "", "report"); !strings.Contains(out, "3 questions") {
		t.Errorf("cite was logged:\n%s", out)
	}
	// With CITEBOT_LOG_TEXT=false the next question is kept without text.
	env["CITEBOT_LOG_TEXT"] = "false"
	cli(t, env, "", "ask", "上合组织的预算是多少?")
	if _, out, _ := cli(t, env, "", "report"); strings.Contains(out, "预算") || !strings.Contains(out, "(question text not kept)") {
		t.Errorf("text kept with CITEBOT_LOG_TEXT=false:\n%s", out)
	}
}

// watcher is a stderr that reports the address `citebot serve` prints.
type watcher struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	addr chan string
	sent bool
}

var servingLine = regexp.MustCompile(`citebot: serving http://(\S+)\n`)

func (w *watcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if m := servingLine.FindStringSubmatch(w.buf.String()); m != nil && !w.sent {
		w.sent = true
		w.addr <- m[1]
	}
	return len(p), nil
}

func (w *watcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// serve runs `citebot serve` in-process until the test ends, and returns
// its address once it listens.
func serve(t *testing.T, env map[string]string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &watcher{addr: make(chan string, 1)}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, stderr, func(k string) string { return env[k] })
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d: %s", code, stderr)
		}
	})
	select {
	case addr := <-stderr.addr:
		return addr
	case code := <-done:
		done <- code
		t.Fatalf("serve exited %d before listening: %s", code, stderr)
	}
	return ""
}

func get(t *testing.T, method, u string, form url.Values, header map[string]string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func TestServe(t *testing.T) {
	dir := t.TempDir()
	token := "an-admin-token-long-enough"
	env := map[string]string{"CITEBOT_HTTP_ADDR": "127.0.0.1:0", "CITEBOT_DATA_DIR": dir, "CITEBOT_ADMIN_TOKEN": token}
	addr := serve(t, env)
	base := "http://" + addr
	tests := []struct {
		name, method, path string
		form               url.Values
		header             map[string]string
		status             int
		want               string
	}{
		{"health", "GET", "/healthz", nil, nil, 200, "ok"},
		{"ready", "GET", "/readyz", nil, nil, 200, "index: ok"},
		{"page", "GET", "/", nil, nil, 200, `id="三(四)¶2"`},
		{"ask", "POST", "/ask", url.Values{"q": {"上合组织秘书处设在哪里?"}}, nil, 200, `class="answer answered"`},
		{"metrics", "GET", "/metrics", nil, nil, 200, `citebot_questions_total{outcome="answered",transport="web"} 1`},
		{"admin", "GET", "/admin", nil, map[string]string{"Authorization": "Bearer " + token}, 200, "Coverage gaps"},
		{"admin without token", "GET", "/admin", nil, nil, 401, ""},
	}
	for _, tt := range tests {
		status, body := get(t, tt.method, base+tt.path, tt.form, tt.header)
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d, want %d with %q", tt.name, status, tt.status, tt.want)
		}
	}
	env2 := map[string]string{"CITEBOT_HTTP_ADDR": addr}
	if code, _, errOut := cli(t, env2, "", "healthcheck"); code != 0 {
		t.Errorf("healthcheck: exit %d: %s", code, errOut)
	}
	if code, _, errOut := cli(t, env2, "", "healthcheck", "--ready"); code != 0 {
		t.Errorf("healthcheck --ready: exit %d: %s", code, errOut)
	}
}

// The question from the web is in the log after serve stops.
func TestServeLogsQuestions(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CITEBOT_HTTP_ADDR": "127.0.0.1:0", "CITEBOT_DATA_DIR": dir}
	t.Run("serve", func(t *testing.T) {
		addr := serve(t, env)
		if status, _ := get(t, "POST", "http://"+addr+"/ask", url.Values{"q": {"红烧肉怎么做才好吃?"}}, nil); status != 200 {
			t.Fatalf("ask: %d", status)
		}
	})
	code, out, errOut := cli(t, env, "", "report")
	if code != 0 || !strings.Contains(out, "1 questions: 0 answered") || !strings.Contains(out, "红烧肉") {
		t.Errorf("report after serve: exit %d\n%s%s", code, out, errOut)
	}
}

func TestHealthcheckDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	if code, _, errOut := cli(t, map[string]string{"CITEBOT_HTTP_ADDR": addr}, "", "healthcheck"); code != 1 || errOut == "" {
		t.Errorf("healthcheck of nothing: exit %d, %q", code, errOut)
	}
}

// A taken port stops serve at once with the reason.
func TestServePortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, errOut := cli(t, map[string]string{"CITEBOT_HTTP_ADDR": ln.Addr().String()}, "", "serve")
	if code != 1 || !strings.Contains(errOut, "address already in use") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}

// The Discord transport marks its requests, counts the reloads it asks
// for, and is ready once it registered its commands, until it stops.
func TestTransport(t *testing.T) {
	lib, err := retrieval.NewLibrary(context.Background(), corpus.Default(), retrieval.LocalEmbedder, retrieval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var seen []bot.Asked
	var mu sync.Mutex
	b, err := bot.New(bot.Config{Searcher: lib, RatePerMinute: -1, Log: askedFunc(func(a bot.Asked) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, a)
	})})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New(lib.Document)
	d := &transport{Bot: b, name: "discord", metrics: m}
	if err := d.ready(context.Background()); err == nil {
		t.Error("ready before connecting")
	}
	d.Describe()
	if err := d.ready(context.Background()); err != nil {
		t.Errorf("not ready after registering: %v", err)
	}
	d.Handle(context.Background(), bot.Request{Kind: bot.KindAsk, Text: "上合组织秘书处设在哪里?", UserID: "u"}, nil)
	if len(seen) != 1 || seen[0].Request.Transport != "discord" {
		t.Errorf("logged %+v", seen)
	}
	r := d.Handle(context.Background(), bot.Request{Kind: bot.KindReload, UserID: "u"}, nil)
	if !errors.Is(r.Err, bot.ErrForbidden) {
		t.Errorf("reload by a non-admin: %v", r.Err)
	}
	d.Handle(context.Background(), bot.Request{Kind: bot.KindReload, UserID: "u", Perms: bot.Perms{Administrator: true}}, nil)
	status, body := scrapeMetrics(t, m)
	if status != 200 || !strings.Contains(body, `citebot_reloads_total{result="ok"} 1`) || !strings.Contains(body, `citebot_reloads_total{result="error"} 0`) {
		t.Errorf("reload metrics:\n%s", body)
	}
	d.stopped()
	if err := d.ready(context.Background()); err == nil {
		t.Error("ready after stopping")
	}
}

type askedFunc func(bot.Asked)

func (f askedFunc) Asked(_ context.Context, a bot.Asked) { f(a) }
func (askedFunc) Voted(context.Context, bot.Vote) error  { return nil }

func scrapeMetrics(t *testing.T, m *metrics.Metrics) (int, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	return get(t, "GET", "http://"+ln.Addr().String()+"/", nil, nil)
}
