package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// restTransport carries a session's REST requests, so that discordgo's own
// rate limiter never has to:
//
//   - It points them at the configured server. discordgo's endpoints name
//     discord.com in package variables; rewriting requests here, per
//     session, leaves those alone, so sessions (and tests) do not share
//     state. With another server configured, a request for any other host
//     is refused rather than sent to Discord.
//   - It keeps Discord's rate limits with waits that end with the request's
//     context. discordgo's limiter sleeps without one (a 429 with
//     Retry-After 120 on an edit held a shutdown for two minutes) and makes
//     a global limit hold interaction callbacks, which Discord exempts: a
//     global 429 on a mention's reply delayed the next /ask's ack past the
//     3 seconds Discord gives it.
//   - It retries once after a 5xx (discordgo retries only a 502).
//
// It hides the rate-limit headers from discordgo, whose limiter then never
// waits; the session also sets ShouldRetryOnRateLimit false and
// MaxRestRetries 0, so that a 429 this transport gives up on returns at
// once as a *discordgo.RateLimitError.
type restTransport struct {
	next    http.RoundTripper
	from    string // discordgo's base, "https://discord.com/"
	to      string // the configured base, with a trailing slash
	limits  *rateLimits
	backoff time.Duration // before retrying a 5xx that gave no Retry-After
	log     *slog.Logger
}

// defaultRetryBackoff is the wait before retrying a 5xx without Retry-After.
const defaultRetryBackoff = 500 * time.Millisecond

func newRESTTransport(base string, backoff time.Duration, log *slog.Logger) *restTransport {
	if backoff <= 0 {
		backoff = defaultRetryBackoff
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &restTransport{
		next:    http.DefaultTransport.(*http.Transport).Clone(),
		from:    discordgo.EndpointDiscord,
		to:      strings.TrimRight(base, "/") + "/",
		limits:  &rateLimits{routes: map[string]time.Time{}},
		backoff: backoff,
		log:     log,
	}
}

// interactionRouteKey marks a request's context as an interaction endpoint
// (a callback, an interaction's original response or follow-up), which
// Discord does not hold to the bot's global rate limit.
type interactionRouteKey struct{}

func interactionRoute(ctx context.Context) context.Context {
	return context.WithValue(ctx, interactionRouteKey{}, true)
}

func isInteractionRoute(ctx context.Context) bool {
	v, _ := ctx.Value(interactionRouteKey{}).(bool)
	return v
}

// errRateLimited is returned (wrapped) for a request that a rate limit
// would hold past its context's deadline: it fails at once instead.
var errRateLimited = errors.New("discord: rate limited past the request's deadline")

// RoundTrip sends req, waiting out rate limits and retrying once after a
// 5xx, all within req's context.
func (t *restTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req, err := t.point(req)
	if err != nil {
		return nil, err
	}
	ctx := req.Context()
	route := routeOf(req)
	exempt := isInteractionRoute(ctx)
	limited, failed := 0, 0
	for attempt := 0; ; attempt++ {
		if err := t.limits.wait(ctx, route, exempt); err != nil {
			return nil, err
		}
		try := req
		if attempt > 0 {
			if try, err = rewind(req); err != nil {
				return nil, err
			}
		}
		resp, err := t.next.RoundTrip(try)
		if err != nil {
			return nil, err
		}
		wait, again := time.Duration(0), false
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			var global bool
			wait, global = t.limits.limited(route, exempt, resp)
			// The route's path may hold an interaction token: only its
			// method is logged.
			t.log.Info("discord: rate limited", "method", req.Method, "global", global, "wait", wait)
			limited++
			again = limited <= 2
		case retryableStatus(resp.StatusCode):
			wait = retryAfterHeader(resp.Header)
			if wait <= 0 {
				wait = t.backoff
			}
			failed++
			again = failed <= 1
		default:
			t.limits.update(route, resp.Header)
		}
		if !again || !beforeDeadline(ctx, wait) {
			hideLimits(resp.Header)
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests {
			// A 429 set the route's or the global limit, which wait
			// honours; a 5xx waits here.
			if err := sleep(ctx, wait); err != nil {
				return nil, err
			}
		}
	}
}

// point rewrites a request for discord.com to the configured server.
func (t *restTransport) point(req *http.Request) (*http.Request, error) {
	if t.to == t.from {
		return req, nil
	}
	rest, ok := strings.CutPrefix(req.URL.String(), t.from)
	if !ok {
		return nil, fmt.Errorf("discord: refusing a request to %s: only the configured server is used", req.URL.Host)
	}
	u, err := url.Parse(t.to + rest)
	if err != nil {
		return nil, fmt.Errorf("discord: rewriting a request URL: %w", err)
	}
	r := req.Clone(req.Context())
	r.URL, r.Host = u, ""
	return r, nil
}

// rewind returns a copy of req with its body again from the start.
func rewind(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil, errors.New("discord: cannot resend a request whose body cannot be read again")
		}
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("discord: resending a request: %w", err)
		}
		r.Body = body
	}
	return r, nil
}

// routeOf names the rate-limit route of a request: its method and path,
// with a message's id generalised (Discord limits per channel or webhook,
// not per message).
func routeOf(req *http.Request) string {
	parts := strings.Split(req.URL.Path, "/")
	for i := 1; i < len(parts); i++ {
		if parts[i-1] == "messages" && parts[i] != "" {
			parts[i] = ":id"
		}
	}
	return req.Method + " " + strings.Join(parts, "/")
}

// retryableStatus is a server error worth one more try.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// beforeDeadline reports whether waiting d still leaves time before ctx's deadline.
func beforeDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > d
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// hideLimits removes the rate-limit headers, so that discordgo's limiter,
// which would sleep on them without a context, never acts.
func hideLimits(h http.Header) {
	for k := range h {
		if strings.HasPrefix(http.CanonicalHeaderKey(k), "X-Ratelimit-") {
			delete(h, k)
		}
	}
}

// rateLimits is what the transport knows of Discord's limits: until when
// the global limit holds, and until when each exhausted route does. Only
// exhausted routes are kept, and only until they reset.
type rateLimits struct {
	mu     sync.Mutex
	global time.Time
	routes map[string]time.Time
}

// maxRoutes bounds the exhausted routes kept; past it, the ones that reset
// are forgotten.
const maxRoutes = 4096

// delay is how long a request on route must wait now.
func (l *rateLimits) delay(route string, exempt bool, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var d time.Duration
	if until, ok := l.routes[route]; ok {
		if d = until.Sub(now); d <= 0 {
			delete(l.routes, route)
		}
	}
	if g := l.global.Sub(now); !exempt && g > d {
		d = g
	}
	return max(d, 0)
}

// wait blocks until route may be used, or fails at once with
// errRateLimited when that would be past ctx's deadline.
func (l *rateLimits) wait(ctx context.Context, route string, exempt bool) error {
	for {
		d := l.delay(route, exempt, time.Now())
		if d <= 0 {
			return nil
		}
		if !beforeDeadline(ctx, d) {
			return fmt.Errorf("%w (%s to wait)", errRateLimited, d.Round(time.Millisecond))
		}
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// update notes a route that a response says is exhausted.
func (l *rateLimits) update(route string, h http.Header) {
	if h.Get("X-RateLimit-Remaining") != "0" {
		return
	}
	if d := seconds(h.Get("X-RateLimit-Reset-After")); d > 0 {
		l.hold(route, time.Now().Add(d))
	}
}

func (l *rateLimits) hold(route string, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.routes) >= maxRoutes {
		now := time.Now()
		for r, u := range l.routes {
			if !u.After(now) {
				delete(l.routes, r)
			}
		}
		if len(l.routes) >= maxRoutes {
			return // all still limited: Discord's 429 will tell again
		}
	}
	if until.After(l.routes[route]) {
		l.routes[route] = until
	}
}

// limited reads a 429: how long to wait and whether the limit is global
// (then every route but the interaction endpoints waits). It leaves the
// body readable for discordgo.
func (l *rateLimits) limited(route string, exempt bool, resp *http.Response) (time.Duration, bool) {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var tm struct {
		RetryAfter float64 `json:"retry_after"`
		Global     bool    `json:"global"`
	}
	_ = json.Unmarshal(body, &tm)
	wait := retryAfterHeader(resp.Header)
	if d := secondsF(tm.RetryAfter); d > wait {
		wait = d
	}
	if d := seconds(resp.Header.Get("X-RateLimit-Reset-After")); d > wait {
		wait = d
	}
	if wait <= 0 {
		wait = time.Second // a 429 without a hint still means "not now"
	}
	global := tm.Global || resp.Header.Get("X-RateLimit-Global") != "" ||
		strings.EqualFold(resp.Header.Get("X-RateLimit-Scope"), "global")
	until := time.Now().Add(wait)
	if global {
		l.mu.Lock()
		if until.After(l.global) {
			l.global = until
		}
		l.mu.Unlock()
		if !exempt {
			return wait, true
		}
	}
	l.hold(route, until)
	return wait, global
}

// retryAfterHeader reads Retry-After in seconds (Discord may send a fraction).
func retryAfterHeader(h http.Header) time.Duration { return seconds(h.Get("Retry-After")) }

func seconds(v string) time.Duration {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return 0
	}
	return secondsF(f)
}

// secondsF converts seconds to a duration; nonsense (negative, NaN, over a
// day) counts as none.
func secondsF(f float64) time.Duration {
	if math.IsNaN(f) || f <= 0 || f > 86400 {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}
