package bot

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/internal/oaitest"
	"github.com/citebot/citebot/llm"
)

// While a model answer streams, progress shows only sentences that passed
// the citation check: never an unknown label, a false quotation or a link
// the document does not have, and each partial is the start of what the
// final answer shows.
func TestStreamingShowsOnlyCheckedText(t *testing.T) {
	srv := oaitest.New(t, oaitest.Replies(oaitest.Chunks(
		"秘书处设在北京[一¶7]。",
		"宣言写道「秘书处设在上海并负责全部事务」[一¶7]。",
		"总部大楼有二十层[九(九)¶9]。",
		"详见[官方公告](https://evil.example/phish)。",
		"文件说「設在北京的秘書處」",
		"[一¶7]。",
	)))
	b := llmBot(t, srv, Config{})
	var partials []string
	r := b.Handle(context.Background(), Request{Kind: KindAsk, Text: secretariat}, func(p Reply) { partials = append(partials, p.Answer) })
	if r.Mode != ModeLLM || !slices.Equal(citedLabels(r), []string{"一¶7"}) {
		t.Fatalf("reply %s %v: %q", r.Mode, citedLabels(r), r.Answer)
	}
	if len(partials) < 2 {
		t.Fatalf("partials %q: want the checked sentences streamed", partials)
	}
	for i, p := range append(partials, r.Answer) {
		for _, bad := range []string{"九(九)¶9", "负责全部事务", "evil.example", "](", "设在上海"} {
			if strings.Contains(p, bad) {
				t.Errorf("partial %d %q shows %q", i, p, bad)
			}
		}
		if !strings.HasPrefix(r.Answer, p) {
			t.Errorf("partial %d %q is not the start of the answer %q", i, p, r.Answer)
		}
	}
	if !strings.Contains(r.Answer, "详见官方公告。") {
		t.Errorf("the link's text should stay without its address: %q", r.Answer)
	}
}

// sse streams parts and then reports prompt tokens in a usage chunk, as
// servers do when asked to include usage.
func sse(promptTokens int, parts ...string) oaitest.Reply {
	var b strings.Builder
	event := func(v any) {
		data, _ := json.Marshal(v)
		b.WriteString("data: " + string(data) + "\n\n")
	}
	for _, p := range parts {
		event(map[string]any{"id": "c", "object": "chat.completion.chunk", "model": "m",
			"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": p}}}})
	}
	event(map[string]any{"id": "c", "object": "chat.completion.chunk", "model": "m",
		"choices": []any{map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": "stop"}}})
	event(map[string]any{"id": "c", "object": "chat.completion.chunk", "model": "m", "choices": []any{},
		"usage": map[string]any{"prompt_tokens": promptTokens, "completion_tokens": 9, "total_tokens": promptTokens + 9}})
	b.WriteString("data: [DONE]\n\n")
	return oaitest.RawSSE(b.String())
}

// An answer streamed from a prompt the server cut is asked again with
// retrieval: what was shown of it is withdrawn (an empty partial) before
// anything of the second answer, and nothing of it stays.
func TestWithdrawnAnswerIsNotShown(t *testing.T) {
	srv := oaitest.New(t, oaitest.WithChat(func(r oaitest.Request) oaitest.Reply {
		p, _ := r.Prompt()
		switch {
		case p.IsRewrite():
			return oaitest.Text(p.Question)
		case strings.Contains(p.User, "whole document"):
			return sse(2048, "第一次：秘书处设在北京[一¶7]。", "第一次的第二句[一¶7]。", "第一次的第三句[一¶7]。")
		}
		return sse(100_000, "文件说「設在北京的秘書處」[一¶7]。", "第二次的第二句[一¶7]。")
	}))
	b := llmBot(t, srv, Config{})
	var partials []string
	r := b.Handle(context.Background(), Request{Kind: KindAsk, Text: secretariat}, func(p Reply) { partials = append(partials, p.Answer) })
	if r.Mode != ModeLLM || strings.Contains(r.Answer, "第一次") {
		t.Fatalf("reply %s %q, want the second answer", r.Mode, r.Answer)
	}
	w := slices.Index(partials, "")
	if w < 1 {
		t.Fatalf("partials %q: want the first answer's, then a withdrawal", partials)
	}
	for i, p := range partials {
		if first := strings.Contains(p, "第一次"); first != (i < w) {
			t.Errorf("partial %d %q: the first answer's text must show only before the withdrawal (%d)", i, p, w)
		}
	}
}

// A model that ignores max_tokens is read no further than llm.MaxReplyRunes
// characters, and the sentence the bound cut is dropped.
func TestRunawayReplyIsBounded(t *testing.T) {
	sentence := "秘书处设在北京[一¶7]。"
	huge := strings.Repeat(sentence, 300_000/utf8.RuneCountInString(sentence)) // 300k characters
	srv := oaitest.New(t, oaitest.Replies(oaitest.Chunks(strings.Repeat("秘书处设在北京[一¶7]。", 1), huge[:len(huge)/2], huge[len(huge)/2:])))
	b := llmBot(t, srv, Config{})
	r := b.Handle(context.Background(), Request{Kind: KindAsk, Text: secretariat}, nil)
	if r.Mode != ModeLLM {
		t.Fatalf("reply %s %q", r.Mode, r.Answer)
	}
	if n := utf8.RuneCountInString(r.Answer); n > llm.MaxReplyRunes {
		t.Errorf("answer of %d characters, over the bound of %d", n, llm.MaxReplyRunes)
	}
	if !strings.HasSuffix(r.Answer, "。") {
		t.Errorf("the answer ends mid-sentence: …%s", string([]rune(r.Answer)[utf8.RuneCountInString(r.Answer)-8:]))
	}
}

// Links in model text survive only when the document has them: a Markdown
// link elsewhere keeps its words, a bare address elsewhere is dropped.
func TestModelLinksOnlyFromTheDocument(t *testing.T) {
	doc, err := corpus.ParseFiles([]corpus.File{{Name: "contact.md", Data: []byte(
		"# Contact\n\n## Writing to us\n\nWrite to the team at https://example.org/contact or see [the rules](https://example.org/rules).\n")}})
	if err != nil {
		t.Fatal(err)
	}
	label := doc.Paragraphs[0].Label
	for _, p := range doc.Paragraphs {
		if strings.Contains(p.Text, "Write to the team") {
			label = p.Label
		}
	}
	srv := oaitest.New(t, oaitest.Replies(oaitest.Text("Write to https://example.org/contact ["+label+"]. "+
		"See [the official notice](https://evil.example/phish), https://evil.example/x and [the rules](https://example.org/rules).")))
	b := llmBot(t, srv, Config{Searcher: libraryOf(t, doc)})
	r := b.Handle(context.Background(), Request{Kind: KindAsk, Text: "How do I contact the team?"}, nil)
	if r.Mode != ModeLLM {
		t.Fatalf("reply %s %q", r.Mode, r.Answer)
	}
	for _, want := range []string{"https://example.org/contact", "the official notice", "[the rules](https://example.org/rules)"} {
		if !strings.Contains(r.Answer, want) {
			t.Errorf("answer %q lacks %q", r.Answer, want)
		}
	}
	if strings.Contains(r.Answer, "evil.example") {
		t.Errorf("answer %q keeps a link the document does not have", r.Answer)
	}
}

// /cite has a rate limit of its own: as many a minute as questions, without
// using up the questions.
func TestCiteRateLimit(t *testing.T) {
	b := newBot(t, Config{RatePerMinute: 2})
	cite := func() Reply {
		return b.Handle(context.Background(), Request{Kind: KindCite, Text: "1.7", UserID: "u1"}, nil)
	}
	for i := range 2 {
		if r := cite(); r.Err != nil {
			t.Fatalf("cite %d: %v", i+1, r.Err)
		}
	}
	if r := cite(); r.Err != ErrRateLimited || !r.Private {
		t.Errorf("third cite: %+v, want a private rate-limit reply", r)
	}
	if r := b.Handle(context.Background(), Request{Kind: KindAsk, Text: secretariat, UserID: "u1"}, nil); r.Err != nil {
		t.Errorf("a question after the cites: %v", r.Err)
	}
	if r := b.Handle(context.Background(), Request{Kind: KindCite, Text: "1.7", UserID: "u2"}, nil); r.Err != nil {
		t.Errorf("another user's cite: %v", r.Err)
	}
}

// A user who votes again on the same answer changes their vote: the
// feedback log keeps one line, the latest, per user and answer.
func TestRepeatedVoteKeepsTheLatest(t *testing.T) {
	dir := t.TempDir()
	b := newBot(t, Config{DataDir: dir})
	votes := []Vote{
		{UserID: "u1", Up: true, Question: "q", AnswerID: "m1"},
		{UserID: "u2", Up: true, Question: "q", AnswerID: "m1"},
		{UserID: "u1", Up: false, Question: "q", AnswerID: "m1"},
		{UserID: "u1", Up: true, Question: "q2", AnswerID: "m2"},
		{UserID: "u1", Up: true, Question: "q", AnswerID: "m1"},
	}
	for _, v := range votes {
		if err := b.RecordVote(context.Background(), v); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "feedback.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var got []Vote
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var v Vote
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	want := []Vote{votes[1], votes[3], votes[4]}
	if len(got) != len(want) {
		t.Fatalf("%d lines %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i].UserID != want[i].UserID || got[i].Up != want[i].Up || got[i].AnswerID != want[i].AnswerID {
			t.Errorf("line %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// A server that cuts the retrieved passages too leaves the passages
// themselves as the answer, never an empty reply.
func TestTruncatedTwiceFallsBack(t *testing.T) {
	srv := oaitest.New(t, oaitest.WithChat(func(r oaitest.Request) oaitest.Reply {
		if p, _ := r.Prompt(); p.IsRewrite() {
			return oaitest.Text(p.Question)
		}
		return sse(10, "秘书处设在北京[一¶7]。")
	}))
	r := llmBot(t, srv, Config{}).Handle(context.Background(), Request{Kind: KindAsk, Text: secretariat}, nil)
	if r.Mode != ModeExtractive || r.Notice == "" || !strings.Contains(r.Answer, "一¶7") {
		t.Errorf("reply %s %q (notice %q), want the passages with a notice", r.Mode, r.Answer, r.Notice)
	}
}
