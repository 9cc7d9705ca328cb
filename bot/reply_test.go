package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/internal/docversion"
	"github.com/citebot/citebot/internal/oaitest"
)

// Every message has its three languages, each with the same arguments,
// in its own script; a transport can show any of them.
func TestMessageTable(t *testing.T) {
	verb := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
	for m := MsgNotAddressed; m <= MsgQuoted; m++ {
		texts, ok := messages[m]
		if !ok {
			t.Errorf("Msg(%d) has no texts", m)
			continue
		}
		want := verb.FindAllString(texts[2], -1)
		for i, l := range []Lang{Simplified, Traditional, English} {
			text := texts[i]
			if strings.TrimSpace(text) == "" {
				t.Errorf("Msg(%d) in %s is empty", m, l)
			}
			if got := verb.FindAllString(text, -1); !slices.Equal(got, want) {
				t.Errorf("Msg(%d) in %s takes %v, English %v", m, l, got, want)
			}
			switch l {
			case English:
				// The Discord help names the scripts in their own writing.
				if analysis.HasHan(text) && m != MsgHelp {
					t.Errorf("Msg(%d) in English has Chinese: %q", m, text)
				}
			case Simplified:
				if analysis.IsTraditional(text) {
					t.Errorf("Msg(%d) in Simplified has Traditional characters: %q", m, text)
				}
			case Traditional:
				for _, r := range text {
					if c := string(r); analysis.HasHan(c) && !analysis.IsTraditional(c) && analysis.Script(c, Traditional) != c {
						t.Errorf("Msg(%d) in Traditional has the Simplified %q: %q", m, c, text)
					}
				}
			}
		}
	}
	if got := Say(English, Msg(-1)); got != "Msg(-1)" {
		t.Errorf("an unknown message says %q", got)
	}
}

func TestLanguageOf(t *testing.T) {
	for _, tc := range []struct {
		text     string
		fallback Lang
		want     Lang
	}{
		{"Where is it?", Traditional, English},
		{"在哪裡?", English, Traditional},
		{"在哪里?", English, Simplified},
		{"3.4", Traditional, Traditional},
		{"👍", "", English},
	} {
		if got := LanguageOf(tc.text, tc.fallback); got != tc.want {
			t.Errorf("LanguageOf(%q, %q) = %q, want %q", tc.text, tc.fallback, got, tc.want)
		}
	}
}

// A passage is shown with the paragraphs before and after it, in the
// language asked for; at the document's ends there is one neighbour.
func TestPassage(t *testing.T) {
	b := newBot(t, Config{})
	doc := corpus.Default()
	last := doc.Paragraphs[len(doc.Paragraphs)-1].Label
	for _, tc := range []struct {
		label string
		lang  Lang
		want  []string
	}{
		{"一¶7", English, []string{"一¶6", "一¶7", "一¶8"}},
		{doc.Paragraphs[0].Label, Traditional, []string{doc.Paragraphs[0].Label, doc.Paragraphs[1].Label}},
		{last, Simplified, []string{doc.Paragraphs[len(doc.Paragraphs)-2].Label, last}},
		{"1.7", English, []string{"一¶6", "一¶7", "一¶8"}}, // an alias still names it
	} {
		r := b.Handle(context.Background(), Request{Kind: KindPassage, Text: tc.label, Lang: tc.lang}, nil)
		if r.Err != nil || r.Mode != ModePassage || !slices.Equal(citedLabels(r), tc.want) || r.Lang != tc.lang {
			t.Errorf("%s: %v %s %v in %s, want %v in %s", tc.label, r.Err, r.Mode, citedLabels(r), r.Lang, tc.want, tc.lang)
		}
		for _, c := range r.Citations {
			if p, _ := doc.Resolve(c.Label); len(p) != 1 || p[0].Text != c.Text {
				t.Errorf("%s: %s is not shown in full", tc.label, c.Label)
			}
		}
	}
	for _, bad := range []string{"", "九(九)¶9", strings.Repeat("x", 100)} {
		if r := b.Handle(context.Background(), Request{Kind: KindPassage, Text: bad, Lang: English}, nil); r.Err == nil || !r.Private {
			t.Errorf("passage %q: %+v, want a private refusal", bad, r)
		}
	}
}

// Every answer says how it was found: the query as searched, the best
// passages with their scores, the document's version, and the model.
func TestTrace(t *testing.T) {
	b := newBot(t, Config{})
	doc := corpus.Default()
	r := b.Handle(context.Background(), Request{Kind: KindAsk, Text: "上合组织秘书处设在哪里?"}, nil)
	tr := r.Trace
	if tr == nil {
		t.Fatal("no trace")
	}
	if len(tr.Queries) != 1 || !strings.Contains(tr.Queries[0], "秘书处") || len(tr.Hits) == 0 || tr.Hits[0].Label != "一¶7" ||
		tr.Hits[0].Score <= 0 || tr.Version != docversion.Of(doc) || tr.Model != "" || tr.Paragraphs != len(doc.Paragraphs) {
		t.Errorf("trace %+v", tr)
	}
	if len(tr.Hits) > maxTraceHits {
		t.Errorf("%d hits kept, want at most %d", len(tr.Hits), maxTraceHits)
	}
	// Refusals searched nothing.
	if r := b.Handle(context.Background(), Request{Kind: KindAsk, Text: " "}, nil); r.Trace != nil {
		t.Errorf("an empty question has a trace: %+v", r.Trace)
	}
	if r := b.Handle(context.Background(), Request{Kind: KindCite, Text: "一¶7"}, nil); r.Trace != nil {
		t.Errorf("/cite has a trace: %+v", r.Trace)
	}

	// With a model over the budget: the question and the rewrites, the
	// fused passages, and the model that wrote the answer.
	srv := oaitest.New(t, oaitest.WithChat(reader("設在北京的秘書處", "常设机构 北京 秘书处")))
	mb := llmBot(t, srv, Config{ContextTokens: reservedTokens + 1500})
	r = mb.Handle(context.Background(), Request{Kind: KindAsk, Text: "秘书处在哪?"}, nil)
	if r.Mode != ModeLLM || r.Trace == nil {
		t.Fatalf("model answer %s %q, trace %+v", r.Mode, r.Answer, r.Trace)
	}
	tr = r.Trace
	if len(tr.Queries) != 2 || !strings.Contains(tr.Queries[1], "常设机构") || tr.Model != "fake-model" || tr.Whole || len(tr.Hits) == 0 {
		t.Errorf("model trace %+v, want the question and its rewrite, by fake-model", tr)
	}
	// A document that fits is read whole.
	wb := llmBot(t, oaitest.New(t, oaitest.WithChat(reader("設在北京的秘書處"))), Config{})
	if r := wb.Handle(context.Background(), Request{Kind: KindAsk, Text: "秘书处在哪?"}, nil); r.Trace == nil || !r.Trace.Whole {
		t.Errorf("whole-document trace %+v", r.Trace)
	}
}

// A question the document does not address names the sections nearest it,
// in the asker's script, for transports that suggest what to read.
func TestNotAddressedNamesTheClosestSections(t *testing.T) {
	b := newBot(t, Config{})
	r := b.Handle(context.Background(), Request{Kind: KindAsk, Text: "红烧肉怎么做才好吃?"}, nil)
	if r.Outcome != NotAddressed || len(r.Closest) == 0 || len(r.Closest) > maxClosest {
		t.Fatalf("%s with %d sections, want not addressed with 1 to %d", r.Outcome, len(r.Closest), maxClosest)
	}
	doc := corpus.Default()
	for _, c := range r.Closest {
		if _, err := doc.Resolve(c.Key); err != nil {
			t.Errorf("%q cannot be cited: %v", c.Key, err)
		}
		if analysis.IsTraditional(c.Title) {
			t.Errorf("title %q is not in the asker's Simplified", c.Title)
		}
	}
}

// A conversation the transport remembers and the bot does not (a forum
// post answered before a restart) gives a follow-up its context.
func TestPreviousFromTheTransport(t *testing.T) {
	b := newBot(t, Config{})
	req := Request{Kind: KindAsk, Text: "那它的反恐机构呢?", Conversation: "post-1", Previous: []string{"上合组织秘书处设在哪里?"}}
	r := b.Handle(context.Background(), req, nil)
	if r.Trace == nil || len(r.Trace.Queries) != 1 || !strings.Contains(r.Trace.Queries[0], "秘书处") {
		t.Errorf("follow-up searched %+v, want it with the post's question", r.Trace)
	}
	// Once the bot knows the conversation, its own memory counts.
	req.Text, req.Previous = "那它呢?", []string{"红烧肉怎么做?"}
	if r := b.Handle(context.Background(), req, nil); r.Trace == nil || strings.Contains(fmt.Sprint(r.Trace.Queries), "红烧肉") {
		t.Errorf("a later follow-up used the transport's context over the bot's: %+v", r.Trace)
	}
}

// A reload's failure is said in the admin's language, without the error's
// own (English, package-prefixed) text.
func TestReloadFailureInTheAdminsLanguage(t *testing.T) {
	b := newBot(t, Config{DataDir: t.TempDir()})
	for _, tc := range []struct {
		data []byte
		lang Lang
		want string
	}{
		{[]byte("成員國\xff\xfe"), Traditional, Say(Traditional, MsgDocNotUTF8)},
		{[]byte("a\x00b"), English, Say(English, MsgDocBinary)},
		{[]byte("   \n"), Simplified, Say(Simplified, MsgDocEmpty)},
	} {
		r := b.Handle(context.Background(), Request{Kind: KindReload, Perms: Perms{Administrator: true}, Lang: tc.lang,
			Attachments: []Attachment{{Name: "x.txt", Data: tc.data}}}, nil)
		if r.Err == nil || !strings.HasSuffix(r.Answer, tc.want) || strings.Contains(r.Answer, "corpus") {
			t.Errorf("%q: %q, want it to end with %q", tc.data, r.Answer, tc.want)
		}
	}
	if got := userError(errors.New("open /var/lib/citebot/x: permission denied"), English); strings.Contains(got, "/var") {
		t.Errorf("an unknown error shows its text: %q", got)
	}
}
