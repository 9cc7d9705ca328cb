package web

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/glossary"
	"github.com/citebot/citebot/internal/anchor"
	"github.com/citebot/citebot/metrics"
	"github.com/citebot/citebot/report"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/store"
)

const adminToken = "s3cret-admin-token-for-tests"

// site is a web server on loopback with a real bot over the declaration
// and a real question log in a SQLite file.
type site struct {
	srv   *httptest.Server
	store *store.Store
	log   *store.Log
	lib   *retrieval.Library
	now   time.Time
}

var (
	libOnce sync.Once
	libErr  error
	lexicon retrieval.Lexicon
)

type siteOpts struct {
	token     string
	publicURL string
	rate      int
	ready     []Check
	noStore   bool
}

func newSite(t *testing.T, o siteOpts) *site {
	t.Helper()
	libOnce.Do(func() { lexicon = retrieval.GlossaryLexicon{Glossary: glossary.Default()} })
	if libErr != nil {
		t.Fatal(libErr)
	}
	ctx := context.Background()
	lib, err := retrieval.NewLibrary(ctx, corpus.Default(), retrieval.LocalEmbedder, retrieval.Options{Lexicon: lexicon})
	if err != nil {
		t.Fatal(err)
	}
	s := &site{lib: lib, now: time.Now().UTC()}
	m := metrics.New(lib.Document)
	var qlog bot.QuestionLog
	var rep func(context.Context, time.Time) (report.Report, error)
	if !o.noStore {
		s.store, err = store.Open(ctx, store.Config{Path: filepath.Join(t.TempDir(), "citebot.db")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.store.Close() })
		s.log = store.NewLog(s.store, store.LogConfig{})
		t.Cleanup(func() { s.log.Close(context.Background()) })
		qlog = s.log
		rep = func(ctx context.Context, since time.Time) (report.Report, error) {
			return report.Build(ctx, s.store, lib.Document(), lib.Document().Title, since, time.Now())
		}
	}
	rate := o.rate
	if rate == 0 {
		rate = -1
	}
	b, err := bot.New(bot.Config{Searcher: lib, RatePerMinute: rate, Log: m.Log(qlog)})
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(Config{Bot: b, Document: lib.Document, Metrics: m.Handler(), Ready: o.ready, AdminToken: o.token, Report: rep,
		PublicURL: o.publicURL})
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewServer(w)
	t.Cleanup(s.srv.Close)
	return s
}

// do sends a request with a timeout and returns the status, headers and body.
func (s *site) do(t *testing.T, c *http.Client, method, path string, form url.Values, header map[string]string) (int, http.Header, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, s.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if c == nil {
		c = noRedirect(nil)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(data)
}

func noRedirect(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func TestProbes(t *testing.T) {
	down := errors.New("gateway not connected")
	var mu sync.Mutex
	discordErr := down
	s := newSite(t, siteOpts{ready: []Check{{Name: "discord", Ready: func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		return discordErr
	}}}})
	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/healthz", 200, "ok"},
		{"/readyz", 503, "index: ok\ndiscord: gateway not connected"},
		{"/metrics", 200, "citebot_corpus_paragraphs 174"},
		{"/nope", 404, ""},
	}
	for _, tt := range tests {
		status, _, body := s.do(t, nil, "GET", tt.path, nil, nil)
		if status != tt.status || !strings.Contains(body, tt.body) {
			t.Errorf("GET %s: %d %q, want %d with %q", tt.path, status, body, tt.status, tt.body)
		}
	}
	mu.Lock()
	discordErr = nil
	mu.Unlock()
	if status, _, body := s.do(t, nil, "GET", "/readyz", nil, nil); status != 200 || body != "index: ok\ndiscord: ok\n" {
		t.Errorf("ready: %d %q", status, body)
	}
}

func TestDocumentPage(t *testing.T) {
	s := newSite(t, siteOpts{})
	status, h, body := s.do(t, nil, "GET", "/", nil, map[string]string{"Accept-Language": "zh-CN,zh;q=0.9"})
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", status, h.Get("Content-Type"))
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	doc := corpus.Default()
	for _, p := range doc.Paragraphs {
		if !strings.Contains(body, `id="`+p.Label+`"`) {
			t.Fatalf("no anchor for %s", p.Label)
		}
	}
	if !strings.Contains(body, `href="`+anchor.Fragment("三(四)¶2")+`"`) {
		t.Error("paragraph labels do not link to their anchors")
	}
	if !strings.Contains(body, "提问") || !strings.Contains(body, `<h1>`+doc.Title+`</h1>`) {
		t.Error("page not in the reader's language or without the title")
	}
	// The page's own words come from the bot's table, in the reader's
	// language, and name the loaded document rather than an example from
	// one document.
	for _, tt := range []struct{ accept, want string }{
		{"zh-TW", "就《" + bot.TitleIn(doc.Title, bot.Traditional) + "》提問"},
		{"en-GB,en;q=0.8", "Ask about " + html.EscapeString(doc.Title)},
		{"", "Ask in your own words"},
	} {
		_, _, body := s.do(t, nil, "GET", "/", nil, map[string]string{"Accept-Language": tt.accept})
		if !strings.Contains(body, tt.want) {
			t.Errorf("Accept-Language %q: the page does not say %q", tt.accept, tt.want)
		}
	}
	// Nothing is loaded from elsewhere.
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		if strings.Contains(m[1], "//") {
			t.Errorf("external reference %q", m[1])
		}
	}
	if status, h, _ := s.do(t, nil, "GET", "/static/citebot.css", nil, nil); status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %s", status, h.Get("Content-Type"))
	}
}

func TestAsk(t *testing.T) {
	s := newSite(t, siteOpts{rate: 2})
	tests := []struct {
		name   string
		q      string
		header map[string]string
		status int
		want   []string
	}{
		{"answered", "上合组织秘书处设在哪里?", nil, 200,
			[]string{`class="answer answered"`, `<a class="cite" href="` + anchor.Fragment("一¶7") + `">一¶7</a>`, "已回答"}},
		{"not addressed", "红烧肉怎么做才好吃?", map[string]string{"Sec-Fetch-Site": "same-origin"}, 200,
			[]string{`class="answer not_addressed"`}},
		{"rate limited", "上合组织秘书处设在哪里?", nil, 429, []string{`class="answer error"`}},
		{"from another site", "上合组织秘书处设在哪里?", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, nil},
		{"from another origin", "上合组织秘书处设在哪里?", map[string]string{"Origin": "https://evil.example"}, 403, nil},
	}
	for _, tt := range tests {
		status, _, body := s.do(t, nil, "POST", "/ask", url.Values{"q": {tt.q}}, tt.header)
		if status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, status, tt.status)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q", tt.name, w)
			}
		}
	}
	// Every question reached the log, from the web transport, without the
	// asker's address.
	if err := s.log.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	qs, err := s.store.Questions(context.Background(), store.Filter{Since: s.now.Add(-time.Hour)})
	if err != nil || len(qs) != 3 {
		t.Fatalf("%d questions logged (%v), want 3", len(qs), err)
	}
	for _, q := range qs {
		if q.Transport != "web" || strings.Contains(q.UserHash, "127.0.0.1") || q.UserHash != s.store.UserHash("web:127.0.0.1") {
			t.Errorf("logged %+v", q)
		}
	}
	// GET /ask goes back to the page.
	if status, h, _ := s.do(t, nil, "GET", "/ask", nil, nil); status != http.StatusSeeOther || h.Get("Location") != "/" {
		t.Errorf("GET /ask: %d → %q", status, h.Get("Location"))
	}
}

// An answer's text is escaped, and only the document's labels become links.
func TestLinkLabels(t *testing.T) {
	labels := map[string]bool{"一¶7": true, "三(四)¶2": true}
	tests := []struct{ in, want string }{
		{"见 [一¶7]。", `见 <a class="cite" href="#%E4%B8%80%C2%B67">[一¶7]</a>。`},
		{"[三(四)¶2] and [九¶9]", `<a class="cite" href="#%E4%B8%89%28%E5%9B%9B%29%C2%B62">[三(四)¶2]</a> and [九¶9]`},
		{`<script>alert(1)</script> [一¶7]`, `&lt;script&gt;alert(1)&lt;/script&gt; <a class="cite" href="#%E4%B8%80%C2%B67">[一¶7]</a>`},
	}
	for _, tt := range tests {
		if got := string(linkLabels(tt.in, labels)); got != tt.want {
			t.Errorf("linkLabels(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNoAdminWithoutToken(t *testing.T) {
	s := newSite(t, siteOpts{})
	for _, tt := range []struct{ method, path string }{{"GET", "/admin"}, {"POST", "/admin/login"}} {
		if status, _, _ := s.do(t, nil, tt.method, tt.path, url.Values{"token": {""}}, map[string]string{"Authorization": "Bearer "}); status != 404 && status != 405 {
			t.Errorf("%s %s without a token configured: %d, want no page", tt.method, tt.path, status)
		}
	}
}

func TestAdminAuth(t *testing.T) {
	s := newSite(t, siteOpts{token: adminToken})
	tests := []struct {
		name   string
		header map[string]string
		status int
		want   string
	}{
		{"nothing", nil, 401, `name="token"`},
		{"wrong bearer", map[string]string{"Authorization": "Bearer nope"}, 401, ""},
		{"bearer", map[string]string{"Authorization": "Bearer " + adminToken}, 200, `<svg class="chart daily"`},
		{"forged cookie", map[string]string{"Cookie": sessionCookie + "=9999999999.00"}, 401, ""},
	}
	for _, tt := range tests {
		status, h, body := s.do(t, nil, "GET", "/admin", nil, tt.header)
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d, want %d with %q", tt.name, status, tt.status, tt.want)
		}
		if h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", tt.name, h.Get("Cache-Control"))
		}
	}

	jar, _ := cookiejar.New(nil)
	c := noRedirect(jar)
	if status, _, _ := s.do(t, c, "POST", "/admin/login", url.Values{"token": {"wrong"}}, nil); status != 401 {
		t.Errorf("wrong login: %d", status)
	}
	status, h, _ := s.do(t, c, "POST", "/admin/login", url.Values{"token": {adminToken}}, nil)
	if status != http.StatusSeeOther || h.Get("Location") != "/admin" {
		t.Fatalf("login: %d → %q", status, h.Get("Location"))
	}
	if sc := h.Get("Set-Cookie"); !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Strict") || strings.Contains(sc, adminToken) {
		t.Errorf("session cookie %q", sc)
	}
	if status, _, body := s.do(t, c, "GET", "/admin?since=7d", nil, nil); status != 200 || !strings.Contains(body, "Coverage gaps") {
		t.Errorf("dashboard after login: %d", status)
	}
	if status, _, _ := s.do(t, c, "GET", "/admin?since=soon", nil, nil); status != 400 {
		t.Errorf("bad period: %d, want 400", status)
	}
	if status, _, _ := s.do(t, c, "POST", "/admin/logout", url.Values{}, nil); status != http.StatusSeeOther {
		t.Errorf("logout: %d", status)
	}
	if status, _, _ := s.do(t, c, "GET", "/admin", nil, nil); status != 401 {
		t.Errorf("after logout: %d, want 401", status)
	}
}

// A burst of wrong tokens locks logins for a while, the right one included.
func TestAdminLoginLimit(t *testing.T) {
	s := newSite(t, siteOpts{token: adminToken})
	limited := false
	for i := 0; i < 10 && !limited; i++ {
		status, _, _ := s.do(t, nil, "POST", "/admin/login", url.Values{"token": {"guess"}}, nil)
		limited = status == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("ten wrong tokens in a row were not limited")
	}
	if status, _, _ := s.do(t, nil, "POST", "/admin/login", url.Values{"token": {adminToken}}, nil); status != http.StatusTooManyRequests {
		t.Errorf("right token while limited: %d, want 429", status)
	}
}

func TestSessions(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	a := newAdminAuth("t", func() time.Time { return now })
	v := a.session()
	tests := []struct {
		name  string
		value string
		at    time.Time
		ok    bool
	}{
		{"fresh", v, now, true},
		{"expired", v, now.Add(sessionTTL + time.Second), false},
		{"other token", newAdminAuth("u", func() time.Time { return now }).session(), now, false},
		{"longer expiry", strings.Replace(v, v[:3], "999", 1), now, false},
		{"garbage", "x", now, false},
	}
	for _, tt := range tests {
		now = tt.at
		if got := a.sessionOK(tt.value); got != tt.ok {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.ok)
		}
	}
}

// Behind a TLS proxy, the public https address marks the session cookie
// Secure, and the page names its public address.
func TestPublicURL(t *testing.T) {
	s := newSite(t, siteOpts{token: adminToken, publicURL: "https://cite.example.org"})
	if _, _, body := s.do(t, nil, "GET", "/", nil, nil); !strings.Contains(body, `<link rel="canonical" href="https://cite.example.org/">`) {
		t.Error("no canonical link")
	}
	_, h, _ := s.do(t, nil, "POST", "/admin/login", url.Values{"token": {adminToken}}, nil)
	if sc := h.Get("Set-Cookie"); !strings.Contains(sc, "Secure") {
		t.Errorf("cookie %q is not Secure", sc)
	}
}

func TestDashboardWithoutLog(t *testing.T) {
	s := newSite(t, siteOpts{token: adminToken, noStore: true})
	status, _, body := s.do(t, nil, "GET", "/admin", nil, map[string]string{"Authorization": "Bearer " + adminToken})
	if status != 200 || !strings.Contains(body, "No question log is kept") {
		t.Errorf("%d %s", status, body)
	}
}

func TestNiceCeil(t *testing.T) {
	tests := []struct{ in, want int }{{0, 0}, {1, 2}, {2, 2}, {3, 4}, {5, 10}, {11, 20}, {21, 40}, {41, 100}, {101, 200}}
	for _, tt := range tests {
		if got := niceCeil(tt.in); got != tt.want {
			t.Errorf("niceCeil(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestDrawDaily(t *testing.T) {
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	c := drawDaily([]report.Day{{Date: day, Answered: 3, Uncertain: 1}, {Date: day.Add(24 * time.Hour)}, {Date: day.Add(48 * time.Hour), Error: 4}})
	if len(c.Bars) != 3 || c.Empty {
		t.Fatalf("bars %+v", c.Bars)
	}
	// Answered sits on the axis, uncertain on top of it; a full day reaches the top.
	if c.Bars[0].Y+c.Bars[0].H != c.Bottom || c.Bars[1].Y+c.Bars[1].H != c.Bars[0].Y || c.Bars[2].Y != c.Top {
		t.Errorf("stacking %+v (bottom %v, top %v)", c.Bars, c.Bottom, c.Top)
	}
	if !drawDaily([]report.Day{{Date: day}}).Empty {
		t.Error("a period without questions is not marked empty")
	}
}
