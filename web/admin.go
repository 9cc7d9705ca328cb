package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/citebot/citebot/report"
)

// The dashboard's session: a cookie holding its expiry and a MAC of it
// keyed by the admin token. The token itself never leaves the login form;
// changing the token ends every session.
const (
	sessionCookie = "citebot_admin"
	sessionTTL    = 12 * time.Hour
)

// adminAuth checks the admin token and the sessions it signs.
type adminAuth struct {
	tokenSum [32]byte // SHA-256 of the token, compared in constant time
	key      []byte   // the sessions' MAC key, derived from the token
	now      func() time.Time
	// logins bounds failed logins, so that the token cannot be guessed
	// at network speed.
	logins *rate.Limiter
}

func newAdminAuth(token string, now func() time.Time) *adminAuth {
	k := hmac.New(sha256.New, []byte(token))
	k.Write([]byte("citebot admin session v1"))
	return &adminAuth{tokenSum: sha256.Sum256([]byte(token)), key: k.Sum(nil), now: now,
		logins: rate.NewLimiter(rate.Every(2*time.Second), 5)}
}

// tokenOK compares a presented token with the admin token in constant
// time: both are hashed first, so that neither length nor content leaks
// through timing.
func (a *adminAuth) tokenOK(presented string) bool {
	sum := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(sum[:], a.tokenSum[:]) == 1
}

func (a *adminAuth) mac(expiry string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(expiry))
	return hex.EncodeToString(m.Sum(nil))
}

// session returns a new session cookie's value.
func (a *adminAuth) session() string {
	exp := strconv.FormatInt(a.now().Add(sessionTTL).Unix(), 10)
	return exp + "." + a.mac(exp)
}

// sessionOK checks a session cookie's value.
func (a *adminAuth) sessionOK(v string) bool {
	exp, mac, ok := strings.Cut(v, ".")
	if !ok {
		return false
	}
	if !hmac.Equal([]byte(mac), []byte(a.mac(exp))) {
		return false
	}
	t, err := strconv.ParseInt(exp, 10, 64)
	return err == nil && a.now().Unix() < t
}

// authorized accepts a bearer token (scripts, curl) or a session cookie
// (browsers, after the login form). A wrong bearer token counts as a
// failed login; limited is set while failures come too fast.
func (a *adminAuth) authorized(r *http.Request) (ok, limited bool) {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		if a.logins.Tokens() < 1 {
			return false, true
		}
		if a.tokenOK(strings.TrimPrefix(h, "Bearer ")) {
			return true, false
		}
		a.logins.Allow()
		return false, false
	}
	c, err := r.Cookie(sessionCookie)
	return err == nil && a.sessionOK(c.Value), false
}

type loginData struct {
	Failed, Limited bool
}

func (s *Server) askLogin(w http.ResponseWriter, status int, d loginData) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("WWW-Authenticate", `Bearer realm="citebot admin"`)
	s.render(w, status, "login.html", d)
}

// login checks the token from the login form and starts a session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "This form only accepts logins from its own page.", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.askLogin(w, http.StatusBadRequest, loginData{Failed: true})
		return
	}
	// While failures come faster than allowed, even the right token is
	// refused: otherwise guessing at speed would still find it.
	if s.admin.logins.Tokens() < 1 {
		s.log.Warn("admin logins failing faster than allowed; refusing logins for now")
		s.askLogin(w, http.StatusTooManyRequests, loginData{Limited: true})
		return
	}
	if !s.admin.tokenOK(r.PostForm.Get("token")) {
		s.admin.logins.Allow()
		s.log.Info("admin login failed", "from", s.clientAddr(r))
		s.askLogin(w, http.StatusUnauthorized, loginData{Failed: true})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.admin.session(), Path: "/admin",
		MaxAge: int(sessionTTL.Seconds()), HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/admin", MaxAge: -1,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// periods are the dashboard's choices of period.
var periods = []string{"1d", "7d", "30d", "90d"}

// dashboardData is what the dashboard shows.
type dashboardData struct {
	Report  report.Report
	Since   string
	Periods []string
	NoLog   bool
	Error   string
	Daily   dailyChart
	Heat    heatMap
	Gaps    []gapView
	Down    []votedView
}

type gapView struct {
	report.Gap
	Near []linkView
}

type votedView struct {
	report.Voted
	Cites []linkView
}

type linkView struct{ Label, Href string }

// dashboard shows the question log's figures for the period ?since=
// (default 30d).
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	switch ok, limited := s.admin.authorized(r); {
	case limited:
		s.askLogin(w, http.StatusTooManyRequests, loginData{Limited: true})
		return
	case !ok:
		s.askLogin(w, http.StatusUnauthorized, loginData{})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	d := dashboardData{Since: r.URL.Query().Get("since"), Periods: periods}
	if d.Since == "" {
		d.Since = "30d"
	}
	now := s.cfg.Now()
	since, err := report.ParseSince(d.Since, now)
	if err != nil {
		d.Error = "since: " + report.ErrBadSince.Error()
		s.render(w, http.StatusBadRequest, "admin.html", d)
		return
	}
	if s.cfg.Report == nil {
		d.NoLog = true
		s.render(w, http.StatusOK, "admin.html", d)
		return
	}
	rep, err := s.cfg.Report(r.Context(), since)
	if err != nil {
		s.log.Error("building the dashboard failed", "err", err)
		d.Error = "The question log could not be read; see the server's log."
		s.render(w, http.StatusInternalServerError, "admin.html", d)
		return
	}
	d.Report = rep
	d.Daily = drawDaily(rep.Days)
	d.Heat = drawHeat(rep)
	for _, g := range rep.Gaps {
		d.Gaps = append(d.Gaps, gapView{Gap: g, Near: links(g.Near)})
	}
	for _, v := range rep.DownVoted {
		d.Down = append(d.Down, votedView{Voted: v, Cites: links(v.Labels)})
	}
	s.render(w, http.StatusOK, "admin.html", d)
}
