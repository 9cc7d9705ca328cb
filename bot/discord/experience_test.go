package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/glossary"
	"github.com/citebot/citebot/internal/anchor"
	"github.com/citebot/citebot/internal/docversion"
	"github.com/citebot/citebot/internal/fakediscord"
	"github.com/citebot/citebot/internal/oaitest"
	"github.com/citebot/citebot/retrieval"
)

// The tests of "where it speaks, in forums and on any message, in one
// language, and how it found the answer", through the real discordgo
// client against the fake Discord.

const (
	poster      = "500000000000000011"
	bystander   = "500000000000000012"
	allowedChan = "810000000000000001"
	otherChan   = "810000000000000002"
	forumChan   = "810000000000000003"
	publicURL   = "https://cite.example.org/doc"
)

// lexiconBot is the real bot with the glossary, as `citebot discord` wires
// it: English questions find the declaration's Chinese passages.
func lexiconBot(t *testing.T) *bot.Bot {
	t.Helper()
	lib, err := retrieval.NewLibrary(context.Background(), corpus.Default(), retrieval.LocalEmbedder,
		retrieval.Options{Lexicon: retrieval.GlossaryLexicon{Glossary: glossary.Default()}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(bot.Config{Searcher: lib, RatePerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// postedIn matches a message the bot posted in a channel.
func postedIn(channel string) func(fakediscord.Call) bool {
	return func(c fakediscord.Call) bool { return c.Method == "POST" && c.Path == "/channels/"+channel+"/messages" }
}

// A new forum post is answered in its thread, with the title and the
// first message as the question, citing the passage that answers it.
func TestForumPostAnsweredInItsThread(t *testing.T) {
	t.Parallel()
	b, _ := realBot(t, -1)
	// CITEBOT_CHANNELS does not silence a forum listed in
	// CITEBOT_FORUM_CHANNELS.
	h := startWith(t, fakediscord.Options{}, Config{ForumChannels: []string{forumChan}, Channels: []string{allowedChan}}, b)
	h.srv.AddChannel(fakediscord.Channel{ID: forumChan, Type: fakediscord.ChannelForum, Name: "questions"})
	thread, err := h.srv.CreateForumPost(h.ctx, fakediscord.ForumPost{ForumID: forumChan, AuthorID: poster,
		Title: "上合组织秘书处", Content: "设在哪里?"})
	if err != nil {
		t.Fatal(err)
	}
	ans := h.wait(t, "the answer in the post's thread", postedIn(thread)).JSON()
	if !containsLabel(ans, "一¶7") {
		t.Errorf("forum answer cites %q, want 一¶7", fieldLabels(ans))
	}
	if title := fmt.Sprint(ans["embeds"].([]any)[0].(map[string]any)["title"]); !strings.Contains(title, "上合组织秘书处") || !strings.Contains(title, "设在哪里") {
		t.Errorf("answer titled %q: want the post's title and message", title)
	}
	for _, c := range h.srv.Calls() {
		if strings.HasSuffix(c.Path, "/threads") {
			t.Errorf("a thread was started for a forum post: %s", c.Path)
		}
	}
}

// In a forum post, the poster's follow-ups are answered with the post as
// context, and anyone who mentions the bot; others' messages are not.
func TestForumFollowUps(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{}, Config{ForumChannels: []string{forumChan}})
	h.srv.AddChannel(fakediscord.Channel{ID: forumChan, Type: fakediscord.ChannelForum})
	thread, err := h.srv.CreateForumPost(h.ctx, fakediscord.ForumPost{ForumID: forumChan, AuthorID: poster,
		Title: "禁毒合作", Content: "成員國怎麼合作?"})
	if err != nil {
		t.Fatal(err)
	}
	first := h.bot.next(t)
	if first.Text != "禁毒合作\n成員國怎麼合作?" || first.Conversation != thread || first.Kind != bot.KindAsk {
		t.Errorf("the post asked %+v, want its title and message in the thread's conversation", first)
	}
	mention := "<@" + h.srv.BotID + "> "
	for _, m := range []fakediscord.Message{
		{ChannelID: thread, AuthorID: bystander, Content: "我也想知道"},                            // not the poster's
		{ChannelID: thread, AuthorID: poster, Content: "那阿富汗呢?"},                              // the poster's follow-up
		{ChannelID: thread, AuthorID: bystander, Content: mention + "還有呢?", MentionBot: true}, // a mention
	} {
		if _, err := h.srv.SendMessage(h.ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]bot.Request{}
	for range 2 {
		r := h.bot.next(t)
		got[r.Text] = r
	}
	for _, q := range []string{"那阿富汗呢?", "還有呢?"} {
		r, ok := got[q]
		if !ok || r.Conversation != thread || len(r.Previous) != 1 || r.Previous[0] != first.Text {
			t.Errorf("follow-up %q: %+v, want the thread's conversation with the post as context", q, r)
		}
	}
	h.shutdown(t) // every message has been handled
	if n := len(h.bot.requests()); n != 3 {
		t.Errorf("%d requests, want 3: a bystander's message without a mention was answered", n)
	}
}

// With CITEBOT_CHANNELS set, the bot answers mentions there and in their
// threads, and DMs; a mention anywhere else is ignored.
func TestMentionsOnlyInTheConfiguredChannels(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{}, Config{Channels: []string{allowedChan}})
	threadOfAllowed := "810000000000000011"
	h.srv.AddChannel(fakediscord.Channel{ID: allowedChan, Type: fakediscord.ChannelText})
	h.srv.AddChannel(fakediscord.Channel{ID: otherChan, Type: fakediscord.ChannelText})
	h.srv.AddChannel(fakediscord.Channel{ID: threadOfAllowed, Type: fakediscord.ChannelPublicThread, ParentID: allowedChan, OwnerID: bystander})
	mention := "<@" + h.srv.BotID + "> "
	for _, m := range []fakediscord.Message{
		{ChannelID: otherChan, AuthorID: poster, Content: mention + "在別處問", MentionBot: true},
		{ChannelID: allowedChan, AuthorID: poster, Content: mention + "在這裡問", MentionBot: true},
		{ChannelID: threadOfAllowed, AuthorID: poster, Content: mention + "在討論串裡問", MentionBot: true},
		{ChannelID: "810000000000000099", DM: true, AuthorID: poster, Content: "私訊問"},
	} {
		if _, err := h.srv.SendMessage(h.ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	var asked []string
	for range 3 {
		asked = append(asked, h.bot.next(t).Text)
	}
	h.wait(t, "a thread for the mention in the allowed channel", func(c fakediscord.Call) bool {
		return c.Method == "POST" && strings.HasPrefix(c.Path, "/channels/"+allowedChan+"/messages/") && strings.HasSuffix(c.Path, "/threads")
	})
	h.wait(t, "the answer in the allowed channel's thread", postedIn(threadOfAllowed))
	h.shutdown(t)
	sort.Strings(asked)
	if want := []string{"在討論串裡問", "在這裡問", "私訊問"}; !slices.Equal(asked, want) {
		t.Errorf("answered %q, want %q", asked, want)
	}
	if n := len(h.bot.requests()); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	for _, c := range h.srv.Calls() {
		if strings.HasPrefix(c.Path, "/channels/"+otherChan+"/") && c.Method != "GET" {
			t.Errorf("the bot acted in a channel it was not given: %s %s", c.Method, c.Path)
		}
	}
}

// With CITEBOT_DMS=off, DMs are ignored, the commands are not offered in
// DMs, and a command that comes from one anyway is refused in words.
func TestDirectMessagesOff(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{}, Config{NoDMs: true})
	var cmds []struct {
		Name string `json:"name"`
		DM   *bool  `json:"dm_permission"`
	}
	if err := json.Unmarshal(h.wait(t, "the commands", isCommandsPut).Body, &cmds); err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		if c.DM == nil || *c.DM {
			t.Errorf("%q is offered in DMs", c.Name)
		}
	}
	if _, err := h.srv.SendMessage(h.ctx, fakediscord.Message{ChannelID: "810000000000000098", DM: true, AuthorID: poster, Content: "私訊問"}); err != nil {
		t.Fatal(err)
	}
	in := ask("Where is the secretariat?")
	in.Member, in.DMUserID, in.Locale = nil, poster, "en-US"
	cb := h.callback(t, h.send(t, in))
	if c := fmt.Sprint(data(cb)["content"]); c != bot.Say(bot.English, bot.MsgDMsOff) || flags(data(cb))&64 == 0 {
		t.Errorf("a command in a DM got %v, want the private refusal", cb)
	}
	h.shutdown(t)
	if r := h.bot.requests(); len(r) != 0 {
		t.Errorf("DMs reached the bot: %+v", r)
	}
}

// "Ask citebot" on a message answers about that message's text, privately,
// with a button that posts the answer publicly, once.
func TestAskCitebotOnAMessage(t *testing.T) {
	t.Parallel()
	b, _ := realBot(t, -1)
	h := startWith(t, fakediscord.Options{}, Config{}, b)
	target := &fakediscord.TargetMessage{ID: "700000000000000042", AuthorID: bystander, Content: "上合组织秘书处设在哪里?"}
	s := h.send(t, fakediscord.Interaction{Name: menuName, Member: member(0), Target: target, Locale: "en-US"})
	private := h.reply(t, s, hasEmbeds)
	if flags(private)&64 == 0 || !containsLabel(private, "一¶7") {
		t.Fatalf("answer %v: want a private answer citing 一¶7", private)
	}
	bs := buttons(private)
	if !slices.Contains(bs, postID) || !slices.Contains(bs, howID) || slices.Contains(bs, voteUp) {
		t.Errorf("private answer's buttons %v: want post and how, no votes", bs)
	}
	// The question's language, not the locale (en-US), writes the buttons.
	if !strings.Contains(allButtonLabels(private), bot.Say(bot.Simplified, bot.MsgPostPublicly)) {
		t.Errorf("button labels %q are not in the question's language", allButtonLabels(private))
	}
	h.logs.waitFor(t, "answer delivered")
	msg := h.srv.OriginalID(s.Token)
	post := func() fakediscord.Sent {
		return h.send(t, fakediscord.Interaction{Type: fakediscord.TypeComponent, Member: member(0), CustomID: postID, MessageID: msg})
	}
	p := post()
	public := h.reply(t, p, hasEmbeds)
	if flags(public)&64 != 0 || !containsLabel(public, "一¶7") || !hasVotes(public) || slices.Contains(buttons(public), postID) {
		t.Errorf("posted answer %v: want it public, citing 一¶7, with votes and no post button", public)
	}
	again := h.callback(t, post())
	if c := fmt.Sprint(data(again)["content"]); c != bot.Say(bot.Simplified, bot.MsgAlreadyPosted) || flags(data(again))&64 == 0 {
		t.Errorf("a second post: %v, want a private note that it was posted", again)
	}
	// A button of a message the bot does not remember (a restart).
	old := h.callback(t, h.send(t, fakediscord.Interaction{Type: fakediscord.TypeComponent, Member: member(0), CustomID: postID, MessageID: "123"}))
	if c := fmt.Sprint(data(old)["content"]); c != bot.Say(bot.Traditional, bot.MsgExpired) {
		t.Errorf("post of an unknown answer: %q", c)
	}
}

// allButtonLabels joins the labels of a message's buttons.
func allButtonLabels(m map[string]any) string {
	var b strings.Builder
	rows, _ := m["components"].([]any)
	for _, r := range rows {
		comps, _ := r.(map[string]any)["components"].([]any)
		for _, c := range comps {
			if l, ok := c.(map[string]any)["label"].(string); ok {
				b.WriteString(l + "\n")
			}
		}
	}
	return b.String()
}

// documentWords are the texts a reply quotes from the document (titles,
// labels, sections, passages, in either script), longest first: what is
// left of a reply without them is the bot's own words.
func documentWords(doc *corpus.Document) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		for _, v := range []string{s, analysis.Script(s, bot.Simplified), analysis.Script(s, bot.Traditional)} {
			if v = strings.TrimSpace(v); v != "" && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	add(doc.Title)
	for _, p := range doc.Paragraphs {
		add(p.Label)
		add(p.Key)
		add(p.Section)
		add(p.Text)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// ownWords is the bot's own text in a message: every string a user sees,
// button labels too, without the document's words and the question.
func ownWords(m map[string]any, doc []string, question string) string {
	text := allText(m) + allButtonLabels(m)
	text = strings.ReplaceAll(text, escapeMarkup(question), "")
	for _, w := range doc {
		text = strings.ReplaceAll(text, w, "")
	}
	return text
}

// A reply is in one language, the question's, whatever the asker's
// Discord locale: an English question gets no Chinese words of the bot's
// own, a Traditional one no Simplified, in the answer, its footer, its
// buttons, and the replies to its buttons.
func TestOneLanguagePerReply(t *testing.T) {
	t.Parallel()
	h := startWith(t, fakediscord.Options{}, Config{PublicURL: publicURL}, lexiconBot(t))
	doc := documentWords(corpus.Default())
	for _, tc := range []struct {
		name, q, locale string
		lang            bot.Lang
	}{
		{"English, Chinese locale", "Where is the SCO Secretariat based?", "zh-TW", bot.English},
		{"Traditional, Simplified locale", "上合組織秘書處設在哪裡?", "zh-CN", bot.Traditional},
		{"Simplified, English locale", "上合组织秘书处设在哪里?", "en-US", bot.Simplified},
		{"English, not addressed", "How do I bake sourdough bread at home?", "zh-CN", bot.English},
		{"Traditional, not addressed", "滷肉飯要怎麼滷才會香?", "zh-CN", bot.Traditional},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := ask(tc.q)
			in.Locale = tc.locale
			s := h.send(t, in)
			m := h.reply(t, s, func(m map[string]any) bool { return hasEmbeds(m) || m["content"] != nil })
			replies := []map[string]any{m}
			h.logs.waitFor(t, "message="+h.srv.OriginalID(s.Token)+"\n")
			// The buttons' replies speak the answer's language too.
			for _, id := range buttons(m) {
				if id == voteDown {
					continue
				}
				c := h.send(t, fakediscord.Interaction{Type: fakediscord.TypeComponent, Member: member(0), CustomID: id,
					MessageID: h.srv.OriginalID(s.Token), Locale: tc.locale})
				replies = append(replies, h.reply(t, c, func(map[string]any) bool { return true }))
			}
			if !slices.Contains(buttons(m), howID) {
				t.Errorf("buttons %v: no way to see how the answer was found", buttons(m))
			}
			for _, r := range replies {
				own := ownWords(r, doc, tc.q)
				if tr, ok := r["embeds"].([]any); ok && len(tr) > 0 {
					// How I found this quotes the queries as searched: data.
					d, _ := tr[0].(map[string]any)["description"].(string)
					for _, q := range append(between(d, "“", "”"), between(d, "「", "」")...) {
						own = strings.ReplaceAll(own, q, "")
					}
				}
				switch tc.lang {
				case bot.English:
					if analysis.HasHan(own) {
						t.Errorf("English reply has Chinese words of its own: %q", own)
					}
				case bot.Traditional, bot.Simplified:
					if bad := otherScript(own, tc.lang); bad != "" {
						t.Errorf("%s reply has characters %q of the other script: %q", tc.lang, bad, own)
					}
					if !analysis.HasHan(own) {
						t.Errorf("%s reply has no Chinese words of its own: %q", tc.lang, own)
					}
				}
			}
		})
	}
}

// otherScript lists the characters of s that only the other script
// writes so: Traditional ones in a Simplified text, Simplified ones in a
// Traditional text. Each character is looked at alone, so that a mixed
// text cannot pass as one script.
func otherScript(s string, l bot.Lang) string {
	var bad []rune
	for _, r := range s {
		if !analysis.HasHan(string(r)) {
			continue
		}
		c := string(r)
		switch {
		case l == bot.Simplified && analysis.IsTraditional(c):
			bad = append(bad, r)
		case l == bot.Traditional && !analysis.IsTraditional(c) && analysis.Script(c, bot.Traditional) != c:
			bad = append(bad, r)
		}
	}
	return string(bad)
}

// between lists the texts between open and close in s.
func between(s, open, close string) []string {
	var out []string
	for {
		_, rest, ok := strings.Cut(s, open)
		if !ok {
			return out
		}
		in, after, ok := strings.Cut(rest, close)
		if !ok {
			return out
		}
		out = append(out, in)
		s = after
	}
}

// Under an answer, "show" gives the cited paragraph in full with the ones
// around it, and "how I found this" the query, the passages' scores, the
// document's version and the model, both privately. With a public URL,
// every cited label links to its paragraph.
func TestPassageAndHowButtons(t *testing.T) {
	t.Parallel()
	b, _ := realBot(t, -1)
	h := startWith(t, fakediscord.Options{}, Config{PublicURL: publicURL}, b)
	s := h.send(t, ask("上合组织秘书处设在哪里?"))
	answer := h.reply(t, s, hasVotes)
	link := "[一¶7](" + anchor.URL(publicURL, "一¶7") + ")"
	if f := fieldsOf(answer); len(f) == 0 || !strings.Contains(f[0], "\x00"+link+"\n") {
		t.Errorf("the citation's field %q does not open with %s", f, link)
	}
	if !strings.Contains(fmt.Sprint(answer["embeds"]), bot.Say(bot.Simplified, bot.MsgFooterQuoted)) {
		t.Errorf("the footer does not say where the answer came from: %v", answer["embeds"])
	}
	h.logs.waitFor(t, "message="+h.srv.OriginalID(s.Token)+"\n")
	click := func(id string) map[string]any {
		t.Helper()
		c := h.send(t, fakediscord.Interaction{Type: fakediscord.TypeComponent, Member: member(0), CustomID: id, MessageID: h.srv.OriginalID(s.Token)})
		m := h.reply(t, c, hasEmbeds)
		if flags(m)&64 == 0 {
			t.Errorf("%s: the reply is public", id)
		}
		return m
	}

	passage := click(passagePrefix + string(bot.Simplified) + ":一¶7")
	doc := corpus.Default()
	at := slices.IndexFunc(doc.Paragraphs, func(p corpus.Paragraph) bool { return p.Label == "一¶7" })
	embeds, _ := passage["embeds"].([]any)
	if len(embeds) != 3 {
		t.Fatalf("%d embeds, want the paragraph and its neighbours", len(embeds))
	}
	for i, e := range embeds {
		em := e.(map[string]any)
		p := doc.Paragraphs[at-1+i]
		if d := fmt.Sprint(em["description"]); d != p.Text {
			t.Errorf("embed %d shows %.60q, want %s in full", i, d, p.Label)
		}
		if title := fmt.Sprint(em["title"]); !strings.HasPrefix(title, p.Label) {
			t.Errorf("embed %d titled %q, want %s", i, title, p.Label)
		}
		if u := fmt.Sprint(em["url"]); u != anchor.URL(publicURL, p.Label) {
			t.Errorf("embed %d links %q", i, u)
		}
	}

	how := click(howID)
	d := descriptions(how)
	for _, want := range []string{bot.Say(bot.Simplified, bot.MsgHowSearched, ""), link, "`1.00`", bot.Say(bot.Simplified, bot.MsgHowTop)} {
		if !strings.Contains(d, want) {
			t.Errorf("how I found this: %q lacks %q", d, want)
		}
	}
	footer := fmt.Sprint(how["embeds"].([]any)[0].(map[string]any)["footer"])
	if !strings.Contains(footer, docversion.Of(doc)) || !strings.Contains(footer, bot.Say(bot.Simplified, bot.MsgHowNoModel)) {
		t.Errorf("how I found this: footer %q, want the version and that no model wrote it", footer)
	}
}

// A model's answer streams into a mention's reply as it does into /ask's:
// the first checked sentence is posted, the rest edits that message, and
// the final edit has the buttons. Its inline citations link to the page,
// and "how I found this" names the model.
func TestMentionAnswerStreams(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	srv := oaitest.New(t, oaitest.Replies(oaitest.Chunks(
		// A sentence is shown once the next one begins.
		"秘书处设在北京[一¶7]。文件说", "「設在北京的秘書處」[一¶7]。").PauseAfter(1, gate)))
	h := startWith(t, fakediscord.Options{NoThreads: true}, Config{editInterval: 10 * time.Millisecond, PublicURL: publicURL},
		modelBot(t, srv, nil, bot.Config{}))
	channel := "810000000000000021"
	if _, err := h.srv.SendMessage(h.ctx, fakediscord.Message{ChannelID: channel, AuthorID: poster,
		Content: "<@" + h.srv.BotID + "> " + secretariatQ, MentionBot: true}); err != nil {
		t.Fatal(err)
	}
	first := h.wait(t, "the first sentence posted", postedIn(channel))
	if !strings.Contains(string(first.Body), "北京") || strings.Contains(string(first.Body), voteUp) {
		t.Errorf("first post %.300s: want the first sentence, no buttons yet", first.Body)
	}
	close(gate)
	final := h.wait(t, "the final edit", func(c fakediscord.Call) bool {
		return c.Method == "PATCH" && strings.HasPrefix(c.Path, "/channels/"+channel+"/messages/") && strings.Contains(string(c.Body), voteUp)
	}).JSON()
	d := descriptions(final)
	if !strings.Contains(d, "設在北京的秘書處") || !strings.Contains(d, "[一¶7]("+anchor.URL(publicURL, "一¶7")+")") {
		t.Errorf("final answer %q: want both sentences, the citation a link", d)
	}
	if !strings.Contains(fmt.Sprint(final["embeds"]), bot.Say(bot.Simplified, bot.MsgFooterModel, "fake-model")) {
		t.Errorf("footer does not name the model: %v", final["embeds"])
	}
	for _, c := range h.srv.Calls() {
		if postedIn(channel)(c) && c.Seq != first.Seq {
			t.Errorf("the answer was posted twice: call %d", c.Seq)
		}
	}
}

// A reply that the document does not address suggests what to try, and
// has no vote buttons; errors show no internal names, and /cite of a word
// that is no label points to /ask.
func TestRefusalsSayWhatToDo(t *testing.T) {
	t.Parallel()
	b, _ := realBot(t, -1)
	h := startWith(t, fakediscord.Options{}, Config{}, b)
	s := h.send(t, ask("红烧肉怎么做才好吃?"))
	m := h.reply(t, s, func(m map[string]any) bool { return m["content"] != nil })
	c := fmt.Sprint(m["content"])
	if !strings.Contains(c, "/cite 四(三)") || !strings.Contains(c, "金融机制") || hasVotes(m) {
		t.Errorf("not addressed: %q, buttons %v: want the closest sections to /cite, no votes", c, buttons(m))
	}
	for _, tc := range []struct{ label, want string }{
		{"9.9", bot.Say(bot.Traditional, bot.MsgUnknownLabel, "9.9", "")},
		{"hello there", bot.Say(bot.English, bot.MsgNoSuchLabel, "hello there")},
	} {
		s := h.send(t, fakediscord.Interaction{Name: "cite", Member: member(0),
			Options: []fakediscord.Option{{Name: "label", Type: fakediscord.OptionString, Value: tc.label}}})
		r := h.reply(t, s, func(m map[string]any) bool { return m["content"] != nil })
		got := fmt.Sprint(r["content"])
		prefix, _, _ := strings.Cut(tc.want, "；")
		if prefix, _, _ = strings.Cut(prefix, ";"); !strings.HasPrefix(got, prefix) || flags(r)&64 == 0 {
			t.Errorf("/cite %s: %q, want a private %q", tc.label, got, tc.want)
		}
		if tc.label == "hello there" && !strings.Contains(got, "/ask") {
			t.Errorf("/cite of a word: %q does not point to /ask", got)
		}
	}
	// The internal-name check of every test can fail.
	if !internalRe.MatchString(`corpus: unknown reference "9.9"`) {
		t.Error("internalRe misses a package prefix")
	}
}

// Two shards against one gateway identify as [0,2] and [1,2]; each
// answers its own guild's messages, and only shard 0 registers commands.
func TestShardsSplitTheGuilds(t *testing.T) {
	t.Parallel()
	guildA := "900000000000000003"
	guildB := fmt.Sprint(uint64(900000000000000003) + 1<<22) // the next shard's, of two
	srv := fakediscord.New(fakediscord.Options{Guilds: []string{guildA, guildB}})
	t.Cleanup(func() { closeAndCheck(t, srv) })
	shards := []*harness{
		startOn(t, srv, Config{Shard: 0, ShardCount: 2}, nil),
		startOn(t, srv, Config{Shard: 1, ShardCount: 2}, nil),
	}
	var got [][]int
	for _, id := range srv.Identifies() {
		got = append(got, id.Shard)
	}
	sort.Slice(got, func(i, j int) bool { return fmt.Sprint(got[i]) < fmt.Sprint(got[j]) })
	if fmt.Sprint(got) != "[[0 2] [1 2]]" {
		t.Fatalf("identified as %v, want [0 2] and [1 2]", got)
	}
	mention := "<@" + srv.BotID + "> "
	for _, g := range []string{guildA, guildB} {
		if _, err := srv.SendMessage(shards[0].ctx, fakediscord.Message{GuildID: g, ChannelID: "810000000000000031",
			AuthorID: poster, Content: mention + "問 " + g, MentionBot: true}); err != nil {
			t.Fatal(err)
		}
	}
	// Discord's rule: a guild is on shard (id >> 22) % count.
	shardOf := func(g string) int {
		id, _ := strconv.ParseUint(g, 10, 64)
		return int((id >> 22) % 2)
	}
	if shardOf(guildA) == shardOf(guildB) {
		t.Fatal("the test's guilds are on one shard")
	}
	for _, g := range []string{guildA, guildB} {
		i := shardOf(g)
		if r := shards[i].bot.next(t); r.Text != "問 "+g {
			t.Errorf("shard %d answered %q, want its guild's %q", i, r.Text, "問 "+g)
		}
	}
	for i, h := range shards {
		h.shutdown(t)
		if n := len(h.bot.requests()); n != 1 {
			t.Errorf("shard %d answered %d messages, want 1", i, n)
		}
	}
	puts := 0
	for _, c := range srv.Calls() {
		if isCommandsPut(c) {
			puts++
		}
	}
	if puts != 1 {
		t.Errorf("commands registered %d times, want once (by shard 0)", puts)
	}
}

// Bad settings fail Run with a clear error; channels the bot cannot see,
// and forums that are not forums, are warned about without stopping it.
func TestChannelSettingsChecked(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{Channels: []string{"#general"}},
		{ForumChannels: []string{"123", "help"}},
		{Shard: 2, ShardCount: 2},
		{Shard: 1},
		{ShardCount: -1},
	} {
		err := Run(context.Background(), Config{Token: "t", Channels: cfg.Channels, ForumChannels: cfg.ForumChannels,
			Shard: cfg.Shard, ShardCount: cfg.ShardCount}, newFakeBot())
		if err == nil || !strings.Contains(err.Error(), "discord: ") {
			t.Errorf("Run(%+v) = %v, want a clear error", cfg, err)
		}
	}
	missing := "810000000000000404"
	srv := fakediscord.New(fakediscord.Options{})
	t.Cleanup(func() { closeAndCheck(t, srv) })
	srv.AddChannel(fakediscord.Channel{ID: otherChan, Type: fakediscord.ChannelText})
	h := startOn(t, srv, Config{Channels: []string{missing}, ForumChannels: []string{otherChan}}, nil)
	h.logs.waitFor(t, "channel="+missing)
	h.logs.waitFor(t, "not a forum")
	// And it still answers.
	h.reply(t, h.send(t, ask("立場？")), hasEmbeds)
}

// OnGateway sees the session come up, drop and come back, for /readyz.
func TestOnGatewayFollowsTheConnection(t *testing.T) {
	t.Parallel()
	events := make(chan bool, 16)
	h := start(t, fakediscord.Options{}, Config{OnGateway: func(up bool) { events <- up }})
	next := func() bool {
		t.Helper()
		select {
		case up := <-events:
			return up
		case <-time.After(deadline):
			t.Fatal("no gateway event")
			return false
		}
	}
	if !next() {
		t.Fatal("first event: down, want up")
	}
	h.srv.DropGateway()
	if next() {
		t.Error("after a drop: up, want down")
	}
	if !next() {
		t.Error("after the reconnect: down, want up")
	}
	h.shutdown(t)
	if next() {
		t.Error("after stopping: up, want down")
	}
}

// A server that does not return the message an answer made (no
// with_response) is asked for it: the buttons under the answer still work.
func TestAnswerIDReadBack(t *testing.T) {
	t.Parallel()
	h := start(t, fakediscord.Options{NoCallbackResponse: true}, Config{})
	s := h.send(t, ask("立場？"))
	h.reply(t, s, hasVotes)
	h.wait(t, "the response read back", func(c fakediscord.Call) bool {
		return c.Method == "GET" && c.Path == h.srv.OriginalPath(s.Token)
	})
	msg := h.srv.OriginalID(s.Token)
	h.logs.waitFor(t, "message="+msg+"\n")
	cb := h.callback(t, h.send(t, fakediscord.Interaction{Type: fakediscord.TypeComponent, Member: member(0), CustomID: voteUp, MessageID: msg}))
	if c := fmt.Sprint(data(cb)["content"]); c != bot.Say(bot.Traditional, bot.MsgThanks) {
		t.Errorf("vote on a read-back answer: %q", c)
	}
}
