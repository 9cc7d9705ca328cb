package web

import (
	"bytes"
	"context"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/citebot/citebot/internal/anchor"
	"github.com/citebot/citebot/store"
)

// chromium finds Debian's chromium (CITEBOT_CHROMIUM names another).
func chromium() string {
	if p := os.Getenv("CITEBOT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts a headless chromium for one test, with a profile of its
// own and no network but what the page asks for.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromium()
	if path == "" {
		if os.Getenv("CITEBOT_REQUIRE_BROWSER") != "" {
			t.Fatal("CITEBOT_REQUIRE_BROWSER is set but no chromium is installed")
		}
		t.Skip("browser tests skipped: no chromium installed (apt-get install chromium)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return bctx
}

// shoot saves a screenshot when CITEBOT_SCREENSHOTS names a directory, to
// look at what the test saw.
func shoot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("CITEBOT_SCREENSHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Log(err)
	}
}

// The reader's way: the page loads, the ask box answers, and a citation
// link lands on its paragraph; a link from elsewhere (Discord) does too.
func TestBrowserAsk(t *testing.T) {
	ctx := browser(t)
	s := newSite(t, siteOpts{})
	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("q")),
	); err != nil {
		t.Fatal(err)
	}
	paragraphs := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('p.para').length`))
	if paragraphs != 174 {
		t.Errorf("the page shows %d paragraphs, want 174", paragraphs)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("q"), "上合组织秘书处设在哪里?")); err != nil {
		t.Fatal(err)
	}
	loads(t, ctx, chromedp.Click(chromedp.CSS(`form.ask button`)))
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#answer ol.citations a.cite`))); err != nil {
		t.Fatal(err)
	}
	label := run(t, ctx, chromedp.Text(chromedp.CSS(`#answer ol.citations a.cite`)))
	href := run(t, ctx, chromedp.AttributeValue(chromedp.CSS(`#answer ol.citations a.cite`), "href")).Value
	if label != "一¶7" || href != anchor.Fragment(label) {
		t.Errorf("first citation %q → %q, want 一¶7 → %q", label, href, anchor.Fragment("一¶7"))
	}
	shoot(t, ctx, "answer")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#answer ol.citations a.cite`))); err != nil {
		t.Fatal(err)
	}
	landed(t, ctx, label)
	shoot(t, ctx, "landed")

	// A citation link as Discord posts it, opened fresh.
	want := "三(四)¶2"
	if err := chromedp.Do(ctx, chromedp.Navigate(anchor.URL(s.srv.URL, want))); err != nil {
		t.Fatal(err)
	}
	landed(t, ctx, want)
}

// landed checks that the page's target is label's paragraph and that it
// is scrolled into view.
func landed(t *testing.T, ctx context.Context, label string) {
	t.Helper()
	// The fragment navigation is done when :target matches.
	run(t, ctx, chromedp.Poll[bool](`document.querySelector(':target') !== null`, chromedp.WithPollingTimeout(20*time.Second)))
	target := run(t, ctx, chromedp.Evaluate[string](`document.querySelector(':target').id`))
	top := run(t, ctx, chromedp.Evaluate[float64](`document.querySelector(':target').getBoundingClientRect().top`))
	if target != anchor.ID(label) {
		t.Errorf("landed on %q, want %q", target, label)
	}
	if top < -1 || top > 100 {
		t.Errorf("%s is %.0f px from the top of the window, want it at the top", label, top)
	}
}

// The admin's way: log in, and the charts are drawn.
func TestBrowserDashboard(t *testing.T) {
	ctx := browser(t)
	s := newSite(t, siteOpts{token: adminToken})
	seedLog(t, s)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.srv.URL+"/admin"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), adminToken),
	); err != nil {
		t.Fatal(err)
	}
	loads(t, ctx, chromedp.Submit(chromedp.ID("token")))
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`svg.daily`))); err != nil {
		t.Fatal(err)
	}
	count := func(js string) int { return run(t, ctx, chromedp.Evaluate[int](js)) }
	bars := count(`[...document.querySelectorAll('svg.daily rect.bar')].filter(r => { const b = r.getBBox(); return b.width > 0 && b.height > 0 }).length`)
	cells := count(`document.querySelectorAll('svg.heat rect.cell').length`)
	coloured := count(`[...document.querySelectorAll('svg.heat rect.cell')].filter(r => r.getAttribute('fill') !== '#e6e6e6').length`)
	gaps := count(`document.querySelectorAll('#gaps tbody tr').length`)
	down := count(`document.querySelectorAll('#downvoted tbody tr').length`)
	if bars < 4 || cells != 174 || coloured < 3 || gaps < 1 || down < 1 {
		t.Errorf("drawn: %d bars, %d cells (%d coloured), %d gaps, %d voted down", bars, cells, coloured, gaps, down)
	}
	// Drawn, not just present: the charts' pixels carry their colours.
	for _, c := range []struct {
		sel     string
		r, g, b uint8
	}{{`svg.daily`, 0x2e, 0x7d, 0x32}, {`svg.heat`, 0x08, 0x30, 0x6b}} {
		buf := run(t, ctx, chromedp.Screenshot(chromedp.CSS(c.sel)))
		if n := pixels(t, buf, c.r, c.g, c.b); n < 50 {
			t.Errorf("%s has %d pixels of its colour #%02x%02x%02x: not drawn", c.sel, n, c.r, c.g, c.b)
		}
	}
	shoot(t, ctx, "dashboard")
	// A heat-map cell links to its paragraph on the document page.
	// It opens another page: wait for its load before looking.
	loads(t, ctx, chromedp.Click(chromedp.CSS(`svg.heat a[href="/`+anchor.Fragment("一¶7")+`"] rect`)))
	landed(t, ctx, "一¶7")
}

// loads runs an action that opens a new page, and returns when that page
// has loaded: looking earlier would look at the page being left.
func loads(t *testing.T, ctx context.Context, a chromedp.Action[chromedp.Void]) {
	t.Helper()
	ectx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := chromedp.Events(ectx, page.LoadEventFired)
	if _, err := chromedp.Run(ctx, a); err != nil {
		t.Fatal(err)
	}
	for _, err := range events {
		if err != nil {
			t.Fatal(err)
		}
		return
	}
}

// run runs one action and fails the test on its error.
func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// pixels counts the pixels of a PNG within a small distance of a colour.
func pixels(t *testing.T, data []byte, r, g, b uint8) int {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	near := func(a uint32, c uint8) bool { d := int(a>>8) - int(c); return d > -12 && d < 12 }
	n := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if near(pr, r) && near(pg, g) && near(pb, b) {
				n++
			}
		}
	}
	return n
}

// seedLog asks through the page and writes a few days of history.
func seedLog(t *testing.T, s *site) {
	t.Helper()
	for _, q := range []string{"上合组织秘书处设在哪里?", "红烧肉怎么做才好吃?", "上合组织之歌是谁作的曲?"} {
		s.do(t, nil, "POST", "/ask", url.Values{"q": {q}}, nil)
	}
	ctx := context.Background()
	if err := s.log.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for d := 1; d <= 4; d++ {
		at := s.now.Add(-time.Duration(d) * 24 * time.Hour)
		for i := 0; i < d; i++ {
			if _, err := s.store.Record(ctx, store.Question{Time: at, Transport: "discord", UserID: "u", Text: "上合组织秘书处设在哪里?",
				Outcome: store.Answered, Mode: "extractive", Labels: []string{"一¶7"}}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.store.Record(ctx, store.Question{Time: at, Transport: "discord", UserID: "u", Text: "上合组织的预算是多少?",
			Outcome: store.NotAddressed, Mode: "extractive"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.store.RecordVote(ctx, store.Vote{Time: s.now, UserID: "v", Question: "上合组织秘书处设在哪里?", Labels: []string{"一¶7"}, Mode: "extractive"}); err != nil {
		t.Fatal(err)
	}
}
