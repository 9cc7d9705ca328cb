package discord

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/internal/anchor"
)

// citationRE matches what citationSpans treats as a citation.
var citationRE = regexp.MustCompile(`\[[^\[\]\n]{0,40}\]`)

// checkSplit asserts splitText's contract for s and max.
func checkSplit(t *testing.T, s string, max int) []string {
	t.Helper()
	pieces := splitText(s, max)
	if strings.Join(pieces, "") != s {
		t.Fatalf("pieces do not join back to the input")
	}
	cuts := map[int]bool{}
	off := 0
	for i, p := range pieces {
		if p == "" {
			t.Fatalf("piece %d is empty", i)
		}
		if width(p) > max {
			t.Fatalf("piece %d is %d wide, max %d", i, width(p), max)
		}
		if utf8.ValidString(s) && !utf8.ValidString(p) {
			t.Fatalf("piece %d cuts a character: %q", i, p)
		}
		off += len(p)
		cuts[off] = true
	}
	for _, loc := range citationRE.FindAllStringIndex(s, -1) {
		if width(s[loc[0]:loc[1]]) > max {
			continue // cannot fit anyway
		}
		for c := loc[0] + 1; c < loc[1]; c++ {
			if cuts[c] && c != len(s) {
				t.Fatalf("cut inside the citation %q", s[loc[0]:loc[1]])
			}
		}
	}
	return pieces
}

func TestSplitText(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"fits", "一句話。", 10, []string{"一句話。"}},
		{"empty", "", 10, nil},
		{"between sentences", "第一句。第二句。第三句。", 9, []string{"第一句。第二句。", "第三句。"}},
		{"citation stays with its sentence", "甲乙丙。[三(四)¶2]丁戊己。", 14, []string{"甲乙丙。[三(四)¶2]", "丁戊己。"}},
		{"never inside a citation", "甲乙丙丁[三(四)¶2]戊", 10, []string{"甲乙丙丁", "[三(四)¶2]戊"}},
		{"question and exclamation", "可以嗎？可以！好的。", 5, []string{"可以嗎？", "可以！", "好的。"}},
		{"ascii sentences", "One. Two! Three?", 10, []string{"One. Two! ", "Three?"}},
		{"decimal point is not a sentence end", "Pi is 3.14 ok", 8, []string{"Pi is ", "3.14 ok"}},
		{"clause when no sentence end", "甲乙，丙丁戊己庚", 5, []string{"甲乙，", "丙丁戊己庚"}},
		{"closing quote stays", "他說「好。」然後走了。", 6, []string{"他說「好。」", "然後走了。"}},
		{"hard cut by rune", "一二三四五六七", 3, []string{"一二三", "四五六", "七"}},
		{"astral runes count two", "𠀀𠀀𠀀", 4, []string{"𠀀𠀀", "𠀀"}},
		{"newline", "第一行\n第二行", 5, []string{"第一行\n", "第二行"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkSplit(t, tc.in, tc.max)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("splitText(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
		})
	}
}

func FuzzSplitText(f *testing.F) {
	f.Add("成員國支持阿富汗成為獨立、中立、統一、民主、和平的國家。[三(四)¶2]消除恐怖主義。", 12)
	f.Add("Hello world. [序言¶3] 3.14! 𠀀𠀀 [五(十三)¶1]。", 5)
	f.Add("[[[]]]]][", 2)
	f.Add("\xff\xfe。。。", 3)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 2 || max > 200 || len(s) > 4000 {
			t.Skip()
		}
		checkSplit(t, s, max)
	})
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"短", 5, "短"},
		{"一二三四五六", 4, "一二三…"},
		{"𠀀𠀀𠀀", 4, "𠀀…"},
		{"abc", 0, ""},
	} {
		if got := truncate(tc.in, tc.max); got != tc.want || width(got) > tc.max {
			t.Errorf("truncate(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func TestRenderReply(t *testing.T) {
	t.Parallel()
	cite := func(n int, text string) []bot.Citation {
		var cs []bot.Citation
		for i := 0; i < n; i++ {
			cs = append(cs, bot.Citation{Label: "五(十三)¶1", Section: "五、（十三）" + strings.Repeat("節", 300), Text: text})
		}
		return cs
	}
	long := strings.Repeat("成員國強調應加強合作。[一¶7]", 1000)
	for _, tc := range []struct {
		name       string
		reply      bot.Reply
		wantMsgs   int // 0: at least one
		wantFields int
		plain      bool
		// capped: the reply is cut to maxMessages, the last ending with a
		// note of the passages (or the text) not shown.
		capped bool
	}{
		{"short answer", bot.Reply{Question: "問", Answer: "答。[三(四)¶2]", Citations: cite(1, "原文"), Grounded: true}, 1, 1, false, false},
		{"plain text without citations", bot.Reply{Answer: "用 /ask 提問。", Mode: "help"}, 1, 0, true, false},
		{"empty error", bot.Reply{Err: errTest, Private: true}, 1, 0, true, false},
		{"long plain text", bot.Reply{Answer: strings.Repeat("說明。", 1500)}, 3, 0, true, false},
		{"long answer", bot.Reply{Question: strings.Repeat("問", 300), Answer: long, Citations: cite(3, "原文")}, 0, 3, false, false},
		// The section is named on its first passage only, so five passages
		// of 1,024 characters fit a message.
		{"many citations", bot.Reply{Answer: "答。", Citations: cite(60, strings.Repeat("文", 2000)), Notice: "模型暫時無法使用"}, maxMessages, 20, false, true},
		{"some citations", bot.Reply{Answer: "答。", Citations: cite(10, strings.Repeat("文", 2000))}, 2, 10, false, false},
		{"huge plain text", bot.Reply{Answer: strings.Repeat("說明。", 40000), Private: true}, maxMessages, 0, true, true},
		{"empty citation text", bot.Reply{Answer: "答。", Citations: []bot.Citation{{Label: "序言¶3"}}}, 1, 1, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs := renderReply(tc.reply, "")
			if len(msgs) == 0 || (tc.wantMsgs > 0 && len(msgs) != tc.wantMsgs) {
				t.Fatalf("%d messages, want %d", len(msgs), tc.wantMsgs)
			}
			fields := 0
			var text strings.Builder
			for i, m := range msgs {
				if width(m.Content) > maxContent || len(m.Embeds) > maxEmbeds || embedsWidth(m.Embeds) > maxEmbedsTotal {
					t.Errorf("message %d over limits: content %d, %d embeds, %d in embeds",
						i, width(m.Content), len(m.Embeds), embedsWidth(m.Embeds))
				}
				if tc.plain != (len(m.Embeds) == 0) {
					t.Errorf("message %d: plain=%v but has %d embeds", i, tc.plain, len(m.Embeds))
				}
				text.WriteString(m.Content)
				for _, e := range m.Embeds {
					text.WriteString(e.Description)
					if width(e.Title) > maxEmbedTitle || width(e.Description) > maxEmbedDescription || len(e.Fields) > maxFields {
						t.Errorf("embed over limits: title %d, description %d, %d fields", width(e.Title), width(e.Description), len(e.Fields))
					}
					if e.Footer != nil && width(e.Footer.Text) > maxFooter {
						t.Errorf("footer of %d", width(e.Footer.Text))
					}
					for _, f := range e.Fields {
						if width(f.Name) > maxFieldName || width(f.Value) > maxFieldValue || f.Name == "" || f.Value == "" {
							t.Errorf("field over limits or empty: name %d, value %d", width(f.Name), width(f.Value))
						}
						fields++
					}
				}
			}
			if fields != tc.wantFields {
				t.Errorf("%d citation fields, want %d", fields, tc.wantFields)
			}
			shown := text.String()
			if tc.capped {
				note := bot.Say(tc.reply.Lang, bot.MsgTooLongToShow)
				if n := len(tc.reply.Citations) - fields; n > 0 {
					note = bot.Say(tc.reply.Lang, bot.MsgNotShown, n)
				}
				var ok bool
				if shown, ok = strings.CutSuffix(shown, note); !ok {
					t.Errorf("the last message does not end with %q: …%s", note, tail(shown, 40))
				}
			}
			if tc.reply.Answer != "" && !tc.plain && shown != tc.reply.Answer {
				t.Error("the answer is not shown whole, in order")
			}
		})
	}
}

// tail is the last n runes of s.
func tail(s string, n int) string {
	r := []rune(s)
	return string(r[max(0, len(r)-n):])
}

// Text from the model or the document shows as written: no mention, no
// link under other words, in any part of a message.
func TestRenderEscapesMarkup(t *testing.T) {
	t.Parallel()
	bad := "見 [官方公告](https://evil.example/phish) @everyone <@123456789012345678> <@&456789012345678901>"
	r := bot.Reply{Question: "問 @here", Answer: "答。" + bad, Notice: bad, Mode: "llm", Grounded: true,
		Citations: []bot.Citation{{Label: "一¶7", Section: "一、" + bad, Text: "原文" + bad}}}
	for _, m := range renderReply(r, "") {
		all := m.Content
		for _, e := range m.Embeds {
			all += e.Title + e.Description
			if e.Footer != nil {
				all += e.Footer.Text
			}
			for _, f := range e.Fields {
				all += f.Name + f.Value
			}
		}
		for _, raw := range []string{"](", "@everyone", "@here", "<@1", "<@&"} {
			if strings.Contains(all, raw) {
				t.Errorf("%q is rendered: %q", raw, all)
			}
		}
	}
	plain := renderReply(bot.Reply{Answer: bad, Private: true}, "")
	if len(plain) != 1 || strings.Contains(plain[0].Content, "@everyone") || strings.Contains(plain[0].Content, "](") {
		t.Errorf("plain text %+v is not escaped", plain)
	}
}

var errTest = &testError{}

type testError struct{}

func (*testError) Error() string { return "boom" }

// The footer says in words, in the reply's language, where the answer
// came from; nothing internal ("extractive", "mode").
func TestFooterInWords(t *testing.T) {
	t.Parallel()
	cites := []bot.Citation{{Label: "一¶7", Section: "一、", Text: "原文"}}
	for _, tc := range []struct {
		name string
		r    bot.Reply
		want string
	}{
		{"quoted", bot.Reply{Mode: bot.ModeExtractive, Outcome: bot.Answered, Lang: bot.English}, bot.Say(bot.English, bot.MsgFooterQuoted)},
		{"section", bot.Reply{Mode: bot.ModeSection, Outcome: bot.Answered, Lang: bot.Traditional}, bot.Say(bot.Traditional, bot.MsgFooterQuoted)},
		{"model", bot.Reply{Mode: bot.ModeLLM, Model: "gpt-x", Outcome: bot.Answered, Lang: bot.Simplified}, bot.Say(bot.Simplified, bot.MsgFooterModel, "gpt-x")},
		{"uncertain", bot.Reply{Mode: bot.ModeExtractive, Outcome: bot.Uncertain, Uncertain: true, Lang: bot.English}, bot.Say(bot.English, bot.MsgFooterUncertain)},
		{"not addressed", bot.Reply{Mode: bot.ModeLLM, Model: "gpt-x", Outcome: bot.NotAddressed, Lang: bot.English}, ""},
		{"notice and removed", bot.Reply{Mode: bot.ModeLLM, Model: "m", Notice: "N", Removed: 2, Lang: bot.English},
			"N · " + bot.Say(bot.English, bot.MsgFooterModel, "m") + " · " + bot.Say(bot.English, bot.MsgRemoved, 2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.r.Citations, tc.r.Answer, tc.r.Grounded = cites, "答。[一¶7]", true
			if got := footerText(tc.r); got != tc.want {
				t.Errorf("footer %q, want %q", got, tc.want)
			}
			for _, internal := range []string{"extractive", "mode", "llm", "模式"} {
				if strings.Contains(footerText(tc.r), internal) {
					t.Errorf("footer %q shows %q", footerText(tc.r), internal)
				}
			}
		})
	}
}

// A section's path is shown once, on its first passage, and not at all
// when the line above is that path (a /cite of one section).
func TestSectionNamedOnce(t *testing.T) {
	t.Parallel()
	cite := func(label, section string) bot.Citation {
		return bot.Citation{Label: label, Section: section, Text: "原文"}
	}
	a, b := "三、安全領域 › （四）禁毒合作", "三、安全領域 › （五）信息安全"
	for _, tc := range []struct {
		name string
		r    bot.Reply
		want []string
	}{
		{"cite of a section", bot.Reply{Mode: bot.ModeCite, Lead: a, Answer: "x",
			Citations: []bot.Citation{cite("三(四)¶1", a), cite("三(四)¶2", a), cite("三(四)¶3", a)}},
			[]string{"三(四)¶1", "三(四)¶2", "三(四)¶3"}},
		{"answer over two sections", bot.Reply{Mode: bot.ModeExtractive, Lead: "lead", Answer: "x",
			Citations: []bot.Citation{cite("三(四)¶1", a), cite("三(四)¶2", a), cite("三(五)¶1", b)}},
			[]string{"三(四)¶1 · " + a, "三(四)¶2", "三(五)¶1 · " + b}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var names []string
			for _, m := range renderReply(tc.r, "") {
				for _, e := range m.Embeds {
					for _, f := range e.Fields {
						names = append(names, f.Name)
					}
				}
			}
			if strings.Join(names, "|") != strings.Join(tc.want, "|") {
				t.Errorf("fields %q, want %q", names, tc.want)
			}
		})
	}
}

// With a public URL, each citation's field opens with a masked link to its
// paragraph, and each [label] in a model's answer becomes one; the label
// shown is escaped, a link the model wrote is not followed, and without a
// URL nothing is linked.
func TestCitationLinks(t *testing.T) {
	t.Parallel()
	const base = "https://cite.example.org/a(b)"
	r := bot.Reply{Mode: bot.ModeLLM, Model: "m", Grounded: true, Lang: bot.English,
		Answer:    "Seat in Beijing [一¶7] and [the rules](https://evil.example) [un*cited] [a_b:1¶2].",
		Citations: []bot.Citation{{Label: "一¶7", Section: "一、", Text: "原文"}, {Label: "a_b:1¶2", Section: "1", Text: "Text"}}}
	u := strings.NewReplacer("(", "%28", ")", "%29").Replace(anchor.URL(base, "一¶7"))
	msgs := renderReply(r, base)
	d := msgs[0].Embeds[0].Description
	for _, want := range []string{"[一¶7](" + u + ")", `[a\_b:1¶2](`, `[the rules]\(https://evil.example)`, "[un*cited]"} {
		if !strings.Contains(d, want) {
			t.Errorf("answer %q lacks %q", d, want)
		}
	}
	if v := msgs[0].Embeds[0].Fields[0].Value; !strings.HasPrefix(v, "[一¶7]("+u+")\n原文") {
		t.Errorf("field value %q does not open with the link", v)
	}
	for _, m := range renderReply(r, "") {
		for _, e := range m.Embeds {
			if strings.Contains(e.Description, "](http") {
				t.Errorf("linked without a URL: %q", e.Description)
			}
		}
	}
	// A long answer is never cut inside a link.
	long := bot.Reply{Mode: bot.ModeLLM, Grounded: true, Citations: r.Citations[:1],
		Answer: strings.Repeat("成員國強調應加強合作[一¶7]", 600)}
	for _, m := range renderReply(long, base) {
		for _, e := range m.Embeds {
			if strings.Count(e.Description, "[一¶7](") != strings.Count(e.Description, "%B67)") {
				t.Errorf("a link was cut: …%s", tail(e.Description, 60))
			}
		}
	}
}

// The buttons fit Discord's limits: five rows of five at most, labels and
// ids within theirs; votes only on public answers that address the
// question.
func TestComponents(t *testing.T) {
	t.Parallel()
	var cs []bot.Citation
	for i := range 30 {
		cs = append(cs, bot.Citation{Label: fmt.Sprintf("五(十三)¶%d", i+1)})
	}
	cs = append(cs, bot.Citation{Label: strings.Repeat("長", 40)}) // too long for an id
	answer := bot.Reply{Mode: bot.ModeExtractive, Outcome: bot.Answered, Answer: "a", Citations: cs, Trace: &bot.Trace{}}
	for _, tc := range []struct {
		name    string
		r       bot.Reply
		private bool
		post    bool
		want    []string // the first row's ids
	}{
		{"public answer", answer, false, false, []string{voteUp, voteDown, howID}},
		{"private answer to the menu", answer, true, true, []string{howID, postID}},
		{"not addressed", bot.Reply{Mode: bot.ModeExtractive, Outcome: bot.NotAddressed, Answer: "n", Trace: &bot.Trace{}}, false, false, []string{howID}},
		{"refusal", bot.Reply{Mode: bot.ModeError, Answer: "no", Private: true, Err: errTest}, true, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := components(tc.r, bot.English, buttonsFor(tc.r, tc.private, tc.post))
			if len(rows) > maxRows {
				t.Fatalf("%d rows", len(rows))
			}
			var first []string
			for i, row := range rows {
				bs := row.(discordgo.ActionsRow).Components
				if len(bs) > maxRowButtons || len(bs) == 0 {
					t.Errorf("row %d has %d buttons", i, len(bs))
				}
				for _, c := range bs {
					b := c.(discordgo.Button)
					if len(b.CustomID) > maxCustomID || width(b.Label) > maxButtonLabel {
						t.Errorf("button %q over limits", b.CustomID)
					}
					if i == 0 && !strings.HasPrefix(b.CustomID, passagePrefix) {
						first = append(first, b.CustomID)
					}
				}
			}
			if strings.Join(first, ",") != strings.Join(tc.want, ",") {
				t.Errorf("first row %v, want %v", first, tc.want)
			}
			if len(tc.r.Citations) > 0 && len(rows) != maxRows {
				t.Errorf("%d rows for %d citations, want all %d", len(rows), len(tc.r.Citations), maxRows)
			}
		})
	}
}
