// Package web is citebot's HTTP side, and the only package that serves
// HTTP: health and readiness probes, Prometheus metrics, the document as a
// web page with an anchor per paragraph and an ask box that answers through
// the same bot as every other transport, and the admins' dashboard of the
// question log. Pages are plain HTML with server-drawn SVG charts: they
// read and work without JavaScript, and load nothing from elsewhere.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/report"
)

// Handler is what the web needs from the bot; *bot.Bot satisfies it.
type Handler interface {
	Handle(ctx context.Context, req bot.Request, progress func(bot.Reply)) bot.Reply
}

// Check is one condition of readiness: nil from Ready means ready.
type Check struct {
	Name  string
	Ready func(ctx context.Context) error
}

// Config configures the web server. Bot and Document are required.
type Config struct {
	// Bot answers the ask box.
	Bot Handler
	// Document returns the serving document (it changes with a reload).
	Document func() *corpus.Document
	// Title, when set, names the document instead of its own title.
	Title string
	// PublicURL is the page's address as users reach it
	// (CITEBOT_PUBLIC_URL), when set: the page names it as canonical, and
	// an https one marks the admin cookie Secure behind a TLS proxy.
	PublicURL string
	// Metrics serves /metrics; nil serves none.
	Metrics http.Handler
	// Ready are the conditions of /readyz besides a loaded document.
	Ready []Check
	// AdminToken guards /admin; empty means there is no /admin at all.
	AdminToken string
	// Report builds the dashboard's figures since a time; nil means no
	// question log is kept, which the dashboard says.
	Report func(ctx context.Context, since time.Time) (report.Report, error)
	// TrustProxy takes the asker's address from the last X-Forwarded-For
	// entry and the scheme from X-Forwarded-Proto, as a reverse proxy in
	// front sets them; otherwise every user behind a proxy would share one
	// rate limit.
	TrustProxy bool
	// Logger; nil discards.
	Logger *slog.Logger
	// Now is the clock, for tests.
	Now func() time.Time
}

// Server is the web's http.Handler.
type Server struct {
	cfg   Config
	log   *slog.Logger
	mux   *http.ServeMux
	pages *template.Template
	admin *adminAuth
}

//go:embed templates/*.html static/*
var assets embed.FS

// New returns the server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Bot == nil || cfg.Document == nil {
		return nil, errors.New("web server: no bot or no document")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	pages, err := template.New("").Funcs(funcs).ParseFS(assets, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web server: templates: %w", err)
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "web"), mux: http.NewServeMux(), pages: pages}
	static, _ := fs.Sub(assets, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(time.Hour, http.FileServerFS(static))))
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	if cfg.Metrics != nil {
		s.mux.Handle("GET /metrics", cfg.Metrics)
	}
	s.mux.HandleFunc("GET /{$}", s.page)
	s.mux.HandleFunc("GET /ask", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/", http.StatusSeeOther) })
	s.mux.HandleFunc("POST /ask", s.ask)
	if cfg.AdminToken != "" {
		s.admin = newAdminAuth(cfg.AdminToken, cfg.Now)
		s.mux.HandleFunc("GET /admin", s.dashboard)
		s.mux.HandleFunc("POST /admin/login", s.login)
		s.mux.HandleFunc("POST /admin/logout", s.logout)
	}
	return s, nil
}

// ServeHTTP serves a request, with the headers every response carries.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.cfg.Now()
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	// No referrer: a question's answer page must not leak to linked sites.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(sw, r)
	// The path only: queries and bodies may hold a user's question.
	s.log.Debug("http", "method", r.Method, "path", r.URL.Path, "status", sw.status, "took", s.cfg.Now().Sub(start))
}

// statusWriter remembers the status, for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d.Seconds())))
		h.ServeHTTP(w, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintln(w, "ok")
}

// readyTimeout bounds each readiness check.
const readyTimeout = 2 * time.Second

// readyz is ready when a document with paragraphs is loaded and every
// configured check passes; the body lists each check.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	checks := append([]Check{{Name: "index", Ready: func(context.Context) error {
		if doc := s.cfg.Document(); doc == nil || len(doc.Paragraphs) == 0 {
			return errors.New("no document loaded")
		}
		return nil
	}}}, s.cfg.Ready...)
	var sb strings.Builder
	ready := true
	for _, c := range checks {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		err := c.Ready(ctx)
		cancel()
		if err != nil {
			ready = false
			fmt.Fprintf(&sb, "%s: %v\n", c.Name, err)
			continue
		}
		fmt.Fprintf(&sb, "%s: ok\n", c.Name)
	}
	if !ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	fmt.Fprint(w, sb.String())
}

// clientAddr is the asker's address, for the rate limit: the connection's,
// or behind a trusted proxy the one it reports.
func (s *Server) clientAddr(r *http.Request) string {
	if s.cfg.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			// The last entry is the one our proxy added; earlier ones
			// are whatever the client claimed.
			if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// secure reports whether the request came over HTTPS, or users reach the
// page over it, for cookie flags.
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.cfg.PublicURL, "https://") ||
		(s.cfg.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
}

// sameOrigin refuses form posts from other sites: the ask box spends the
// operator's model budget, and the login form guards the dashboard.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // older browsers and clients such as curl send none
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// Timeouts of the server: headers must come quickly, a model answer may
// take minutes (CITEBOT_TIMEOUT, its retry, and the whole-document retry).
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 5 * time.Minute
	idleTimeout       = 2 * time.Minute
	shutdownGrace     = 10 * time.Second
)

// Serve serves h on ln until ctx is done, then shuts down gracefully,
// letting requests in flight finish for a grace period.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("http server shutdown: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	return nil
}
