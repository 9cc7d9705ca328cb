package discord

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/internal/fakediscord"
	"github.com/citebot/citebot/internal/oaitest"
	"github.com/citebot/citebot/llm"
	"github.com/citebot/citebot/retrieval"
)

// The tests of the load-and-fault run's defects (the reliability issue),
// each through the real discordgo client against the fake Discord and,
// where a model answers, the real go-openai client against oaitest.

const secretariatQ = "上合组织秘书处设在哪里?"

// modelBot is the whole citebot with a model on srv, over doc (the
// declaration when nil).
func modelBot(t *testing.T, srv *oaitest.Server, doc *corpus.Document, cfg bot.Config) *bot.Bot {
	t.Helper()
	if doc == nil {
		doc = corpus.Default()
	}
	lib, err := retrieval.NewLibrary(context.Background(), doc, retrieval.LocalEmbedder, retrieval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	client, err := llm.New(llm.Config{BaseURL: srv.URL(), Model: "fake-model", Timeout: 20 * time.Second, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Searcher, cfg.Writer, cfg.Rewriter = lib, client, client
	if cfg.RatePerMinute == 0 {
		cfg.RatePerMinute = -1
	}
	b, err := bot.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func isOriginal(h *harness, s fakediscord.Sent, method string) func(fakediscord.Call) bool {
	return func(c fakediscord.Call) bool { return c.Method == method && c.Path == h.srv.OriginalPath(s.Token) }
}

func isFollowupOf(h *harness, s fakediscord.Sent) func(fakediscord.Call) bool {
	return func(c fakediscord.Call) bool {
		return c.Method == "POST" && c.Path == "/webhooks/"+h.srv.AppID+"/"+s.Token
	}
}

// sent lists the bodies of every message the bot sent or edited.
func sent(h *harness) []string {
	var out []string
	for _, c := range h.srv.Calls() {
		if c.Method == "POST" || c.Method == "PATCH" {
			out = append(out, string(c.Body))
		}
	}
	return out
}

// Defect 1. While the model streams, progress edits show only checked
// sentences: never a fake label, a false quotation or a foreign link. When
// the final edit fails, the response is deleted and the answer sent as a
// follow-up, so no partial answer stays.
func TestUncheckedModelTextNeverReachesDiscord(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	srv := oaitest.New(t, oaitest.Replies(oaitest.Chunks(
		"秘书处设在北京[一¶7]。宣言写道「秘书处设在上海并负责全部事务」[一¶7]。总部大楼有二十层[九(九)¶9]。"+
			"详见[官方公告](https://evil.example/phish) @everyone。",
		"文件说「設在北京的秘書處」[一¶7]。",
	).PauseAfter(1, gate)))
	h := startWith(t, fakediscord.Options{}, Config{editInterval: 10 * time.Millisecond}, modelBot(t, srv, nil, bot.Config{}))
	// The final edit (the one with the vote buttons) fails, and so does the
	// transport's retry of it.
	h.srv.Inject(func(c fakediscord.Call) bool {
		return c.Method == "PATCH" && strings.Contains(string(c.Body), voteUp)
	}, fakediscord.Fault{Status: 502, Times: 2})
	s := h.send(t, ask(secretariatQ))
	h.edit(t, s, func(m map[string]any) bool { return strings.Contains(fmt.Sprint(m["content"]), "北京") })
	close(gate)
	h.wait(t, "the response deleted after the failed edit", isOriginal(h, s, "DELETE"))
	fu := h.wait(t, "the answer as a follow-up", func(c fakediscord.Call) bool {
		return isFollowupOf(h, s)(c) && strings.Contains(string(c.Body), "設在北京的秘書處")
	}).JSON()
	if !hasVotes(fu) || flags(fu)&64 != 0 {
		t.Errorf("follow-up %v: want the public answer with its vote buttons", fu)
	}
	for _, body := range sent(h) {
		for _, bad := range []string{"九(九)¶9", "负责全部事务", "evil.example", "@everyone"} {
			if strings.Contains(body, bad) {
				t.Errorf("%q reached Discord: %.300s", bad, body)
			}
		}
	}
}

// Defect 2. Links and mentions written by the model or found in the
// document are data: foreign links are dropped, the rest shows as written.
func TestModelAndPassageMarkupIsData(t *testing.T) {
	t.Parallel()
	doc, err := corpus.ParseFiles([]corpus.File{{Name: "notices.md", Data: []byte("# Notices\n\n## Contact\n\n" +
		"Write to https://example.org/contact or ping @everyone in <#123456789012345678>; see [the rules](https://example.org/rules).\n")}})
	if err != nil {
		t.Fatal(err)
	}
	label := ""
	for _, p := range doc.Paragraphs {
		if strings.Contains(p.Text, "Write to") {
			label = p.Label
		}
	}
	srv := oaitest.New(t, oaitest.Replies(oaitest.Text("Write to https://example.org/contact ["+label+"]. "+
		"See [the official notice](https://evil.example/phish), https://evil.example/x, @here <@123456789012345678> <@&456789012345678901>.")))
	h := startWith(t, fakediscord.Options{}, Config{}, modelBot(t, srv, doc, bot.Config{}))
	s := h.send(t, ask("How do I contact the team?"))
	final := h.reply(t, s, hasVotes)
	shown := allText(final)
	if !strings.Contains(shown, "https://example.org/contact") || len(fieldsOf(final)) != 1 {
		t.Errorf("the answer lost the document's link or its passage: %s", shown)
	}
	for _, bad := range []string{"evil.example", "](", "@everyone", "@here", "<@1", "<@&", "<#1"} {
		if strings.Contains(shown, bad) {
			t.Errorf("%q is rendered: %s", bad, shown)
		}
	}
}

// allText joins every string in a decoded message, as Discord shows them.
func allText(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x + "\n")
		case map[string]any:
			for _, k := range []string{"content", "title", "description", "name", "value", "text", "embeds", "fields", "footer"} {
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}

// Defect 3. A model that ignores max_tokens (300,000 characters) is read
// only up to the bound, and its answer takes at most maxMessages messages.
func TestRunawayAnswerIsBounded(t *testing.T) {
	t.Parallel()
	sentence := "秘书处设在北京[一¶7]。"
	huge := strings.Repeat(sentence, 300_000/utf8.RuneCountInString(sentence))
	srv := oaitest.New(t, oaitest.Replies(oaitest.Chunks(sentence, huge[:len(huge)/2], huge[len(huge)/2:])))
	h := startWith(t, fakediscord.Options{}, Config{}, modelBot(t, srv, nil, bot.Config{}))
	s := h.send(t, ask(secretariatQ))
	h.reply(t, s, hasVotes)
	h.logs.waitFor(t, "answer delivered")
	// Follow-ups go out after the final edit returned; the last one is the
	// one holding the passage.
	calls, err := h.srv.WaitCalls(h.ctx, func(calls []fakediscord.Call) bool {
		for _, c := range calls {
			if isFollowupOf(h, s)(c) && strings.Contains(string(c.Body), `"fields"`) {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("the passage was never sent: %v", err)
	}
	n, chars := 1, 0
	for _, c := range calls {
		if isFollowupOf(h, s)(c) {
			n++
			chars += utf8.RuneCountInString(descriptions(c.JSON()))
		}
	}
	if n > maxMessages || chars > llm.MaxReplyRunes {
		t.Errorf("%d messages, %d characters in follow-ups: want at most %d and %d", n, chars, maxMessages, llm.MaxReplyRunes)
	}
}

// Defect 3 and 8. However long a reply (a 100,000-character label echoed
// in a refusal, say), it takes at most maxMessages messages.
func TestHugeReplyIsCapped(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{}, Config{})
	huge := strings.Repeat("「三(四)¶2」不是段落標籤。", 100_000/13)
	h.bot.setHandle(func(ctx context.Context, req bot.Request, _ func(bot.Reply)) bot.Reply {
		return bot.Reply{Answer: huge, Mode: bot.ModeError, Private: true, Err: fmt.Errorf("no such label"), Lang: bot.Traditional}
	})
	s := h.send(t, fakediscord.Interaction{Name: "cite", Member: member(0),
		Options: []fakediscord.Option{{Name: "label", Type: fakediscord.OptionString, Value: "x"}}})
	note := bot.Say(bot.Traditional, bot.MsgTooLongToShow)
	h.wait(t, "the last, cut message", func(c fakediscord.Call) bool {
		return isFollowupOf(h, s)(c) && strings.Contains(string(c.Body), note)
	})
	n := 0
	for _, c := range h.srv.Calls() {
		if isFollowupOf(h, s)(c) {
			n++
		}
	}
	if n > maxMessages {
		t.Errorf("%d private messages, want at most %d", n, maxMessages)
	}
}

// Defect 4. A global 429 on another route does not hold an interaction's
// ack, and a 429 on the ack itself is retried only within Discord's three
// seconds (never past them), setting no limit for other acks.
func TestAcksDoNotWaitBehindRateLimits(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{NoThreads: true}, Config{ShutdownGrace: time.Second})
	channel := "800000000000000055"
	h.srv.Inject(func(c fakediscord.Call) bool {
		return c.Method == "POST" && c.Path == "/channels/"+channel+"/messages"
	}, fakediscord.RateLimit(5, true))
	if _, err := h.srv.SendMessage(h.ctx, fakediscord.Message{ChannelID: channel, AuthorID: "500000000000000002",
		Content: "<@" + h.srv.BotID + "> 秘書處在哪裡？", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	// Once the bot has read the 429, the global limit holds.
	h.logs.waitFor(t, "method=POST global=true")

	acked := func(what string, s fakediscord.Sent, sentAt time.Time) {
		t.Helper()
		cb := h.wait(t, what, func(c fakediscord.Call) bool {
			return c.Path == h.srv.CallbackPath(s.ID, s.Token) && c.Status == 0
		})
		d := cb.At.Sub(sentAt)
		if d > ackWindow {
			t.Errorf("%s after %s, past Discord's %s", what, d.Round(time.Millisecond), ackWindow)
		}
		t.Logf("%s after %s", what, d.Round(time.Millisecond))
	}
	at := time.Now()
	acked("the ack during a global limit", h.send(t, ask("第一個問題")), at)

	// A 429 with a short Retry-After on the ack itself: retried in time.
	h.srv.Inject(func(c fakediscord.Call) bool { return strings.HasSuffix(c.Path, "/callback") },
		fakediscord.RateLimit(0.2, false))
	at = time.Now()
	acked("the ack retried after a short 429", h.send(t, ask("第二個問題")), at)

	// One whose Retry-After outlasts the window: given up at once.
	h.srv.Inject(func(c fakediscord.Call) bool { return strings.HasSuffix(c.Path, "/callback") },
		fakediscord.RateLimit(4, true))
	late := h.send(t, ask("第三個問題"))
	h.logs.waitFor(t, "answering the interaction")
	at = time.Now()
	acked("the next ack", h.send(t, ask("第四個問題")), at)
	n := 0
	for _, c := range h.srv.Calls() {
		if c.Path == h.srv.CallbackPath(late.ID, late.Token) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the ack with Retry-After 4 s was tried %d times, want once", n)
	}
}

// Defect 5. Shutdown keeps the grace: a 429 with Retry-After 120 on an
// edit, an answer that never comes, a model still streaming — Run returns
// within ShutdownGrace, and each reply is finished: with what was checked,
// with the answer, or saying the bot is restarting.
func TestShutdownKeepsTheGrace(t *testing.T) {
	t.Parallel()
	const grace = time.Second
	// Run returns within the grace (discordgo's own close takes the last
	// second of it); the margin is for a loaded machine.
	const limit = grace + 2*time.Second
	stopped := func(t *testing.T, h *harness) {
		t.Helper()
		at := time.Now()
		h.stop()
		select {
		case <-h.done:
		case <-time.After(deadline):
			t.Fatal("Run did not return")
		}
		d := time.Since(at)
		if d > limit {
			t.Errorf("Run returned %s after its context ended, past %s", d.Round(time.Millisecond), limit)
		}
		t.Logf("Run returned %s after its context ended (grace %s)", d.Round(time.Millisecond), grace)
	}

	t.Run("429 on the final edit", func(t *testing.T) {
		t.Parallel()
		h := start(t, fakediscord.Options{}, Config{ShutdownGrace: grace, respondWithin: time.Nanosecond})
		gate := make(chan struct{})
		h.bot.setHandle(func(ctx context.Context, req bot.Request, _ func(bot.Reply)) bot.Reply {
			<-gate
			return defaultReply(req)
		})
		h.srv.Inject(func(c fakediscord.Call) bool { return c.Method == "PATCH" }, fakediscord.RateLimit(120, false))
		s := h.send(t, ask("立場？"))
		h.callback(t, s)
		close(gate)
		h.wait(t, "the 429 on the final edit", func(c fakediscord.Call) bool { return c.Status == 429 })
		stopped(t, h)
		// The edit could not be made: the response is replaced by a follow-up.
		h.wait(t, "the answer as a follow-up", func(c fakediscord.Call) bool {
			return isFollowupOf(h, s)(c) && strings.Contains(string(c.Body), citeLabel)
		})
	})

	t.Run("an answer that never comes", func(t *testing.T) {
		t.Parallel()
		h := start(t, fakediscord.Options{}, Config{ShutdownGrace: grace, respondWithin: time.Nanosecond})
		never := make(chan struct{})
		t.Cleanup(func() { close(never) })
		h.bot.setHandle(func(context.Context, bot.Request, func(bot.Reply)) bot.Reply {
			<-never // ignores its context
			return bot.Reply{}
		})
		s := h.send(t, ask("立場？"))
		h.bot.next(t)
		stopped(t, h)
		want := bot.Say(bot.Traditional, bot.MsgRestarting)
		h.edit(t, s, func(m map[string]any) bool { return m["content"] == want })
	})

	t.Run("a model still streaming", func(t *testing.T) {
		t.Parallel()
		srv := oaitest.New(t, oaitest.Replies(oaitest.Stall("秘书处设在北京[一¶7]。", "文件说「設在北京的秘書處」[一¶7]。", "第三句")))
		h := startWith(t, fakediscord.Options{}, Config{ShutdownGrace: grace, editInterval: 10 * time.Millisecond},
			modelBot(t, srv, nil, bot.Config{}))
		s := h.send(t, ask(secretariatQ))
		h.edit(t, s, func(m map[string]any) bool {
			return strings.Contains(fmt.Sprint(m["content"]), "設在北京的秘書處")
		})
		stopped(t, h)
		notice := bot.Say(bot.Simplified, bot.MsgInterrupted)
		final := allText(h.edit(t, s, hasEmbeds))
		if !strings.Contains(final, "設在北京的秘書處") || !strings.Contains(final, notice) || strings.Contains(final, "第三句") {
			t.Errorf("final edit %q: want the checked sentences and %q", final, notice)
		}
	})
}

// Defect 6. On a resume, discordgo warns about the replayed event with
// the whole event printed; no log line at warn or above may hold the
// interaction's token or the user's question, in text or as bytes, and no
// line at all the token.
func TestLogsHoldNoTokenOrQuestion(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{}, Config{})
	s := h.send(t, ask("第一個問題"))
	h.reply(t, s, hasEmbeds)
	const question = "我的病歷上寫的藥物能帶出國嗎"
	in := ask(question)
	in.Token = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OnNlY3JldC10b2tlbi12YWx1ZQ"
	replayed := h.srv.ReplayInteractionOnResume(in)
	h.srv.DropGateway()
	if err := h.srv.WaitSessions(h.ctx, 2); err != nil {
		t.Fatal(err)
	}
	h.callback(t, replayed)
	h.reply(t, replayed, hasEmbeds)
	h.logs.waitFor(t, "READY/RESUMED")
	sc := bufio.NewScanner(strings.NewReader(h.logs.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		text := line + "\n" + fromByteDumps(line)
		if strings.Contains(text, in.Token) {
			t.Errorf("a log line holds the interaction token: %.300s", line)
		}
		warn := strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR")
		if warn && strings.Contains(text, question) {
			t.Errorf("a warning holds the user's question: %.300s", line)
		}
	}
}

// dumpRe is a byte slice printed with %#v: 0x7b, 0x22, …
var dumpRe = regexp.MustCompile(`(?:0x[0-9a-f]{1,2}, )+0x[0-9a-f]{1,2}`)

// fromByteDumps decodes the byte dumps in a log line.
func fromByteDumps(line string) string {
	var out strings.Builder
	for _, d := range dumpRe.FindAllString(line, -1) {
		for _, b := range strings.Split(d, ", ") {
			h := strings.TrimPrefix(b, "0x")
			if len(h) == 1 {
				h = "0" + h
			}
			v, _ := hex.DecodeString(h)
			out.Write(v)
		}
		out.WriteByte('\n')
	}
	return out.String()
}

// Defect 8. A malformed interaction (no data, options that are not a list)
// gets a private reply, without a panic.
func TestMalformedInteractionsAreAnswered(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{}, Config{})
	for _, tc := range []struct {
		name string
		in   fakediscord.Interaction
		// answered: the interaction is read well enough to be answered
		// (publicly); the others get a private message.
		answered bool
	}{
		{"no data", fakediscord.Interaction{Name: "ask", Member: member(0), NoData: true}, false},
		{"options a string", fakediscord.Interaction{Name: "ask", Member: member(0), RawOptions: "question=hi"}, false},
		{"options of numbers", fakediscord.Interaction{Name: "ask", Member: member(0), RawOptions: []int{1, 2}}, false},
		{"a button without data", fakediscord.Interaction{Type: fakediscord.TypeComponent, Member: member(0), NoData: true, MessageID: "1"}, false},
		{"an unknown button", fakediscord.Interaction{Type: fakediscord.TypeComponent, Member: member(0), CustomID: "citebot:nope", MessageID: "1"}, false},
		{"a passage button with no label", fakediscord.Interaction{Type: fakediscord.TypeComponent, Member: member(0), CustomID: passagePrefix, MessageID: "1"}, true},
		{"a message command without its message", fakediscord.Interaction{Name: menuName, Member: member(0),
			Target: &fakediscord.TargetMessage{ID: "1"}}, false},
		{"permissions a number", fakediscord.Interaction{Name: "ask", Member: member(0), RawPermissions: 8,
			Options: []fakediscord.Option{{Name: "question", Type: fakediscord.OptionString, Value: "hi"}}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := h.send(t, tc.in)
			cb := h.callback(t, s)
			typ, _ := cb["type"].(float64)
			if !tc.answered && (typ != 4 || flags(data(cb))&64 == 0 || data(cb)["content"] == "") {
				t.Errorf("reply %v, want a private message", cb)
			}
			if tc.answered && typ != 4 && typ != 5 {
				t.Errorf("reply %v, want an answer", cb)
			}
		})
	}
	if strings.Contains(h.logs.String(), "panicked") {
		t.Errorf("a malformed interaction panicked:\n%s", h.logs.String())
	}
}

// Defect 8. A 5xx on a mention's reply is retried.
func TestMentionReplyRetriedAfter5xx(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{NoThreads: true}, Config{retryBackoff: 10 * time.Millisecond})
	channel := "800000000000000066"
	isReply := func(c fakediscord.Call) bool { return c.Method == "POST" && c.Path == "/channels/"+channel+"/messages" }
	h.srv.Inject(isReply, fakediscord.Fault{Status: 503})
	if _, err := h.srv.SendMessage(h.ctx, fakediscord.Message{ChannelID: channel, AuthorID: "500000000000000002",
		Content: "<@" + h.srv.BotID + "> 立場？", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	h.wait(t, "the reply, sent again", func(c fakediscord.Call) bool { return isReply(c) && c.Status == 0 })
}

// Defect 8. When the public placeholder of a private reply cannot be
// deleted, it says the asker was answered privately instead of "thinking…".
func TestPlaceholderReplacedWhenItsDeleteFails(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{}, Config{retryBackoff: 10 * time.Millisecond, respondWithin: time.Nanosecond})
	// A refusal that comes after the deferral (a failure late in an
	// answer) has a public placeholder to remove.
	h.bot.setHandle(func(ctx context.Context, req bot.Request, _ func(bot.Reply)) bot.Reply {
		if _, err := h.srv.WaitCall(ctx, func(c fakediscord.Call) bool { return strings.HasSuffix(c.Path, "/callback") }); err != nil {
			return bot.Reply{Err: err}
		}
		return bot.Reply{Answer: "提問太頻繁，請稍後再試。", Mode: "error", Private: true, Err: bot.ErrRateLimited, Lang: bot.Traditional}
	})
	h.srv.Inject(func(c fakediscord.Call) bool { return c.Method == "DELETE" }, fakediscord.Fault{Status: 500, Times: -1})
	s := h.send(t, ask("再問一次"))
	want := bot.Say(bot.Traditional, bot.MsgAnsweredPrivately)
	h.edit(t, s, func(m map[string]any) bool { return m["content"] == want })
	f := h.wait(t, "the private reply", isFollowupOf(h, s)).JSON()
	if flags(f)&64 == 0 || !strings.Contains(fmt.Sprint(f["content"]), "稍後") {
		t.Errorf("follow-up %v, want the ephemeral refusal", f)
	}
}

// Defect 8, with the real bot: /cite has its own rate limit, and a user's
// second vote on an answer replaces the first in the feedback log.
func TestCiteRateLimitAndVotesEndToEnd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lib, err := retrieval.NewLibrary(context.Background(), corpus.Default(), retrieval.LocalEmbedder, retrieval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(bot.Config{Searcher: lib, RatePerMinute: 2, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	h := startWith(t, fakediscord.Options{}, Config{}, b)
	cite := func() fakediscord.Sent {
		return h.send(t, fakediscord.Interaction{Name: "cite", Member: member(0),
			Options: []fakediscord.Option{{Name: "label", Type: fakediscord.OptionString, Value: "1.7"}}})
	}
	for range 2 {
		h.reply(t, cite(), hasEmbeds)
	}
	third := cite()
	f := h.reply(t, third, func(m map[string]any) bool { return m["content"] != nil })
	if flags(f)&64 == 0 || !strings.Contains(fmt.Sprint(f["content"]), "提問太快了") {
		t.Errorf("third /cite: %v, want a private rate-limit reply", f)
	}

	s := h.send(t, ask(secretariatQ))
	h.reply(t, s, hasVotes)
	msg := h.srv.OriginalID(s.Token)
	// The bot learns the message id from the edit's response: wait for it.
	h.logs.waitFor(t, "message="+msg+"\n")
	voter := func(user string) *fakediscord.Member { m := member(0); m.UserID = user; return m }
	for _, v := range []struct {
		user, button string
	}{{"500000000000000001", voteUp}, {"500000000000000001", voteDown}, {"500000000000000009", voteUp}} {
		cb := h.callback(t, h.send(t, fakediscord.Interaction{Type: fakediscord.TypeComponent, Member: voter(v.user),
			CustomID: v.button, MessageID: msg}))
		// Thanked in the answer's language, not the voter's locale (zh-TW).
		if c := fmt.Sprint(data(cb)["content"]); c != bot.Say(bot.Simplified, bot.MsgThanks) {
			t.Fatalf("vote not recorded: %v", cb)
		}
	}
	lines, err := os.ReadFile(filepath.Join(dir, "feedback.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var got []bot.Vote
	for _, l := range strings.Split(strings.TrimSpace(string(lines)), "\n") {
		var v bot.Vote
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	latest := map[string]bool{}
	for _, v := range got {
		if v.AnswerID != msg {
			t.Errorf("vote %+v is not on message %s", v, msg)
		}
		latest[v.UserID] = v.Up
	}
	if len(got) != 2 || len(latest) != 2 || latest["500000000000000001"] || !latest["500000000000000009"] {
		t.Errorf("feedback %+v, want one vote per user, the first user's the latest (👎)", got)
	}
}
