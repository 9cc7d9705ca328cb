package discord

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/internal/fakediscord"
	"github.com/citebot/citebot/retrieval"
)

// realBot is the whole citebot (corpus, retrieval, bot) over the embedded
// declaration, as `citebot discord` wires it with nothing configured.
func realBot(t *testing.T, rate int) (*bot.Bot, *retrieval.Library) {
	t.Helper()
	lib, err := retrieval.NewLibrary(context.Background(), corpus.Default(), retrieval.LocalEmbedder, retrieval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(bot.Config{Searcher: lib, RatePerMinute: rate, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return b, lib
}

func fieldLabels(m map[string]any) []string {
	var out []string
	for _, f := range fieldsOf(m) {
		name, _, _ := strings.Cut(f, "\x00")
		out = append(out, name)
	}
	return out
}

func containsLabel(m map[string]any, label string) bool {
	for _, l := range fieldLabels(m) {
		if strings.Contains(l, label) {
			return true
		}
	}
	return false
}

func TestEndToEndAskAndCite(t *testing.T) {
	t.Parallel()
	b, _ := realBot(t, -1)
	h := startWith(t, fakediscord.Options{}, Config{}, b)

	s := h.send(t, ask("上合组织秘书处设在哪里?"))
	final := h.reply(t, s, hasEmbeds)
	if !containsLabel(final, "一¶7") {
		t.Errorf("answer fields %q, want 一¶7", fieldLabels(final))
	}
	if d := descriptions(final); !strings.Contains(d, "一¶7") || strings.Contains(d, "設在北京的秘書處") {
		t.Errorf("description %q: want the lead line naming 一¶7, passages only in the fields", d)
	}

	s = h.send(t, fakediscord.Interaction{Name: "cite", Member: member(0),
		Options: []fakediscord.Option{{Name: "label", Type: fakediscord.OptionString, Value: "3.4"}}})
	final = h.reply(t, s, hasEmbeds)
	var want []string
	ps, err := corpus.Default().Resolve("三(四)")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		want = append(want, p.Label)
	}
	got := fmt.Sprint(fieldLabels(final))
	for _, l := range want {
		if !strings.Contains(got, l) {
			t.Errorf("/cite 3.4 fields %s lack %s", got, l)
		}
	}
}

func TestEndToEndReload(t *testing.T) {
	t.Parallel()
	b, lib := realBot(t, -1)
	h := startWith(t, fakediscord.Options{}, Config{}, b)
	before := lib.Document()
	orig, err := os.ReadFile("../../corpus/declaration.txt")
	if err != nil {
		t.Fatal(err)
	}
	changed := []byte(strings.Replace(string(orig), "設在北京的秘書處", "設在上海的秘書處", 1))
	reload := func(m *fakediscord.Member, name string, body []byte) map[string]any {
		t.Helper()
		in := fakediscord.Interaction{Name: "reload", Member: m}
		if body != nil {
			url := h.srv.AddFile(name, body)
			in.Options = []fakediscord.Option{{Name: "file", Type: fakediscord.OptionAttachment, Value: "9"}}
			in.Attachments = []fakediscord.Attachment{{ID: "9", Filename: name, Size: len(body), URL: url}}
		}
		s := h.send(t, in)
		return h.reply(t, s, func(m map[string]any) bool { return m["content"] != nil && m["content"] != "" })
	}

	// A member without permission is refused and the index stays.
	r := reload(member(0, "r1"), "new.txt", changed)
	// The interaction carries no text, so the reply speaks the asker's
	// Discord locale (zh-TW in the fake).
	if c := fmt.Sprint(r["content"]); c != bot.Say(bot.Traditional, bot.MsgForbidden) || lib.Document() != before {
		t.Errorf("non-admin reload: %q, index swapped: %v", c, lib.Document() != before)
	}
	// A broken attachment is refused and the old index keeps answering.
	r = reload(member(fakediscord.PermAdministrator), "broken.txt", []byte("成員國\xff\xfe\x00"))
	if c := fmt.Sprint(r["content"]); !strings.HasPrefix(c, "重新載入失敗,舊文件繼續使用") || strings.Contains(c, "corpus ") || lib.Document() != before {
		t.Errorf("broken reload: %q", c)
	}
	// An admin's changed document is swapped in and the diff reported.
	r = reload(member(fakediscord.PermManageGuild), "new.txt", changed)
	if c := fmt.Sprint(r["content"]); !strings.Contains(c, "修改 1") || !strings.Contains(c, "新增 0") {
		t.Errorf("admin reload reply %q, want the diff", c)
	}
	if lib.Document() == before {
		t.Fatal("the admin's reload did not swap the index")
	}
	s := h.send(t, ask("上合组织秘书处设在哪里?"))
	final := h.reply(t, s, hasEmbeds)
	if !strings.Contains(fmt.Sprint(fieldsOf(final)), "設在上海的秘書處") {
		t.Errorf("answer after reload does not quote the new text: %q", fieldsOf(final))
	}
}

func TestEndToEndRateLimitAndMention(t *testing.T) {
	t.Parallel()
	b, _ := realBot(t, 2)
	h := startWith(t, fakediscord.Options{}, Config{}, b)
	for i := range 2 {
		s := h.send(t, ask("上合组织秘书处设在哪里?"))
		if final := h.reply(t, s, hasEmbeds); !containsLabel(final, "一¶7") {
			t.Fatalf("question %d not answered", i+1)
		}
	}
	s := h.send(t, ask("上合组织秘书处设在哪里?"))
	f := h.reply(t, s, func(m map[string]any) bool { return m["content"] != nil })
	if flags(f)&64 == 0 || !strings.Contains(fmt.Sprint(f["content"]), "提问太快了") {
		t.Errorf("third question: %v, want an ephemeral rate-limit message", f)
	}

	// Another user mentions the bot in a channel and gets an answer.
	mention := "<@" + h.srv.BotID + "> "
	if _, err := h.srv.SendMessage(h.ctx, fakediscord.Message{AuthorID: "500000000000000002",
		Content: mention + "第三部分第六节主要讲什么?", MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	c := h.wait(t, "an answer to the mention", func(c fakediscord.Call) bool {
		return c.Method == "POST" && strings.Contains(c.Path, "/messages") && strings.Contains(string(c.Body), "三(六)¶1")
	})
	if !strings.Contains(string(c.Body), "三(六)¶3") {
		t.Errorf("mention answer lacks the section's paragraphs: %.300s", c.Body)
	}
}
