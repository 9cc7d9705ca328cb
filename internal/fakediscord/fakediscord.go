// Package fakediscord is a small Discord on loopback for tests: an httptest
// server with the REST endpoints the bot uses (/api/v9/...), a WebSocket
// gateway (Hello, Identify, READY, heartbeats, Resume, dispatches, shards:
// each guild's events go to the session of its shard) and a CDN for
// attachments. Channels, threads and forum posts can be created. It speaks the wire format only, so tests exercise the real
// discordgo client. It records every REST call and checks that every message
// the bot sends disables mentions. Faults (a 429 with Discord's rate-limit
// headers, a 5xx) can be injected on chosen calls, and a resume can replay
// events before RESUMED, as Discord does.
package fakediscord

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Options configures a Server; zero values get defaults.
type Options struct {
	Token   string // the accepted bot token, without "Bot "; default "fake-token"
	AppID   string // default "900000000000000001"
	BotID   string // the bot user's id; default "900000000000000002"
	GuildID string // default "900000000000000003"
	// RejectIdentify closes the gateway with 4004 on Identify although REST
	// accepts the token (a token revoked between the two).
	RejectIdentify bool
	// NoThreads refuses thread creation with 403 Missing Permissions.
	NoThreads bool
	// NoMessageContent closes the gateway with 4014 (disallowed intents) when
	// Identify asks for the privileged Message Content intent.
	NoMessageContent bool
	// NoCallbackResponse ignores ?with_response=true on interaction
	// callbacks (as a Discord-compatible server may): 204, no message.
	NoCallbackResponse bool
	// Guilds are the guilds the bot is in; default [GuildID]. A sharded
	// session gets the guilds of its shard, (id >> 22) % shards, as Discord
	// assigns them.
	Guilds []string
}

// Channel is a channel, thread or forum the fake knows, served by GET
// /channels/{id}.
type Channel struct {
	ID       string
	Type     int // ChannelText, ChannelForum, ChannelPublicThread, …
	GuildID  string
	ParentID string // a thread's channel
	OwnerID  string // a thread's creator
	Name     string
}

// Channel types of the wire format.
const (
	ChannelText         = 0
	ChannelPublicThread = 11
	ChannelForum        = 15
)

func (c Channel) wire() map[string]any {
	m := map[string]any{"id": c.ID, "type": c.Type, "guild_id": c.GuildID, "name": c.Name}
	if c.ParentID != "" {
		m["parent_id"] = c.ParentID
	}
	if c.OwnerID != "" {
		m["owner_id"] = c.OwnerID
	}
	return m
}

// Identify is one gateway Identify the fake accepted or refused.
type Identify struct {
	Intents int64
	// Shard is [id, count] as sent; nil when the session did not shard.
	Shard []int
}

// Call is one recorded REST request.
type Call struct {
	Seq    int
	Method string
	Path   string // without the /api/v9 prefix, e.g. /interactions/1/tok/callback
	Query  string
	Auth   string // the Authorization header
	Body   []byte
	At     time.Time // when it arrived
	// Status is the status a fault answered it with, 0 when it was served
	// normally.
	Status int
}

// Fault is an error response the server gives instead of serving a call.
type Fault struct {
	Status int               // e.g. 429 or 500
	Header map[string]string // e.g. Retry-After, X-RateLimit-Global
	Body   any               // sent as JSON; nil sends {"message": …}
	// Times is how many matching calls get the fault (1 when zero; -1 for
	// every one).
	Times int
}

// RateLimit is the 429 Discord sends: Retry-After (in seconds, also in the
// body) and, for the global limit, its headers and flag.
func RateLimit(retryAfter float64, global bool) Fault {
	f := Fault{Status: http.StatusTooManyRequests, Header: map[string]string{
		"Retry-After":             strconv.FormatFloat(retryAfter, 'f', -1, 64),
		"X-RateLimit-Reset-After": strconv.FormatFloat(retryAfter, 'f', -1, 64),
		"X-RateLimit-Scope":       "user",
	}, Body: map[string]any{"message": "You are being rate limited.", "retry_after": retryAfter, "global": global, "code": 0}}
	if global {
		f.Header["X-RateLimit-Global"] = "true"
		f.Header["X-RateLimit-Scope"] = "global"
	}
	return f
}

type fault struct {
	match func(Call) bool
	f     Fault
	left  int
}

// JSON decodes the call's body into a generic map (nil when not an object).
func (c Call) JSON() map[string]any {
	var m map[string]any
	if json.Unmarshal(c.Body, &m) != nil {
		return nil
	}
	return m
}

// Server is the fake Discord.
type Server struct {
	// URL is the base URL to give the bot (CITEBOT_DISCORD_URL).
	URL     string
	Token   string
	AppID   string
	BotID   string
	GuildID string

	opts Options
	hs   *httptest.Server
	up   websocket.Upgrader

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every state change
	calls      []Call
	violations []string
	nextID     int64
	seq        int64
	sessionID  string
	conns      map[*gwConn]bool // value: handshake done (READY or RESUMED sent)
	identifies int
	resumes    int
	intents    []int64
	idents     []Identify
	channels   map[string]Channel
	originals  map[string]string // interaction token -> original message id
	files      map[string][]byte
	downloads  map[string]int
	faults     []*fault
	replay     []map[string]any // events sent on the next resume, before RESUMED
}

type gwConn struct {
	mu sync.Mutex // gorilla allows one writer at a time
	c  *websocket.Conn
	// shard is the session's [id, count]; count 0 when it did not shard.
	shard [2]int
}

// serves reports whether the connection gets guild's events: the guild
// is on its shard (DMs, guild "", are shard 0's).
func (g *gwConn) serves(guild string) bool {
	if g.shard[1] <= 1 {
		return true
	}
	id, _ := strconv.ParseUint(guild, 10, 64)
	return int((id>>22)%uint64(g.shard[1])) == g.shard[0]
}

func (g *gwConn) write(v any) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	_ = g.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return g.c.WriteJSON(v)
}

// New starts a fake Discord on loopback; Close it when done.
func New(opts Options) *Server {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&opts.Token, "fake-token")
	def(&opts.AppID, "900000000000000001")
	def(&opts.BotID, "900000000000000002")
	def(&opts.GuildID, "900000000000000003")
	s := &Server{
		Token: opts.Token, AppID: opts.AppID, BotID: opts.BotID, GuildID: opts.GuildID,
		opts:      opts,
		changed:   make(chan struct{}),
		nextID:    1000000000000000000,
		conns:     make(map[*gwConn]bool),
		originals: make(map[string]string),
		files:     make(map[string][]byte),
		downloads: make(map[string]int),
		channels:  make(map[string]Channel),
	}
	if len(opts.Guilds) == 0 {
		s.opts.Guilds = []string{opts.GuildID}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v9/", s.serveREST)
	// discordgo appends a slash to the gateway URL it is given.
	mux.HandleFunc("/gateway", s.serveGateway)
	mux.HandleFunc("/gateway/", s.serveGateway)
	mux.HandleFunc("/attachments/", s.serveFile)
	s.hs = httptest.NewServer(mux)
	s.URL = s.hs.URL
	return s
}

// Close drops the gateway sockets and stops the server.
func (s *Server) Close() {
	s.DropGateway()
	s.hs.CloseClientConnections()
	s.hs.Close()
}

// notify wakes waiters; call with s.mu held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// wait blocks until cond (called with s.mu held) is true or ctx is done.
func (s *Server) wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, ch := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *Server) newID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	return strconv.FormatInt(s.nextID, 10)
}

// Calls returns the REST calls so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// WaitCalls waits until cond holds for the calls so far and returns them;
// cond runs under the server's lock and must not call the Server.
func (s *Server) WaitCalls(ctx context.Context, cond func([]Call) bool) ([]Call, error) {
	var calls []Call
	err := s.wait(ctx, func() bool {
		if cond(s.calls) {
			calls = append([]Call(nil), s.calls...)
			return true
		}
		return false
	})
	return calls, err
}

// WaitCall returns the first call (recorded or future) matching match; match
// runs under the server's lock and must not call the Server.
func (s *Server) WaitCall(ctx context.Context, match func(Call) bool) (Call, error) {
	var found Call
	err := s.wait(ctx, func() bool {
		for _, c := range s.calls {
			if match(c) {
				found = c
				return true
			}
		}
		return false
	})
	return found, err
}

// Violations lists outgoing messages that could ping someone (missing or
// non-empty allowed_mentions) and token leaks to the CDN.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// Downloads counts the downloads of an attachment added with AddFile.
func (s *Server) Downloads(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.downloads[name]
}

// AddFile serves data as an attachment and returns its CDN URL.
func (s *Server) AddFile(name string, data []byte) string {
	id := s.newID()
	s.mu.Lock()
	s.files[id+"/"+name] = data
	s.mu.Unlock()
	return s.URL + "/attachments/" + id + "/" + name
}

// OriginalPath is the path of an interaction's original response.
func (s *Server) OriginalPath(token string) string {
	return "/webhooks/" + s.AppID + "/" + token + "/messages/@original"
}

// CallbackPath is the path of an interaction's callback.
func (s *Server) CallbackPath(id, token string) string {
	return "/interactions/" + id + "/" + token + "/callback"
}

// Intents returns the intents of each Identify so far.
func (s *Server) Intents() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.intents...)
}

// Resumes counts successful gateway resumes.
func (s *Server) Resumes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumes
}

// WaitSessions waits until n gateway handshakes (READY or RESUMED) happened.
func (s *Server) WaitSessions(ctx context.Context, n int) error {
	return s.wait(ctx, func() bool { return s.identifies+s.resumes >= n })
}

// WaitLive waits until a gateway connection is ready for dispatches.
func (s *Server) WaitLive(ctx context.Context) error {
	return s.wait(ctx, func() bool { return s.live(s.GuildID) != nil })
}

// live is a ready connection that gets guild's events.
func (s *Server) live(guild string) *gwConn {
	for c, ready := range s.conns {
		if ready && c.serves(guild) {
			return c
		}
	}
	return nil
}

// Identifies lists the gateway Identifies so far.
func (s *Server) Identifies() []Identify {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Identify(nil), s.idents...)
}

// AddChannel makes a channel known to GET /channels/{id}; the bot learns
// of it no other way (the fake sends no GUILD_CREATE).
func (s *Server) AddChannel(c Channel) {
	if c.GuildID == "" {
		c.GuildID = s.GuildID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[c.ID] = c
}

// ForumPost is a new post in a forum channel.
type ForumPost struct {
	ForumID  string
	GuildID  string // default the server's
	AuthorID string
	Title    string
	Content  string
}

// CreateForumPost does what Discord does for a new forum post: it makes
// the post's thread (its id is also the id of its first message), sends
// THREAD_CREATE, then the first message's MESSAGE_CREATE. It returns the
// thread's id.
func (s *Server) CreateForumPost(ctx context.Context, p ForumPost) (string, error) {
	if p.GuildID == "" {
		p.GuildID = s.GuildID
	}
	id := s.newID()
	th := Channel{ID: id, Type: ChannelPublicThread, GuildID: p.GuildID, ParentID: p.ForumID, OwnerID: p.AuthorID, Name: p.Title}
	s.AddChannel(th)
	d := th.wire()
	d["newly_created"] = true
	if err := s.Dispatch(ctx, "THREAD_CREATE", d); err != nil {
		return "", err
	}
	_, err := s.SendMessage(ctx, Message{ID: id, ChannelID: id, GuildID: p.GuildID, AuthorID: p.AuthorID, Content: p.Content})
	return id, err
}

// ReplayOnResume queues an event that the next successful resume replays
// before RESUMED, as Discord replays what a client missed.
func (s *Server) ReplayOnResume(event string, d any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replay = append(s.replay, map[string]any{"op": 0, "t": event, "d": d})
}

// DropGateway closes every gateway socket without a close frame, as a
// network failure would.
func (s *Server) DropGateway() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.c.UnderlyingConn().Close()
		delete(s.conns, c)
	}
	s.notify()
}

// Dispatch sends an op 0 event once a gateway session is live: to the
// session of the guild's shard when d names a guild (a map with
// "guild_id"), else to shard 0's.
func (s *Server) Dispatch(ctx context.Context, event string, d any) error {
	guild := ""
	if m, ok := d.(map[string]any); ok {
		guild, _ = m["guild_id"].(string)
	}
	for {
		if err := s.wait(ctx, func() bool { return s.live(guild) != nil }); err != nil {
			return fmt.Errorf("dispatch %s: %w", event, err)
		}
		s.mu.Lock()
		c := s.live(guild)
		s.seq++
		seq := s.seq
		s.mu.Unlock()
		if c == nil {
			continue
		}
		if err := c.write(map[string]any{"op": 0, "s": seq, "t": event, "d": d}); err == nil {
			return nil
		}
		s.mu.Lock()
		delete(s.conns, c)
		s.notify()
		s.mu.Unlock()
	}
}

// Inject makes the next f.Times calls matching match (run under the
// server's lock: it must not call the Server) get f's response instead of
// being served.
func (s *Server) Inject(match func(Call) bool, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := f.Times
	if n == 0 {
		n = 1
	}
	s.faults = append(s.faults, &fault{match: match, f: f, left: n})
}

// ---- REST ----

// record logs a call and returns the fault it gets, if any.
func (s *Server) record(r *http.Request, body []byte) (Call, *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := Call{Seq: len(s.calls) + 1, Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, "/api/v9"),
		Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), Body: body, At: time.Now()}
	var got *Fault
	for _, f := range s.faults {
		if f.left != 0 && f.match(c) {
			f.left--
			got = &f.f
			c.Status = f.f.Status
			break
		}
	}
	// An interaction's original message gets its id as the call is
	// recorded, so that a test that saw the call can ask for the id.
	if p := strings.Split(strings.Trim(c.Path, "/"), "/"); len(p) == 4 && p[0] == "interactions" && p[3] == "callback" {
		s.originalLocked(p[2])
	} else if len(p) == 5 && p[0] == "webhooks" && p[4] == "@original" {
		s.originalLocked(p[2])
	}
	s.calls = append(s.calls, c)
	if v := checkMentions(c); v != "" {
		s.violations = append(s.violations, v)
	}
	s.notify()
	return c, got
}

// checkMentions returns a violation when a call sends or edits a message
// whose allowed_mentions could ping someone.
func checkMentions(c Call) string {
	p := strings.Split(strings.Trim(c.Path, "/"), "/")
	var msg map[string]any
	switch {
	case c.Method == http.MethodPost && len(p) == 4 && p[0] == "interactions" && p[3] == "callback":
		body := c.JSON()
		t, _ := body["type"].(float64)
		if t == 8 || t == 9 || t == 1 { // autocomplete, modal, pong: no message
			return ""
		}
		msg, _ = body["data"].(map[string]any)
		if msg == nil {
			return fmt.Sprintf("call %d %s %s: interaction response without data/allowed_mentions", c.Seq, c.Method, c.Path)
		}
	case (c.Method == http.MethodPost || c.Method == http.MethodPatch) && len(p) >= 3 && p[0] == "webhooks":
		msg = c.JSON()
	case (c.Method == http.MethodPost && len(p) == 3 || c.Method == http.MethodPatch && len(p) == 4) &&
		p[0] == "channels" && p[2] == "messages":
		msg = c.JSON()
	default:
		return ""
	}
	am, ok := msg["allowed_mentions"].(map[string]any)
	if !ok {
		return fmt.Sprintf("call %d %s %s: no allowed_mentions", c.Seq, c.Method, c.Path)
	}
	parse, ok := am["parse"].([]any)
	if !ok || len(parse) != 0 {
		return fmt.Sprintf("call %d %s %s: allowed_mentions.parse is %v, want []", c.Seq, c.Method, c.Path, am["parse"])
	}
	for _, k := range []string{"users", "roles"} {
		if l, _ := am[k].([]any); len(l) > 0 {
			return fmt.Sprintf("call %d %s %s: allowed_mentions.%s is not empty", c.Seq, c.Method, c.Path, k)
		}
	}
	if rep, _ := am["replied_user"].(bool); rep {
		return fmt.Sprintf("call %d %s %s: allowed_mentions.replied_user is true", c.Seq, c.Method, c.Path)
	}
	return ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "bad body", "code": 0})
		return
	}
	c, f := s.record(r, body)
	if c.Auth != "Bot "+s.Token {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "401: Unauthorized", "code": 0})
		return
	}
	if f != nil {
		for k, v := range f.Header {
			w.Header().Set(k, v)
		}
		b := f.Body
		if b == nil {
			b = map[string]any{"message": fmt.Sprintf("%d: fault injected by fakediscord", f.Status), "code": 0}
		}
		writeJSON(w, f.Status, b)
		return
	}
	p := strings.Split(strings.Trim(c.Path, "/"), "/")
	switch {
	case r.Method == http.MethodGet && (c.Path == "/gateway" || c.Path == "/gateway/bot"):
		writeJSON(w, http.StatusOK, map[string]any{"url": "ws" + strings.TrimPrefix(s.URL, "http") + "/gateway",
			"shards": 1, "session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})
	case r.Method == http.MethodGet && c.Path == "/users/@me":
		writeJSON(w, http.StatusOK, s.botUser())
	case r.Method == http.MethodPut && len(p) >= 3 && p[0] == "applications" && p[len(p)-1] == "commands":
		s.overwriteCommands(w, p, body)
	case r.Method == http.MethodPost && len(p) == 4 && p[0] == "interactions" && p[3] == "callback":
		s.callback(w, r, p, body)
	case r.Method == http.MethodGet && len(p) == 2 && p[0] == "channels":
		s.mu.Lock()
		ch, ok := s.channels[p[1]]
		s.mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]any{"message": "Unknown Channel", "code": 10003})
			return
		}
		writeJSON(w, http.StatusOK, ch.wire())
	case r.Method == http.MethodPatch && len(p) == 4 && p[0] == "channels" && p[2] == "messages":
		writeJSON(w, http.StatusOK, s.message(p[3], p[1], body))
	case r.Method == http.MethodDelete && len(p) == 4 && p[0] == "channels" && p[2] == "messages":
		w.WriteHeader(http.StatusNoContent)
	case len(p) == 5 && p[0] == "webhooks" && p[3] == "messages":
		s.webhookMessage(w, r, p, body)
	case r.Method == http.MethodPost && len(p) == 3 && p[0] == "webhooks":
		writeJSON(w, http.StatusOK, s.message(s.newID(), "", body))
	case r.Method == http.MethodPost && len(p) == 3 && p[0] == "channels" && p[2] == "messages":
		writeJSON(w, http.StatusOK, s.message(s.newID(), p[1], body))
	case r.Method == http.MethodPost && len(p) == 3 && p[0] == "channels" && p[2] == "typing":
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && len(p) == 5 && p[0] == "channels" && p[4] == "threads":
		if s.opts.NoThreads {
			writeJSON(w, http.StatusForbidden, map[string]any{"message": "Missing Permissions", "code": 50013})
			return
		}
		var in struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(body, &in)
		writeJSON(w, http.StatusCreated, map[string]any{"id": s.newID(), "type": 11, "guild_id": s.GuildID,
			"parent_id": p[1], "owner_id": s.BotID, "name": in.Name})
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "404: Not Found (fakediscord)", "code": 0})
	}
}

// callback answers an interaction's first response. With
// ?with_response=true a response that posts a message returns it, as
// Discord does, and the message becomes the interaction's original.
func (s *Server) callback(w http.ResponseWriter, r *http.Request, p []string, body []byte) {
	var in struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	_ = json.Unmarshal(body, &in)
	if r.URL.Query().Get("with_response") != "true" || (in.Type != 4 && in.Type != 5) || s.opts.NoCallbackResponse {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.mu.Lock()
	id := s.originalLocked(p[2])
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"interaction": map[string]any{"id": p[1], "type": 2, "response_message_id": id},
		"resource":    map[string]any{"type": in.Type, "message": s.message(id, "", in.Data)},
	})
}

func (s *Server) botUser() map[string]any {
	return map[string]any{"id": s.BotID, "username": "citebot", "discriminator": "0", "bot": true}
}

func (s *Server) overwriteCommands(w http.ResponseWriter, p []string, body []byte) {
	if p[1] != s.AppID || (len(p) == 5 && (p[2] != "guilds" || p[3] != s.GuildID)) || (len(p) != 3 && len(p) != 5) {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Unknown Application or Guild", "code": 10002})
		return
	}
	var cmds []map[string]any
	if err := json.Unmarshal(body, &cmds); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Invalid Form Body", "code": 50035})
		return
	}
	for _, c := range cmds {
		c["id"] = s.newID()
		c["application_id"] = s.AppID
		c["version"] = "1"
	}
	writeJSON(w, http.StatusOK, cmds)
}

func (s *Server) webhookMessage(w http.ResponseWriter, r *http.Request, p []string, body []byte) {
	token, id := p[2], p[4]
	if id == "@original" {
		s.mu.Lock()
		id = s.originalLocked(token)
		s.mu.Unlock()
	}
	switch r.Method {
	case http.MethodPatch:
		writeJSON(w, http.StatusOK, s.message(id, "", body))
	case http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case http.MethodGet:
		writeJSON(w, http.StatusOK, s.message(id, "", nil))
	default:
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"message": "405", "code": 0})
	}
}

// message echoes a sent message back as Discord would.
func (s *Server) message(id, channelID string, body []byte) map[string]any {
	m := map[string]any{}
	if len(body) > 0 {
		_ = json.Unmarshal(body, &m)
	}
	delete(m, "allowed_mentions")
	delete(m, "message_reference")
	m["id"] = id
	m["channel_id"] = channelID
	m["author"] = s.botUser()
	m["timestamp"] = time.Now().UTC().Format(time.RFC3339)
	return m
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/attachments/")
	s.mu.Lock()
	data, ok := s.files[key]
	if r.Header.Get("Authorization") != "" {
		s.violations = append(s.violations, "attachment download sent an Authorization header: "+key)
	}
	if ok {
		s.downloads[key[strings.Index(key, "/")+1:]]++
	}
	s.notify()
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	http.ServeContent(w, r, key, time.Time{}, bytes.NewReader(data))
}

// ---- gateway ----

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	ws, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	g := &gwConn{c: ws}
	s.mu.Lock()
	s.conns[g] = false
	s.notify()
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, g)
		s.notify()
		s.mu.Unlock()
		_ = ws.Close()
	}()
	// A long interval: tests must not depend on heartbeat timing.
	if g.write(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}}) != nil {
		return
	}
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var f frame
		if json.Unmarshal(data, &f) != nil {
			s.closeWith(g, 4002, "Decode error.")
			return
		}
		switch f.Op {
		case 1:
			if g.write(map[string]any{"op": 11}) != nil {
				return
			}
		case 2:
			if !s.identify(g, f.D) {
				return
			}
		case 6:
			if !s.resume(g, f.D) {
				return
			}
		}
	}
}

func (s *Server) closeWith(g *gwConn, code int, text string) {
	g.mu.Lock()
	_ = g.c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	g.mu.Unlock()
}

func (s *Server) identify(g *gwConn, d json.RawMessage) bool {
	var id struct {
		Token   string `json:"token"`
		Intents int64  `json:"intents"`
		Shard   []int  `json:"shard"`
	}
	_ = json.Unmarshal(d, &id)
	s.mu.Lock()
	s.idents = append(s.idents, Identify{Intents: id.Intents, Shard: id.Shard})
	s.mu.Unlock()
	if len(id.Shard) == 2 && id.Shard[1] > 1 {
		if id.Shard[0] < 0 || id.Shard[0] >= id.Shard[1] {
			s.closeWith(g, 4010, "Invalid shard.")
			return false
		}
		g.shard = [2]int{id.Shard[0], id.Shard[1]}
	}
	if id.Token != "Bot "+s.Token || s.opts.RejectIdentify {
		s.closeWith(g, 4004, "Authentication failed.")
		return false
	}
	if s.opts.NoMessageContent && id.Intents&(1<<15) != 0 {
		s.mu.Lock()
		s.intents = append(s.intents, id.Intents)
		s.mu.Unlock()
		s.closeWith(g, 4014, "Disallowed intent(s).")
		return false
	}
	s.mu.Lock()
	s.nextID++
	s.sessionID = "session-" + strconv.FormatInt(s.nextID, 10)
	s.seq++
	seq, sid := s.seq, s.sessionID
	s.intents = append(s.intents, id.Intents)
	s.mu.Unlock()
	guilds := []any{}
	for _, gid := range s.opts.Guilds {
		if g.serves(gid) {
			guilds = append(guilds, map[string]any{"id": gid, "unavailable": true})
		}
	}
	ready := map[string]any{
		"v": 9, "session_id": sid, "user": s.botUser(),
		"application":        map[string]any{"id": s.AppID, "flags": 0},
		"guilds":             guilds,
		"resume_gateway_url": "ws" + strings.TrimPrefix(s.URL, "http") + "/gateway",
	}
	if g.shard[1] > 1 {
		ready["shard"] = []int{g.shard[0], g.shard[1]}
	}
	err := g.write(map[string]any{"op": 0, "s": seq, "t": "READY", "d": ready})
	if err != nil {
		return false
	}
	s.mu.Lock()
	if _, ok := s.conns[g]; ok {
		s.conns[g] = true
	}
	s.identifies++
	s.notify()
	s.mu.Unlock()
	return true
}

func (s *Server) resume(g *gwConn, d json.RawMessage) bool {
	var rs struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
	}
	_ = json.Unmarshal(d, &rs)
	s.mu.Lock()
	sid := s.sessionID
	s.seq++
	seq := s.seq
	s.mu.Unlock()
	if rs.Token != "Bot "+s.Token {
		s.closeWith(g, 4004, "Authentication failed.")
		return false
	}
	if rs.SessionID != sid {
		// Invalid session, not resumable: the client identifies again.
		return g.write(map[string]any{"op": 9, "d": false}) == nil
	}
	// Discord replays the events the client missed, then says RESUMED.
	s.mu.Lock()
	replay := s.replay
	s.replay = nil
	s.mu.Unlock()
	for _, ev := range replay {
		s.mu.Lock()
		s.seq++
		ev["s"] = s.seq
		s.mu.Unlock()
		if g.write(ev) != nil {
			return false
		}
	}
	s.mu.Lock()
	s.seq++
	seq = s.seq
	s.mu.Unlock()
	if g.write(map[string]any{"op": 0, "s": seq, "t": "RESUMED", "d": map[string]any{}}) != nil {
		return false
	}
	s.mu.Lock()
	if _, ok := s.conns[g]; ok {
		s.conns[g] = true
	}
	s.resumes++
	s.notify()
	s.mu.Unlock()
	return true
}

// originalLocked is the id of the original message of the interaction
// with token, given on first use; call with s.mu held.
func (s *Server) originalLocked(token string) string {
	if s.originals[token] == "" {
		s.nextID++
		s.originals[token] = strconv.FormatInt(s.nextID, 10)
	}
	return s.originals[token]
}

// OriginalID is the message id of an interaction's original response
// ("" before its callback or an edit of it).
func (s *Server) OriginalID(token string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.originals[token]
}
