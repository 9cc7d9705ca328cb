package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/internal/fakediscord"
)

// deadline bounds every wait in these tests; nothing asserts on time.
const deadline = 30 * time.Second

const (
	citeLabel   = "三(四)¶2"
	citeSection = "三、（四）地區安全"
	citeText    = "成員國重申堅定支持阿富汗成為獨立、中立、統一、民主、和平的國家，消除恐怖主義、戰爭和毒品。"
)

// The real bot must fit the adapter's interface.
var _ Handler = (*bot.Bot)(nil)

// fakeBot stands in for *bot.Bot: realistic replies, and a record of what it got.
type fakeBot struct {
	mu     sync.Mutex
	reqs   []bot.Request
	votes  []bot.Vote
	prefix []string
	got    chan bot.Request
	// handle overrides the default answers when set.
	handle func(ctx context.Context, req bot.Request, progress func(bot.Reply)) bot.Reply
}

func newFakeBot() *fakeBot { return &fakeBot{got: make(chan bot.Request, 64)} }

func (f *fakeBot) Handle(ctx context.Context, req bot.Request, progress func(bot.Reply)) bot.Reply {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	h := f.handle
	f.mu.Unlock()
	f.got <- req
	if h != nil {
		return h(ctx, req, progress)
	}
	return defaultReply(req)
}

func defaultReply(req bot.Request) bot.Reply {
	switch req.Kind {
	case bot.KindReload:
		if !req.Perms.Administrator && !req.Perms.ManageServer {
			return bot.Reply{Answer: "只有伺服器管理員可以重新載入文件。", Mode: "error", Private: true}
		}
		n := 0
		for _, a := range req.Attachments {
			n += utf8.RuneCount(a.Data)
		}
		return bot.Reply{Answer: fmt.Sprintf("已重新載入文件（%d 字）。", n), Mode: "reload"}
	case bot.KindHelp:
		return bot.Reply{Answer: "用 /ask 提問，用 /cite 查看段落。", Mode: "help"}
	default:
		return bot.Reply{
			Question: req.Text, Grounded: true, Mode: "extractive",
			Answer:    "成員國支持阿富汗成為獨立、中立、統一、民主、和平的國家。[" + citeLabel + "]",
			Citations: []bot.Citation{{Label: citeLabel, Section: citeSection, Text: citeText, Score: 0.9}},
		}
	}
}

func (f *fakeBot) Complete(prefix string, n int) []string {
	f.mu.Lock()
	f.prefix = append(f.prefix, prefix)
	f.mu.Unlock()
	var out []string
	for _, l := range []string{"三(一)¶1", "三(四)¶1", "三(四)¶2", "五(十三)¶1", "序言¶3"} {
		if strings.HasPrefix(l, prefix) && len(out) < n {
			out = append(out, l)
		}
	}
	return out
}

func (f *fakeBot) Describe() bot.Description {
	return bot.Description{Title: "上海合作組織二十周年杜尚別宣言", Labels: []string{"三(四)¶2", "三(四)", "三"}}
}

func (f *fakeBot) RecordVote(ctx context.Context, v bot.Vote) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.votes = append(f.votes, v)
	return nil
}

func (f *fakeBot) setHandle(h func(ctx context.Context, req bot.Request, progress func(bot.Reply)) bot.Reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handle = h
}

func (f *fakeBot) requests() []bot.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bot.Request(nil), f.reqs...)
}

func (f *fakeBot) next(t *testing.T) bot.Request {
	t.Helper()
	select {
	case r := <-f.got:
		return r
	case <-time.After(deadline):
		t.Fatal("the handler got no request")
		return bot.Request{}
	}
}

// syncBuffer is a log sink safe for concurrent writers that tests can wait on.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return s.b.Write(p)
}

// waitFor waits until the log holds substr.
func (s *syncBuffer) waitFor(t *testing.T, substr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if !s.waitUntil(ctx, substr) {
		t.Fatalf("the log never said %q", substr)
	}
}

// waitUntil waits until the log holds substr or ctx ends, and says which.
func (s *syncBuffer) waitUntil(ctx context.Context, substr string) bool {
	for {
		s.mu.Lock()
		if strings.Contains(s.b.String(), substr) {
			s.mu.Unlock()
			return true
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type harness struct {
	srv  *fakediscord.Server
	bot  *fakeBot
	logs *syncBuffer
	ctx  context.Context
	// stop ends Run's context; done is closed when Run has returned, with
	// its error in runErr.
	stop   context.CancelFunc
	done   chan struct{}
	runErr error
}

// start runs the adapter with a fakeBot against a fresh fake Discord until
// the commands are registered; cleanup stops it and checks every message the
// bot sent (allowed mentions, Discord's limits) and the logs (no token).
func start(t *testing.T, opts fakediscord.Options, cfg Config) *harness {
	t.Helper()
	return startWith(t, opts, cfg, nil)
}

// startWith is start with another Handler (e.g. the real *bot.Bot for an
// end-to-end test); h.bot is then nil.
func startWith(t *testing.T, opts fakediscord.Options, cfg Config, handler Handler) *harness {
	t.Helper()
	srv := fakediscord.New(opts)
	t.Cleanup(func() { closeAndCheck(t, srv) })
	return startOn(t, srv, cfg, handler)
}

// closeAndCheck stops the fake and checks every message the bot sent:
// allowed mentions, Discord's limits, and no internal names shown.
func closeAndCheck(t *testing.T, srv *fakediscord.Server) {
	t.Helper()
	srv.Close()
	for _, v := range srv.Violations() {
		t.Error(v)
	}
	for _, c := range srv.Calls() {
		checkLimits(t, c)
		checkNoInternals(t, c)
	}
}

// startOn runs the adapter on srv until it serves (for shard 0, once the
// commands are registered); cleanup stops it and checks the logs hold no
// token. A nil handler is a fakeBot.
func startOn(t *testing.T, srv *fakediscord.Server, cfg Config, handler Handler) *harness {
	t.Helper()
	h := &harness{srv: srv, logs: &syncBuffer{}}
	if handler == nil {
		h.bot = newFakeBot()
		handler = h.bot
	}
	cfg.Token = srv.Token
	cfg.BaseURL = srv.URL
	cfg.Logger = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	runCtx, stop := context.WithCancel(context.Background())
	h.stop, h.done = stop, make(chan struct{})
	go func() {
		h.runErr = Run(runCtx, cfg, handler)
		close(h.done)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*deadline)
	h.ctx = ctx
	t.Cleanup(func() {
		h.shutdown(t)
		cancel()
		if strings.Contains(h.logs.String(), srv.Token) {
			t.Error("the token appears in the logs")
		}
	})
	serving := make(chan struct{})
	go func() {
		defer close(serving)
		h.logs.waitUntil(ctx, "discord bot serving")
	}()
	select {
	case <-serving:
		if ctx.Err() != nil {
			t.Fatalf("Run did not start serving: %v", ctx.Err())
		}
	case <-h.done:
		t.Fatalf("Run failed before serving: %v", h.runErr)
	}
	return h
}

// shutdown stops Run and waits for it to return: every message it was
// answering has been answered.
func (h *harness) shutdown(t *testing.T) {
	t.Helper()
	h.stop()
	select {
	case <-h.done:
		if h.runErr != nil {
			t.Errorf("Run returned %v after a clean stop", h.runErr)
		}
	case <-time.After(deadline):
		t.Error("Run did not return after its context was cancelled")
	}
}

// internalRe is a package's prefix in an error's text ("corpus: unknown
// reference"): users never see one.
var internalRe = regexp.MustCompile(`\b(analysis|bot|corpus|discord|discordgo|embeddings|glossary|llm|retrieval|store|upload|http|json|context):\s`)

// checkNoInternals checks that a message the bot sent shows no package
// names.
func checkNoInternals(t *testing.T, c fakediscord.Call) {
	t.Helper()
	if c.Method != "POST" && c.Method != "PATCH" {
		return
	}
	m := c.JSON()
	if strings.HasSuffix(c.Path, "/callback") {
		m = data(m)
	}
	if text := allText(m); internalRe.MatchString(text) {
		t.Errorf("call %d %s %s shows an internal name: %.300s", c.Seq, c.Method, c.Path, text)
	}
}

func isCommandsPut(c fakediscord.Call) bool {
	return c.Method == "PUT" && strings.HasSuffix(c.Path, "/commands")
}

func (h *harness) wait(t *testing.T, what string, match func(fakediscord.Call) bool) fakediscord.Call {
	t.Helper()
	c, err := h.srv.WaitCall(h.ctx, match)
	if err != nil {
		t.Fatalf("waiting for %s: %v\ncalls: %s", what, err, describe(h.srv.Calls()))
	}
	return c
}

func describe(calls []fakediscord.Call) string {
	var b strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&b, "\n  %d %s %s %.200s", c.Seq, c.Method, c.Path, c.Body)
	}
	return b.String()
}

func (h *harness) send(t *testing.T, in fakediscord.Interaction) fakediscord.Sent {
	t.Helper()
	sent, err := h.srv.SendInteraction(h.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return sent
}

// callback waits for the interaction's callback and returns its body.
func (h *harness) callback(t *testing.T, s fakediscord.Sent) map[string]any {
	t.Helper()
	return h.wait(t, "the interaction callback", func(c fakediscord.Call) bool {
		return c.Method == "POST" && c.Path == h.srv.CallbackPath(s.ID, s.Token)
	}).JSON()
}

// reply waits for an interaction's answer matching match: the response
// itself when the bot answered at once, or an edit of the deferred
// response. It returns the message.
func (h *harness) reply(t *testing.T, s fakediscord.Sent, match func(map[string]any) bool) map[string]any {
	t.Helper()
	c := h.wait(t, "the answer", func(c fakediscord.Call) bool {
		switch {
		case c.Status != 0:
			return false
		case c.Method == "POST" && c.Path == h.srv.CallbackPath(s.ID, s.Token):
			m := c.JSON()
			typ, _ := m["type"].(float64)
			return typ == 4 && match(data(m))
		case c.Method == "PATCH" && c.Path == h.srv.OriginalPath(s.Token):
			return match(c.JSON())
		}
		return false
	})
	if c.Method == "POST" {
		return data(c.JSON())
	}
	return c.JSON()
}

// hasVotes reports whether a message has the vote buttons.
func hasVotes(m map[string]any) bool {
	return slices.Contains(buttons(m), voteUp) && slices.Contains(buttons(m), voteDown)
}

// finalEdit waits for an edit of the original response matching match.
func (h *harness) edit(t *testing.T, s fakediscord.Sent, match func(map[string]any) bool) map[string]any {
	t.Helper()
	return h.wait(t, "an edit of the original response", func(c fakediscord.Call) bool {
		return c.Method == "PATCH" && c.Path == h.srv.OriginalPath(s.Token) && match(c.JSON())
	}).JSON()
}

func member(perms int64, roles ...string) *fakediscord.Member {
	return &fakediscord.Member{UserID: "500000000000000001", Roles: roles, Permissions: perms}
}

func ask(q string) fakediscord.Interaction {
	return fakediscord.Interaction{Name: "ask", Member: member(0, "r1"),
		Options: []fakediscord.Option{{Name: "question", Type: fakediscord.OptionString, Value: q}}}
}

// flags reads a message's flags (64 = ephemeral).
func flags(m map[string]any) int {
	f, _ := m["flags"].(float64)
	return int(f)
}

func data(m map[string]any) map[string]any {
	d, _ := m["data"].(map[string]any)
	return d
}

// fieldsOf lists "name\x00value" of every embed field in a message.
func fieldsOf(m map[string]any) []string {
	var out []string
	embeds, _ := m["embeds"].([]any)
	for _, e := range embeds {
		fields, _ := e.(map[string]any)["fields"].([]any)
		for _, f := range fields {
			fm := f.(map[string]any)
			out = append(out, fmt.Sprint(fm["name"])+"\x00"+fmt.Sprint(fm["value"]))
		}
	}
	return out
}

func descriptions(m map[string]any) string {
	var b strings.Builder
	embeds, _ := m["embeds"].([]any)
	for _, e := range embeds {
		if d, ok := e.(map[string]any)["description"].(string); ok {
			b.WriteString(d)
		}
	}
	return b.String()
}

func hasEmbeds(m map[string]any) bool {
	e, _ := m["embeds"].([]any)
	return len(e) > 0
}

func buttons(m map[string]any) []string {
	var ids []string
	rows, _ := m["components"].([]any)
	for _, r := range rows {
		comps, _ := r.(map[string]any)["components"].([]any)
		for _, c := range comps {
			if id, ok := c.(map[string]any)["custom_id"].(string); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// checkLimits checks a sent message against Discord's limits.
func checkLimits(t *testing.T, c fakediscord.Call) {
	t.Helper()
	m := c.JSON()
	if strings.HasSuffix(c.Path, "/callback") {
		m = data(m)
	}
	if m == nil || (c.Method != "POST" && c.Method != "PATCH") {
		return
	}
	where := fmt.Sprintf("call %d %s %s", c.Seq, c.Method, c.Path)
	if s, _ := m["content"].(string); width(s) > maxContent {
		t.Errorf("%s: content of %d characters", where, width(s))
	}
	embeds, _ := m["embeds"].([]any)
	if len(embeds) > maxEmbeds {
		t.Errorf("%s: %d embeds", where, len(embeds))
	}
	total := 0
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	for _, e := range embeds {
		em := e.(map[string]any)
		if w := width(str(em, "title")); w > maxEmbedTitle {
			t.Errorf("%s: title of %d", where, w)
		}
		if w := width(str(em, "description")); w > maxEmbedDescription {
			t.Errorf("%s: description of %d", where, w)
		}
		total += width(str(em, "title")) + width(str(em, "description"))
		if f, ok := em["footer"].(map[string]any); ok {
			total += width(str(f, "text"))
		}
		fields, _ := em["fields"].([]any)
		if len(fields) > maxFields {
			t.Errorf("%s: %d fields", where, len(fields))
		}
		for _, f := range fields {
			fm := f.(map[string]any)
			if w := width(str(fm, "name")); w > maxFieldName || w == 0 {
				t.Errorf("%s: field name of %d", where, w)
			}
			if w := width(str(fm, "value")); w > maxFieldValue || w == 0 {
				t.Errorf("%s: field value of %d", where, w)
			}
			total += width(str(fm, "name")) + width(str(fm, "value"))
		}
	}
	if total > maxEmbedsTotal {
		t.Errorf("%s: embeds total %d characters", where, total)
	}
}

func TestRunRegistersCommands(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, guild      string
		noMessageContent bool
	}{{"global", "", false}, {"guild", "900000000000000003", false}, {"without message content intent", "", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, fakediscord.Options{NoMessageContent: tc.noMessageContent}, Config{GuildID: tc.guild})
			put := h.wait(t, "the commands PUT", isCommandsPut)
			want := "/applications/" + h.srv.AppID + "/commands"
			if tc.guild != "" {
				want = "/applications/" + h.srv.AppID + "/guilds/" + tc.guild + "/commands"
			}
			if put.Path != want {
				t.Errorf("PUT %s, want %s", put.Path, want)
			}
			var cmds []struct {
				Name        string `json:"name"`
				Type        int    `json:"type"`
				Description string `json:"description"`
				DefaultPerm *string
				Perm        *string `json:"default_member_permissions"`
				Options     []struct {
					Name         string `json:"name"`
					Type         int    `json:"type"`
					Required     bool   `json:"required"`
					Autocomplete bool   `json:"autocomplete"`
					MaxLength    int    `json:"max_length"`
				} `json:"options"`
			}
			if err := json.Unmarshal(put.Body, &cmds); err != nil {
				t.Fatalf("PUT body: %v", err)
			}
			got := map[string]int{}
			for i, c := range cmds {
				got[c.Name] = i
				if c.Type == 3 {
					// A message command has a name and no description.
					if c.Description != "" || len(c.Options) != 0 {
						t.Errorf("message command %q: description %q, options %v", c.Name, c.Description, c.Options)
					}
					continue
				}
				if c.Description == "" || width(c.Description) > 100 {
					t.Errorf("/%s: description %q", c.Name, c.Description)
				}
			}
			for _, name := range []string{"ask", "cite", "reload", "help", "Ask citebot"} {
				if _, ok := got[name]; !ok {
					t.Errorf("command %q not registered; got %v", name, got)
				}
			}
			if len(cmds) != 5 {
				t.Errorf("%d commands, want 5", len(cmds))
			}
			if menu := cmds[got["Ask citebot"]]; menu.Type != 3 {
				t.Errorf("Ask citebot has type %d, want 3 (a message command)", menu.Type)
			}
			ask, cite, reload := cmds[got["ask"]], cmds[got["cite"]], cmds[got["reload"]]
			if len(ask.Options) != 1 || ask.Options[0].Name != "question" || !ask.Options[0].Required {
				t.Errorf("/ask options %+v", ask.Options)
			}
			if len(cite.Options) != 1 || !cite.Options[0].Autocomplete || cite.Options[0].MaxLength != maxLabelOption {
				t.Errorf("/cite options %+v, want an autocompleted label of at most %d characters", cite.Options, maxLabelOption)
			}
			if reload.Perm == nil || *reload.Perm != "32" {
				t.Errorf("/reload default_member_permissions %v, want \"32\" (Manage Server)", reload.Perm)
			}
			if len(reload.Options) != maxReloadFiles {
				t.Errorf("/reload options %+v, want %d optional attachments", reload.Options, maxReloadFiles)
			}
			for _, o := range reload.Options {
				if o.Type != fakediscord.OptionAttachment || o.Required {
					t.Errorf("/reload option %+v, want an optional attachment", o)
				}
			}
			if put.Auth != "Bot "+h.srv.Token {
				t.Errorf("Authorization %q", put.Auth)
			}
			in := h.srv.Intents()
			if len(in) == 0 || in[0]&(1<<9) == 0 || in[0]&(1<<12) == 0 || in[0]&(1<<15) == 0 {
				t.Errorf("identify intents %v lack guild messages, direct messages or message content", in)
			}
			if tc.noMessageContent && (len(in) != 2 || in[1]&(1<<15) != 0 || in[1]&(1<<9) == 0) {
				t.Errorf("after a 4014 the bot identified with intents %v, want message content dropped", in)
			}
		})
	}
}

// /ask answers in its response when the bot answers within respondWithin,
// and defers, then edits, when it does not.
func TestAskAnsweredAtOnceOrDeferred(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		slow    bool
		wantTyp float64 // the callback's type
	}{{"at once", false, 4}, {"deferred", true, 5}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := Config{}
			if tc.slow {
				cfg.respondWithin = time.Nanosecond
			}
			h := start(t, fakediscord.Options{}, cfg)
			if tc.slow {
				// The answer comes only once the response was deferred.
				h.bot.setHandle(func(ctx context.Context, req bot.Request, _ func(bot.Reply)) bot.Reply {
					if _, err := h.srv.WaitCall(ctx, func(c fakediscord.Call) bool { return strings.HasSuffix(c.Path, "/callback") }); err != nil {
						return bot.Reply{Err: err}
					}
					return defaultReply(req)
				})
			}
			q := "上合組織對阿富汗的立場是什麼？"
			s := h.send(t, ask(q))
			cb := h.callback(t, s)
			if typ, _ := cb["type"].(float64); typ != tc.wantTyp {
				t.Fatalf("callback type %v, want %v", cb["type"], tc.wantTyp)
			}
			if flags(data(cb))&64 != 0 {
				t.Error("/ask answered ephemerally; answers are public")
			}
			final := h.reply(t, s, hasEmbeds)
			fields := fieldsOf(final)
			if len(fields) != 1 || !strings.HasPrefix(fields[0], citeLabel) || !strings.Contains(fields[0], citeSection) ||
				!strings.HasSuffix(fields[0], citeText) {
				t.Errorf("cited fields %q, want %s with its section and text", fields, citeLabel)
			}
			if d := descriptions(final); !strings.Contains(d, "["+citeLabel+"]") {
				t.Errorf("answer %q lacks the citation", d)
			}
			if b := buttons(final); !hasVotes(final) || !slices.Contains(b, passagePrefix+string(bot.Traditional)+":"+citeLabel) {
				t.Errorf("buttons %v, want the votes and the passage's", b)
			}
			req := h.bot.next(t)
			if req.Kind != bot.KindAsk || req.Text != q || req.UserID != "500000000000000001" ||
				len(req.RoleIDs) != 1 || req.RoleIDs[0] != "r1" || req.Perms != (bot.Perms{}) {
				t.Errorf("request %+v", req)
			}
			// At once, nothing is edited; deferred, nothing but the response.
			for _, c := range h.srv.Calls() {
				if c.Method == "PATCH" && !tc.slow {
					t.Errorf("an answer given at once was edited: %s", c.Path)
				}
			}
		})
	}
}

func TestStreamingProgressEditsThenFinal(t *testing.T) {
	t.Parallel()
	// A short interval: the throttle is what is tested, not its length.
	h := start(t, fakediscord.Options{}, Config{editInterval: 50 * time.Millisecond})
	partials := []string{"成員國支持", "成員國支持阿富汗成為獨立"}
	const burst = 40
	h.bot.setHandle(func(ctx context.Context, req bot.Request, progress func(bot.Reply)) bot.Reply {
		for _, p := range partials {
			progress(bot.Reply{Question: req.Text, Answer: p, Mode: "llm", Grounded: true})
			// Wait until the fake saw this partial: the throttle may delay it.
			_, err := h.srv.WaitCall(ctx, func(c fakediscord.Call) bool {
				return c.Method == "PATCH" && strings.Contains(string(c.Body), p+"\"")
			})
			if err != nil {
				return bot.Reply{Err: err, Answer: "timeout"}
			}
		}
		for i := 0; i < burst; i++ {
			progress(bot.Reply{Question: req.Text, Answer: strings.Repeat("國", i+1), Mode: "llm"})
		}
		r := defaultReply(req)
		r.Mode, r.Model = "llm", "test-model"
		return r
	})
	s := h.send(t, ask("立場？"))
	h.edit(t, s, hasVotes)
	// Once the final edit has returned, the progress loop has stopped: no
	// later edit can arrive, so the final edit must be the last one.
	h.logs.waitFor(t, "answer delivered")
	var patches []map[string]any
	for _, c := range h.srv.Calls() {
		if c.Method == "PATCH" && c.Path == h.srv.OriginalPath(s.Token) {
			patches = append(patches, c.JSON())
		}
	}
	if len(patches) < len(partials)+1 {
		t.Fatalf("%d edits, want the partials and a final one", len(patches))
	}
	if len(patches) >= burst {
		t.Errorf("%d edits for %d progress updates: not throttled", len(patches), burst+len(partials))
	}
	last := patches[len(patches)-1]
	if !hasVotes(last) || len(fieldsOf(last)) != 1 {
		t.Errorf("last edit is not the final answer: %v", last)
	}
	for _, p := range patches[:len(patches)-1] {
		if len(buttons(p)) != 0 {
			t.Errorf("a progress edit has vote buttons: %v", p)
		}
	}
}

func TestCiteAutocomplete(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{}, Config{})
	for _, prefix := range []string{"三(四)", "五", "不存在"} {
		s := h.send(t, fakediscord.Interaction{Type: fakediscord.TypeAutocomplete, Name: "cite", Member: member(0),
			Options: []fakediscord.Option{{Name: "label", Type: fakediscord.OptionString, Value: prefix, Focused: true}}})
		cb := h.callback(t, s)
		if typ, _ := cb["type"].(float64); typ != 8 {
			t.Fatalf("callback type %v, want 8", cb["type"])
		}
		want := h.bot.Complete(prefix, 25)
		choices, _ := data(cb)["choices"].([]any)
		var got []string
		for _, c := range choices {
			cm := c.(map[string]any)
			if cm["name"] != cm["value"] {
				t.Errorf("choice %v: name and value differ", cm)
			}
			got = append(got, fmt.Sprint(cm["value"]))
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("prefix %q: choices %q, want %q", prefix, got, want)
		}
	}
}

func TestReloadPermissions(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{}, Config{})
	for _, tc := range []struct {
		name  string
		perms int64
		raw   any // the permission string as sent, when not perms in decimal
		want  bot.Perms
	}{
		{"member", 0, nil, bot.Perms{}},
		{"manage server", fakediscord.PermManageGuild, nil, bot.Perms{ManageServer: true}},
		{"administrator", fakediscord.PermAdministrator | 1<<10, nil, bot.Perms{Administrator: true}},
		// Not permission sets Discord sends: discordgo reads them as every bit.
		{"minus one", 0, "-1", bot.Perms{}},
		{"every bit", 0, "9223372036854775807", bot.Perms{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := fakediscord.Interaction{Name: "reload", Member: member(tc.perms, "r9"), RawPermissions: tc.raw}
			s := h.send(t, in)
			cb := h.callback(t, s)
			if flags(data(cb))&64 == 0 {
				t.Error("/reload was not deferred ephemerally")
			}
			req := h.bot.next(t)
			if req.Kind != bot.KindReload || req.Perms != tc.want || len(req.Attachments) != 0 || len(req.RoleIDs) != 1 {
				t.Errorf("request %+v, want perms %+v", req, tc.want)
			}
			want := defaultReply(req).Answer
			final := h.reply(t, s, func(m map[string]any) bool { return m["content"] == want })
			if len(buttons(final)) != 0 {
				t.Error("a reload reply has vote buttons")
			}
		})
	}
}

func TestReloadAttachments(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{}, Config{MaxAttachmentBytes: 1 << 10})
	body := []byte("序言\n成員國元首……\n")
	body2 := []byte("# Terms\n\nSome text.\n")
	url := h.srv.AddFile("corpus.txt", body)
	url2 := h.srv.AddFile("terms.md", body2)
	puts := func(calls []fakediscord.Call) int {
		n := 0
		for _, c := range calls {
			if isCommandsPut(c) {
				n++
			}
		}
		return n
	}
	registered := puts(h.srv.Calls())
	s := h.send(t, fakediscord.Interaction{Name: "reload", Member: member(fakediscord.PermAdministrator),
		Options: []fakediscord.Option{{Name: "file", Type: fakediscord.OptionAttachment, Value: "42"},
			{Name: "file2", Type: fakediscord.OptionAttachment, Value: "43"}},
		Attachments: []fakediscord.Attachment{{ID: "42", Filename: "corpus.txt", Size: len(body), URL: url},
			{ID: "43", Filename: "terms.md", Size: len(body2), URL: url2}}})
	req := h.bot.next(t)
	if len(req.Attachments) != 2 || req.Attachments[0].Name != "corpus.txt" || !bytes.Equal(req.Attachments[0].Data, body) ||
		req.Attachments[1].Name != "terms.md" || !bytes.Equal(req.Attachments[1].Data, body2) {
		t.Fatalf("attachments %+v, want both files", req.Attachments)
	}
	h.reply(t, s, func(m map[string]any) bool { return m["content"] == defaultReply(req).Answer })
	if n := h.srv.Downloads("corpus.txt") + h.srv.Downloads("terms.md"); n != 2 {
		t.Errorf("%d downloads, want 2", n)
	}
	// The commands describe the document, so a reload registers them again.
	if _, err := h.srv.WaitCalls(h.ctx, func(calls []fakediscord.Call) bool { return puts(calls) > registered }); err != nil {
		t.Errorf("the commands were not registered again after the reload: %v", err)
	}
}

func TestReloadRefusesAttachmentBeforeDownload(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{}, Config{MaxAttachmentBytes: 100})
	for _, tc := range []struct {
		name, file string
		size       int
	}{
		{"too large", "big.txt", 101},
		{"pdf", "corpus.pdf", 10},
		{"no extension", "txt", 10},
		{"double extension", "corpus.txt.exe", 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := h.srv.AddFile(tc.file, bytes.Repeat([]byte("x"), tc.size))
			s := h.send(t, fakediscord.Interaction{Name: "reload", Member: member(fakediscord.PermAdministrator),
				Options:     []fakediscord.Option{{Name: "file", Type: fakediscord.OptionAttachment, Value: "7"}},
				Attachments: []fakediscord.Attachment{{ID: "7", Filename: tc.file, Size: tc.size, URL: url}}})
			cb := h.callback(t, s)
			if typ, _ := cb["type"].(float64); typ != 4 || flags(data(cb))&64 == 0 {
				t.Errorf("callback %v, want an immediate ephemeral refusal", cb)
			}
			if c, _ := data(cb)["content"].(string); c == "" {
				t.Error("the refusal is empty")
			}
			if n := h.srv.Downloads(tc.file); n != 0 {
				t.Errorf("%d downloads of a refused file", n)
			}
		})
	}
	if r := h.bot.requests(); len(r) != 0 {
		t.Errorf("refused uploads reached the bot: %+v", r)
	}
}

// A private reply to a public command (a refusal) is the response itself,
// shown to the asker only: no public placeholder to delete.
func TestPrivateReplyToPublicCommand(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{}, Config{})
	h.bot.setHandle(func(ctx context.Context, req bot.Request, _ func(bot.Reply)) bot.Reply {
		return bot.Reply{Answer: "提問太頻繁，請稍後再試。", Mode: "error", Private: true, Err: errors.New("rate limited")}
	})
	s := h.send(t, ask("再問一次"))
	cb := h.callback(t, s)
	if typ, _ := cb["type"].(float64); typ != 4 || flags(data(cb))&64 == 0 || !strings.Contains(fmt.Sprint(data(cb)["content"]), "稍後") {
		t.Errorf("callback %v, want the ephemeral refusal as the response", cb)
	}
	h.logs.waitFor(t, "request refused or failed")
	for _, c := range h.srv.Calls() {
		if c.Method == "DELETE" || c.Method == "PATCH" || strings.HasPrefix(c.Path, "/webhooks/") {
			t.Errorf("a refusal answered at once made another call: %s %s", c.Method, c.Path)
		}
	}
}

func TestVoteButtons(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{}, Config{})
	s := h.send(t, ask("立場？"))
	h.reply(t, s, hasVotes)
	msgID := h.srv.OriginalID(s.Token)
	// The bot learns the message id from the edit's response: wait for it.
	h.logs.waitFor(t, "answer delivered")
	for _, tc := range []struct {
		name, custom, msg string
		recorded          bool
		up                bool
	}{
		{"up", voteUp, msgID, true, true},
		{"down", voteDown, msgID, true, false},
		{"unknown message", voteUp, "123", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.bot.mu.Lock()
			before := len(h.bot.votes)
			h.bot.mu.Unlock()
			v := h.send(t, fakediscord.Interaction{Type: fakediscord.TypeComponent, Member: member(0),
				CustomID: tc.custom, MessageID: tc.msg})
			cb := h.callback(t, v)
			if typ, _ := cb["type"].(float64); typ != 4 || flags(data(cb))&64 == 0 {
				t.Errorf("callback %v, want an ephemeral acknowledgement", cb)
			}
			h.bot.mu.Lock()
			votes := append([]bot.Vote(nil), h.bot.votes[before:]...)
			h.bot.mu.Unlock()
			if !tc.recorded {
				if len(votes) != 0 {
					t.Errorf("votes %+v for an unknown message", votes)
				}
				return
			}
			if len(votes) != 1 || votes[0].Up != tc.up || votes[0].Question != "立場？" ||
				len(votes[0].Labels) != 1 || votes[0].Labels[0] != citeLabel || votes[0].Mode != "extractive" ||
				votes[0].UserID != "500000000000000001" {
				t.Errorf("votes %+v", votes)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		noThreads bool
		dm        bool
	}{{"thread", false, false}, {"no thread permission", true, false}, {"dm", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, fakediscord.Options{NoThreads: tc.noThreads}, Config{})
			mention := "<@" + h.srv.BotID + "> "
			// Bots, the bot included, are ignored; the order of dispatch
			// guarantees they were dropped before the real question arrives.
			for _, m := range []fakediscord.Message{
				{AuthorID: h.srv.BotID, AuthorBot: true, Content: mention + "自問", MentionBot: true},
				{AuthorID: "600000000000000009", AuthorBot: true, Content: mention + "別的機器人", MentionBot: true},
				{AuthorID: "500000000000000001", Content: "沒有提到機器人"},
			} {
				if _, err := h.srv.SendMessage(h.ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			q := "上合組織對阿富汗的立場？"
			channel := "800000000000000077"
			msg := fakediscord.Message{ChannelID: channel, AuthorID: "500000000000000001", Content: mention + q,
				MentionBot: !tc.dm, DM: tc.dm, Roles: []string{"r1"}}
			if tc.dm {
				msg.Content = q
			}
			msgID, err := h.srv.SendMessage(h.ctx, msg)
			if err != nil {
				t.Fatal(err)
			}
			req := h.bot.next(t)
			if req.Text != q || req.Kind != bot.KindAsk || req.UserID != msg.AuthorID {
				t.Errorf("request %+v, want the question without the mention", req)
			}
			answerIn := channel
			switch {
			case tc.dm:
				if req.Conversation != channel {
					t.Errorf("DM conversation %q, want %q", req.Conversation, channel)
				}
			case tc.noThreads:
				if req.Conversation != "" {
					t.Errorf("conversation %q without a thread", req.Conversation)
				}
			default:
				th := h.wait(t, "thread creation", func(c fakediscord.Call) bool {
					return c.Method == "POST" && c.Path == "/channels/"+channel+"/messages/"+msgID+"/threads"
				})
				if name, _ := th.JSON()["name"].(string); name != q {
					t.Errorf("thread name %q", name)
				}
				if req.Conversation == "" || req.Conversation == channel {
					t.Fatalf("conversation %q, want the new thread", req.Conversation)
				}
				answerIn = req.Conversation
			}
			ans := h.wait(t, "the answer", func(c fakediscord.Call) bool {
				return c.Method == "POST" && c.Path == "/channels/"+answerIn+"/messages"
			}).JSON()
			if f := fieldsOf(ans); len(f) != 1 || !strings.HasPrefix(f[0], citeLabel) {
				t.Errorf("answer fields %q", f)
			}
			ref, _ := ans["message_reference"].(map[string]any)
			if tc.noThreads && (ref == nil || ref["message_id"] != msgID) {
				t.Errorf("message_reference %v, want a reply to %s", ref, msgID)
			}
			if !tc.noThreads && !tc.dm {
				// A follow-up in the bot's thread needs no mention and keeps the context.
				if _, err := h.srv.SendMessage(h.ctx, fakediscord.Message{ChannelID: answerIn,
					AuthorID: "500000000000000001", Content: "那麼毒品呢？"}); err != nil {
					t.Fatal(err)
				}
				f := h.bot.next(t)
				if f.Text != "那麼毒品呢？" || f.Conversation != answerIn {
					t.Errorf("thread follow-up %+v, want conversation %s", f, answerIn)
				}
			}
			if n := len(h.bot.requests()); n > 2 {
				t.Errorf("%d requests: bots or unmentioned messages were answered", n)
			}
		})
	}
}

// A long answer is split between sentences into follow-ups, at most
// maxMessages in all; the passages that do not fit are counted in a note.
func TestLongAnswerSplitIntoFollowups(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{}, Config{})
	sentence := "成員國強調，應在《聯合國憲章》宗旨和原則基礎上加強合作，[" + citeLabel + "]共同應對安全挑戰和威脅。"
	answer := strings.Repeat(sentence, 9000/utf8.RuneCountInString(sentence))
	var cites []bot.Citation
	for i := 0; i < 30; i++ {
		cites = append(cites, bot.Citation{Label: fmt.Sprintf("五(十三)¶%d", i+1), Section: citeSection,
			Text: strings.Repeat(citeText, 30)})
	}
	h.bot.setHandle(func(ctx context.Context, req bot.Request, _ func(bot.Reply)) bot.Reply {
		return bot.Reply{Question: req.Text, Grounded: true, Answer: answer, Citations: cites, Mode: "llm", Lang: bot.Traditional}
	})
	s := h.send(t, ask("長答案"))
	first := h.reply(t, s, hasEmbeds)
	isFollowup := func(c fakediscord.Call) bool {
		return c.Method == "POST" && c.Path == "/webhooks/"+h.srv.AppID+"/"+s.Token
	}
	// The last follow-up carries the note of what is not shown.
	if _, err := h.srv.WaitCall(h.ctx, func(c fakediscord.Call) bool {
		return isFollowup(c) && strings.Contains(string(c.Body), "還有 ")
	}); err != nil {
		t.Fatalf("no follow-up ends the answer with a note: %v", err)
	}
	msgs := []map[string]any{first}
	fields := len(fieldsOf(first))
	for _, c := range h.srv.Calls() {
		if isFollowup(c) {
			msgs = append(msgs, c.JSON())
			fields += len(fieldsOf(c.JSON()))
		}
	}
	if len(msgs) > maxMessages || len(msgs) < 3 {
		t.Errorf("%d messages for a %d-character answer with %d passages, want 3 to %d",
			len(msgs), utf8.RuneCountInString(answer), len(cites), maxMessages)
	}
	var text strings.Builder
	for _, m := range msgs {
		text.WriteString(descriptions(m))
		if flags(m)&64 != 0 {
			t.Error("a public answer's follow-up is ephemeral")
		}
	}
	note := bot.Say(bot.Traditional, bot.MsgNotShown, len(cites)-fields)
	shown, ok := strings.CutSuffix(text.String(), note)
	if !ok {
		t.Errorf("the answer does not end with %q", note)
	}
	if strings.ReplaceAll(shown, " ", "") != answer {
		t.Error("the answer's pieces do not add up to the answer")
	}
	for _, m := range msgs {
		d, _ := strings.CutSuffix(descriptions(m), note)
		if d != "" && !strings.HasSuffix(d, "。") {
			t.Errorf("a piece ends mid-sentence: …%s", tail(d, 10))
		}
	}
}

func TestGatewayDropIsSurvived(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{}, Config{})
	s := h.send(t, ask("第一個問題"))
	h.reply(t, s, hasEmbeds)
	h.srv.DropGateway()
	if err := h.srv.WaitSessions(h.ctx, 2); err != nil {
		t.Fatalf("no reconnect: %v", err)
	}
	if r := h.srv.Resumes(); r != 1 {
		t.Errorf("%d resumes, want 1 (discordgo should resume, not identify again)", r)
	}
	s2 := h.send(t, ask("第二個問題"))
	h.reply(t, s2, hasEmbeds)
	if !strings.Contains(h.logs.String(), "disconnected") {
		t.Error("the disconnect was not logged")
	}
}

func TestRunRejectsBadTokens(t *testing.T) {
	t.Parallel()
	const secret = "sk-very-secret-token-1234567890"
	for _, tc := range []struct {
		name  string
		token string
		opts  fakediscord.Options
		want  error
	}{
		{"missing", "  ", fakediscord.Options{}, ErrNoToken},
		{"rest 401", secret, fakediscord.Options{}, ErrTokenRejected},
		{"rest 401 with prefix", "Bot " + secret, fakediscord.Options{}, ErrTokenRejected},
		{"gateway 4004", secret, fakediscord.Options{Token: secret, RejectIdentify: true}, ErrTokenRejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := fakediscord.New(tc.opts)
			defer srv.Close()
			logs := &syncBuffer{}
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			err := Run(ctx, Config{Token: tc.token, BaseURL: srv.URL,
				Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, newFakeBot())
			if !errors.Is(err, tc.want) {
				t.Fatalf("Run = %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
				t.Errorf("the token leaked: error %q, logs %q", err, logs.String())
			}
			if tc.want == ErrNoToken && len(srv.Calls()) != 0 {
				t.Error("Run connected without a token")
			}
		})
	}
}

func TestRedactor(t *testing.T) {
	t.Parallel()
	r := redactor{secrets: []string{"abc123"}}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("plain"), "plain"},
		{fmt.Errorf("wrap: %w", errors.New("token abc123 bad")), "wrap: token [REDACTED] bad"},
		{fmt.Errorf("%w: abc123", ErrTokenRejected), "discord: the bot token was rejected: discord: the bot token was rejected: [REDACTED]"},
	} {
		got := r.err(tc.err)
		if (got == nil) != (tc.err == nil) || (got != nil && got.Error() != tc.want) {
			t.Errorf("redact(%v) = %v, want %q", tc.err, got, tc.want)
		}
		if tc.err != nil && errors.Is(tc.err, ErrTokenRejected) && !errors.Is(got, ErrTokenRejected) {
			t.Error("redaction lost ErrTokenRejected")
		}
	}
}

func TestFakeDetectsMentionViolations(t *testing.T) {
	t.Parallel()
	// The allowed-mentions check in the fake must be able to fail.
	srv := fakediscord.New(fakediscord.Options{})
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	for _, body := range []string{`{"content":"@everyone"}`, `{"content":"x","allowed_mentions":{"parse":["everyone"]}}`} {
		req, _ := newRequest(ctx, "POST", srv.URL+"/api/v9/channels/1/messages", body, "Bot "+srv.Token)
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if v := srv.Violations(); len(v) != 2 {
		t.Errorf("violations %q, want 2", v)
	}
}

var httpClient = &http.Client{Timeout: deadline}

func newRequest(ctx context.Context, method, url, body, auth string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// A handler that panics does not end the process: the next interaction is
// still answered.
func TestPanickingHandlerIsSurvived(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{}, Config{})
	var once sync.Once
	h.bot.setHandle(func(ctx context.Context, req bot.Request, _ func(bot.Reply)) bot.Reply {
		panicked := false
		once.Do(func() { panicked = true })
		if panicked {
			panic("boom")
		}
		return defaultReply(req)
	})
	h.send(t, ask("第一個問題"))
	h.logs.waitFor(t, "panicked")
	s := h.send(t, ask("第二個問題"))
	h.reply(t, s, hasEmbeds)
}
