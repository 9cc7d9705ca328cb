package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/metrics"
	"github.com/citebot/citebot/report"
	"github.com/citebot/citebot/web"
)

// transport is the bot as one transport sees it: its requests carry the
// transport's name (for the question log and the metrics), and the reloads
// it asks for are counted.
type transport struct {
	*bot.Bot
	name    string
	metrics *metrics.Metrics
	// registered is set when the transport first asks for the document's
	// description: Discord does so to register its commands, once its
	// gateway is connected and its token accepted.
	registered atomic.Bool
	// done is set when the transport stopped.
	done atomic.Bool
}

// Handle marks the request with the transport and answers it.
func (t *transport) Handle(ctx context.Context, req bot.Request, progress func(bot.Reply)) bot.Reply {
	if req.Transport == "" {
		req.Transport = t.name
	}
	r := t.Bot.Handle(ctx, req, progress)
	if req.Kind == bot.KindReload && !errors.Is(r.Err, bot.ErrForbidden) {
		t.metrics.Reloaded(r.Err)
	}
	return r
}

// Describe describes the serving document.
func (t *transport) Describe() bot.Description {
	t.registered.Store(true)
	return t.Bot.Describe()
}

func (t *transport) stopped() { t.done.Store(true) }

// ready is the transport's readiness check for /readyz.
func (t *transport) ready(context.Context) error {
	switch {
	case t.done.Load():
		return errors.New("disconnected")
	case !t.registered.Load():
		return errors.New("not connected yet")
	}
	return nil
}

// newWeb builds the web server over the app.
func newWeb(cfg config, a *app, logger *slog.Logger, checks ...web.Check) (*web.Server, error) {
	wc := web.Config{
		Bot:        a.bot,
		Document:   a.lib.Document,
		Title:      cfg.Title,
		PublicURL:  cfg.PublicURL,
		Metrics:    a.metrics.Handler(),
		Ready:      checks,
		AdminToken: cfg.AdminToken,
		TrustProxy: cfg.TrustProxy,
		Logger:     logger,
	}
	if a.store != nil {
		wc.Report = func(ctx context.Context, since time.Time) (report.Report, error) {
			doc := a.lib.Document()
			title := cfg.Title
			if title == "" {
				title = doc.Title
			}
			return report.Build(ctx, a.store, doc, title, since, time.Now())
		}
	}
	return web.New(wc)
}

// runServe runs the web server alone until ctx is done; SIGHUP reloads
// the corpus, and a /reload through another process sharing the data
// directory is followed.
func runServe(ctx context.Context, cfg config, a *app, logger *slog.Logger, stderr io.Writer) int {
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		fmt.Fprintln(stderr, "citebot serve:", err)
		return 1
	}
	h, err := newWeb(cfg, a, logger)
	if err != nil {
		ln.Close()
		fmt.Fprintln(stderr, "citebot serve:", err)
		return 1
	}
	fmt.Fprintf(stderr, "citebot: serving http://%s\n", ln.Addr())
	stop := reloadOnHUP(ctx, a, logger)
	defer stop()
	stopFollowing := followReloads(ctx, cfg, a, logger)
	defer stopFollowing()
	go analysis.LoadScripts()
	if err := web.Serve(ctx, ln, h, logger); err != nil {
		fmt.Fprintln(stderr, "citebot serve:", err)
		return 1
	}
	return 0
}

// runReport prints the question log's figures for a period.
func runReport(ctx context.Context, cfg config, f *flags, stdout, stderr io.Writer, logger *slog.Logger) int {
	since, err := report.ParseSince(f.since, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "citebot report: --since", err)
		return 2
	}
	switch {
	case cfg.DatabaseURL == "" && cfg.DataDir == "":
		fmt.Fprintln(stderr, "citebot report: no question log is kept: set CITEBOT_DATA_DIR or CITEBOT_DATABASE_URL")
		return 2
	case cfg.DatabaseURL == "":
		// Reading must not create an empty log where there is none.
		if _, err := os.Stat(filepath.Join(cfg.DataDir, dbFile)); err != nil {
			fmt.Fprintf(stderr, "citebot report: no question log in %s yet\n", cfg.DataDir)
			return 1
		}
	}
	s, err := openStore(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "citebot report:", err)
		return 1
	}
	defer s.Close()
	doc, err := startDocument(cfg, true, logger)
	if err != nil {
		fmt.Fprintln(stderr, "citebot report:", err)
		return 1
	}
	title := cfg.Title
	if title == "" {
		title = doc.Title
	}
	rep, err := report.Build(ctx, s, doc, title, since, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "citebot report:", err)
		return 1
	}
	if f.json {
		return printJSON(stdout, stderr, rep)
	}
	if err := rep.WriteText(stdout); err != nil {
		fmt.Fprintln(stderr, "citebot report:", err)
		return 1
	}
	return 0
}

// buildInfo is what `citebot version` says.
type buildInfo struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
}

// readBuildInfo reads the module version and the VCS revision that the Go
// toolchain stamped into the binary.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: "(unknown)", Go: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.Version = info.Main.Version
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

func printVersion(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("citebot version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	b := readBuildInfo()
	if *asJSON {
		return printJSON(stdout, stderr, b)
	}
	rev := "no VCS revision"
	if b.Revision != "" {
		rev = "revision " + b.Revision
		if b.Time != "" {
			rev += ", " + b.Time
		}
		if b.Modified {
			rev += ", modified"
		}
	}
	fmt.Fprintf(stdout, "citebot %s (%s; %s)\n", b.Version, rev, b.Go)
	return 0
}

// healthcheckTimeout bounds `citebot healthcheck`.
const healthcheckTimeout = 3 * time.Second

// healthcheck asks the running server's /healthz (or /readyz) and exits 0
// when it answers 200: a container health check for images without curl.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	fs := flag.NewFlagSet("citebot healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ready := fs.Bool("ready", false, "check /readyz (index loaded, Discord connected) instead of /healthz")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	addr := getenv("CITEBOT_HTTP_ADDR")
	if addr == "" {
		addr = defaultHTTPAddr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		fmt.Fprintf(stderr, "citebot healthcheck: CITEBOT_HTTP_ADDR=%q: %v\n", addr, err)
		return 2
	}
	// A server listening on every address answers on loopback.
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	path := "/healthz"
	if *ready {
		path = "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+path, nil)
	if err != nil {
		fmt.Fprintln(stderr, "citebot healthcheck:", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "citebot healthcheck:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "citebot healthcheck: %s: %s\n%s", path, resp.Status, body)
		return 1
	}
	return 0
}
