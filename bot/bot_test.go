package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/glossary"
	"github.com/citebot/citebot/internal/upload"
	"github.com/citebot/citebot/retrieval"
)

var lexicon = retrieval.GlossaryLexicon{Glossary: glossary.Default()}

func newLibrary(t testing.TB) *retrieval.Library {
	t.Helper()
	return libraryOf(t, corpus.Default())
}

func libraryOf(t testing.TB, doc *corpus.Document) *retrieval.Library {
	t.Helper()
	lib, err := retrieval.NewLibrary(context.Background(), doc, retrieval.LocalEmbedder, retrieval.Options{Lexicon: lexicon})
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

const declarationTitle = "上海合作组织二十周年杜尚别宣言"

func newBot(t testing.TB, cfg Config) *Bot {
	t.Helper()
	if cfg.Searcher == nil {
		cfg.Searcher = newLibrary(t)
	}
	if cfg.RatePerMinute == 0 {
		cfg.RatePerMinute = -1
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func citedLabels(r Reply) []string {
	out := make([]string, len(r.Citations))
	for i, c := range r.Citations {
		out[i] = c.Label
	}
	return out
}

func TestAskExtractive(t *testing.T) {
	b := newBot(t, Config{})
	tests := []struct {
		question, label, lead string
	}{
		{"上合组织秘书处设在哪里?", "一¶7", "《" + declarationTitle + "》在"},
		{"上合組織秘書處設在哪裡?", "一¶7", "《上海合作組織二十周年杜尚別宣言》在"},
		{"Where is the SCO Secretariat based?", "一¶7", "上海合作組織二十周年杜尚別宣言 addresses this in"},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			r := b.Handle(context.Background(), Request{Kind: KindAsk, Text: tt.question, UserID: "u"}, nil)
			if r.Err != nil || !r.Grounded || r.Uncertain || r.Outcome != Answered || r.Mode != ModeExtractive {
				t.Fatalf("reply = %+v, want a grounded extractive answer", r)
			}
			if !slices.Contains(citedLabels(r), tt.label) {
				t.Errorf("citations %v, want %s", citedLabels(r), tt.label)
			}
			if !strings.HasPrefix(r.Answer, tt.lead) || !strings.Contains(r.Answer, "["+tt.label+"]") {
				t.Errorf("answer %q: want the lead line and the quoted passage", r.Answer)
			}
			for _, c := range r.Citations {
				if !strings.Contains(r.Answer, c.Text) {
					t.Errorf("cited passage %s not quoted in the answer", c.Label)
				}
			}
		})
	}
}

func TestAskSectionQuestion(t *testing.T) {
	b := newBot(t, Config{})
	r := b.Handle(context.Background(), Request{Kind: KindAsk, Text: "第三部分第四节讲了什么?"}, nil)
	if r.Mode != ModeSection || !r.Grounded {
		t.Fatalf("mode %q grounded %v, want a grounded section reply", r.Mode, r.Grounded)
	}
	want := corpus.Default().Sections
	var n int
	for _, s := range want {
		if s.Key == "三(四)" {
			n = len(s.Paragraphs)
		}
	}
	if len(r.Citations) != n || r.Citations[0].Label != "三(四)¶1" {
		t.Errorf("citations %v, want the %d paragraphs of 三(四) in order", citedLabels(r), n)
	}
}

func TestAskRefusesBadQuestions(t *testing.T) {
	b := newBot(t, Config{MaxQuestionRunes: 20})
	for _, q := range []string{"", "   ", strings.Repeat("长", 21), "bad \xff utf8"} {
		r := b.Handle(context.Background(), Request{Kind: KindAsk, Text: q}, nil)
		if r.Err == nil || !r.Private || r.Answer == "" {
			t.Errorf("question %q: reply %+v, want a private error with a message", q, r)
		}
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	b := newBot(t, Config{RatePerMinute: 5, Now: clock})
	ask := func(user string) Reply {
		return b.Handle(context.Background(), Request{Kind: KindAsk, Text: "秘书处设在哪里", UserID: user}, nil)
	}
	for i := range 5 {
		if r := ask("alice"); r.Err != nil {
			t.Fatalf("question %d refused: %v", i+1, r.Err)
		}
	}
	r := ask("alice")
	if !errors.Is(r.Err, ErrRateLimited) || !r.Private {
		t.Fatalf("6th question in a minute: %+v, want a private rate-limit reply", r)
	}
	if r := ask("bob"); r.Err != nil {
		t.Errorf("another user was limited too: %v", r.Err)
	}
	mu.Lock()
	now = now.Add(13 * time.Second)
	mu.Unlock()
	if r := ask("alice"); r.Err != nil {
		t.Errorf("after the bucket refilled: %v", r.Err)
	}
}

func TestCite(t *testing.T) {
	b := newBot(t, Config{})
	for _, ref := range []string{"三(四)¶2", "3.4.2", "3(4)2", "三（四）2"} {
		r := b.Handle(context.Background(), Request{Kind: KindCite, Text: ref}, nil)
		if r.Err != nil || len(r.Citations) != 1 || r.Citations[0].Label != "三(四)¶2" {
			t.Errorf("cite %q = %+v, want 三(四)¶2", ref, citedLabels(r))
		}
	}
	r := b.Handle(context.Background(), Request{Kind: KindCite, Text: "3.4"}, nil)
	if len(r.Citations) < 2 || r.Citations[0].Label != "三(四)¶1" {
		t.Errorf("cite 3.4 = %v, want the whole subsection", citedLabels(r))
	}
	tests := []struct {
		label string
		want  []string // all in the reply
	}{
		{"三(四)¶99", []string{"三(四)¶99", "三(四)¶"}}, // names the nearest
		{"9.9", []string{"9.9"}},
		{"what about drugs", []string{"/ask"}}, // a question, not a label
		{strings.Repeat("三", 100_000), []string{"…"}},
	}
	for _, tt := range tests {
		r := b.Handle(context.Background(), Request{Kind: KindCite, Text: tt.label}, nil)
		if r.Err == nil || !r.Private {
			t.Errorf("cite %.20q: %+v, want a private error", tt.label, r)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(r.Answer, w) {
				t.Errorf("cite %.20q: %q lacks %q", tt.label, r.Answer, w)
			}
		}
		if strings.Contains(r.Answer, "corpus:") || utf8.RuneCountInString(r.Answer) > 200 {
			t.Errorf("cite %.20q: %q shows internals or echoes too much", tt.label, r.Answer)
		}
	}
}

// A heading whose text was all dropped is a section without paragraphs:
// citing it is an error, not a panic.
func TestCiteEmptySection(t *testing.T) {
	doc, err := corpus.Parse("lic2.md", []byte("# T\n\nIntro para.\n\n## A\n\nSome text here.\n\n## B\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	b := newBot(t, Config{Searcher: libraryOf(t, doc)})
	for _, ref := range []string{"1", "2", "¶1"} {
		r := b.Handle(context.Background(), Request{Kind: KindCite, Text: ref}, nil)
		t.Logf("cite %s: %q %v", ref, r.Answer, r.Err)
	}
	if r := b.Handle(context.Background(), Request{Kind: KindCite, Text: "2"}, nil); r.Err == nil || !r.Private {
		t.Errorf("cite of a section with no text: %+v", r)
	}
}

func TestComplete(t *testing.T) {
	b := newBot(t, Config{})
	got := b.Complete("三(四)", 25)
	if len(got) == 0 || len(got) > 25 {
		t.Fatalf("Complete = %v", got)
	}
	for _, l := range got {
		if !strings.HasPrefix(l, "三(四)") {
			t.Errorf("completion %q does not start with 三(四)", l)
		}
	}
	if got := b.Complete("3.4.2", 5); len(got) == 0 || got[0] != "三(四)¶2" {
		t.Errorf("Complete(3.4.2) = %v, want 三(四)¶2 first", got)
	}
}

func TestReloadAdminRule(t *testing.T) {
	lib := newLibrary(t)
	b := newBot(t, Config{Searcher: lib, AdminUserIDs: []string{"u-admin"}, AdminRoleIDs: []string{"r-admin"}})
	before := lib.Document()
	tests := []struct {
		name string
		req  Request
		ok   bool
	}{
		{"member", Request{UserID: "u1", RoleIDs: []string{"r1"}}, false},
		{"administrator", Request{UserID: "u1", Perms: Perms{Administrator: true}}, true},
		{"manage server", Request{UserID: "u1", Perms: Perms{ManageServer: true}}, true},
		{"admin user", Request{UserID: "u-admin"}, true},
		{"admin role", Request{UserID: "u1", RoleIDs: []string{"r1", "r-admin"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Kind = KindReload
			r := b.Handle(context.Background(), tt.req, nil)
			if tt.ok != (r.Err == nil) {
				t.Fatalf("reply %+v, allowed want %v", r, tt.ok)
			}
			if !tt.ok && (!errors.Is(r.Err, ErrForbidden) || lib.Document() != before) {
				t.Error("a refused reload touched the index")
			}
		})
	}
}

func TestReloadUpload(t *testing.T) {
	dir := t.TempDir()
	lib := newLibrary(t)
	b := newBot(t, Config{Searcher: lib, DataDir: dir, MaxUploadBytes: 1 << 20})
	admin := Perms{Administrator: true}
	orig, err := os.ReadFile("../corpus/declaration.txt")
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(orig), "設在北京的秘書處", "設在上海的秘書處", 1) + "\n新增的一段話。\n"

	bad := []struct {
		name string
		a    Attachment
	}{
		{"binary", Attachment{Name: "x.txt", Data: []byte("\x00\x01\x02\x00")}},
		{"invalid utf-8", Attachment{Name: "x.txt", Data: []byte("成員國\xff\xfe")}},
		{"wrong extension", Attachment{Name: "x.pdf", Data: []byte(changed)}},
		{"too large", Attachment{Name: "x.txt", Data: make([]byte, 2<<20)}},
		{"empty", Attachment{Name: "x.md", Data: nil}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			before := lib.Document()
			r := b.Handle(context.Background(), Request{Kind: KindReload, Perms: admin, Attachments: []Attachment{tt.a}, Lang: English}, nil)
			if r.Err == nil || !r.Private || !strings.Contains(r.Answer, "the old document keeps serving") {
				t.Errorf("reply %+v, want a private failure", r)
			}
			if strings.Contains(r.Answer, "corpus ") || strings.Contains(r.Answer, "/") {
				t.Errorf("failure %q shows package names or paths", r.Answer)
			}
			if lib.Document() != before {
				t.Error("a failed reload replaced the index")
			}
			if _, ok, _ := upload.Load(dir); ok {
				t.Error("a refused upload was saved")
			}
		})
	}

	r := b.Handle(context.Background(), Request{Kind: KindReload, Perms: admin, Attachments: []Attachment{{Name: "new.txt", Data: []byte(changed)}}, Lang: English}, nil)
	if r.Err != nil {
		t.Fatalf("reload: %v (%s)", r.Err, r.Answer)
	}
	if !strings.Contains(r.Answer, "1 added") || !strings.Contains(r.Answer, "1 changed") || !strings.Contains(r.Answer, "0 removed") {
		t.Errorf("reload reply %q, want 1 added, 0 removed, 1 changed", r.Answer)
	}
	saved, ok, err := upload.Load(dir)
	if err != nil || !ok || len(saved) != 1 || string(saved[0].Data) != changed {
		t.Errorf("uploaded corpus not saved for restarts: %v", err)
	}
	a := b.Handle(context.Background(), Request{Kind: KindAsk, Text: "秘书处设在哪里"}, nil)
	if !strings.Contains(a.Answer, "設在上海的秘書處") {
		t.Errorf("answer after reload does not come from the new corpus: %q", a.Answer)
	}

	// A reload without attachment goes back to the configured (here: embedded) corpus.
	r = b.Handle(context.Background(), Request{Kind: KindReload, Perms: admin}, nil)
	if r.Err != nil || lib.Document() != corpus.Default() {
		t.Errorf("reload to the default: %+v", r)
	}
	if _, ok, _ := upload.Load(dir); ok {
		t.Error("the uploaded corpus outlived a reload of the configured one")
	}
}

// Several attachments make one corpus whose labels name their document;
// lines dropped as web-page boilerplate are reported.
func TestReloadSeveralDocuments(t *testing.T) {
	dir := t.TempDir()
	lib := newLibrary(t)
	b := newBot(t, Config{Searcher: lib, DataDir: dir, MaxUploadBytes: 1 << 20})
	page, err := os.ReadFile("../corpus/testdata/news_page_en.txt")
	if err != nil {
		t.Fatal(err)
	}
	terms := "# Terms of Use\n\n## Warranty\n\nThe software is provided without warranty of any kind.\n"
	r := b.Handle(context.Background(), Request{Kind: KindReload, Perms: Perms{Administrator: true}, Lang: English,
		Attachments: []Attachment{{Name: "terms.md", Data: []byte(terms)}, {Name: "news.txt", Data: page}}}, nil)
	if r.Err != nil {
		t.Fatalf("reload: %v (%s)", r.Err, r.Answer)
	}
	if !strings.Contains(r.Answer, "left out as web-page boilerplate") {
		t.Errorf("reload reply %q does not report the dropped lines", r.Answer)
	}
	if saved, _, _ := upload.Load(dir); len(saved) != 2 {
		t.Errorf("%d documents saved, want 2", len(saved))
	}
	a := b.Handle(context.Background(), Request{Kind: KindAsk, Text: "Is there any warranty?"}, nil)
	if len(a.Citations) == 0 || !strings.HasPrefix(a.Citations[0].Label, "terms:") || a.Citations[0].Document != "Terms of Use" {
		t.Errorf("answer %+v, want a citation of terms: naming its document", a.Citations)
	}
	// The answer comes from one of the two documents, and its lead names
	// that one only.
	if !strings.HasPrefix(a.Answer, "Terms of Use addresses this in terms:") {
		t.Errorf("answer %q, want it to start with the cited document's title", a.Answer)
	}
	c := b.Handle(context.Background(), Request{Kind: KindCite, Text: a.Citations[0].Label}, nil)
	if c.Err != nil || len(c.Citations) != 1 {
		t.Errorf("cite %s: %+v", a.Citations[0].Label, c)
	}
}

func TestRecordVote(t *testing.T) {
	dir := t.TempDir()
	b := newBot(t, Config{DataDir: dir})
	votes := []Vote{
		{UserID: "u1", Up: true, Question: "秘书处设在哪里", Labels: []string{"一¶7"}, Mode: "extractive"},
		{UserID: "u2", Up: false, Question: "q2", Labels: []string{"三(四)¶2"}, Mode: "llm", Model: "m"},
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
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != len(votes) {
		t.Fatalf("%d lines, want %d", len(lines), len(votes))
	}
	for i, l := range lines {
		var got Vote
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatal(err)
		}
		if got.Question != votes[i].Question || got.Up != votes[i].Up || !slices.Equal(got.Labels, votes[i].Labels) {
			t.Errorf("line %d = %+v, want %+v", i, got, votes[i])
		}
	}
}

type panickySearcher struct{ *retrieval.Library }

func (panickySearcher) Search(context.Context, string, int) (retrieval.Result, error) {
	panic("index corrupted")
}

func TestHandleSurvivesPanic(t *testing.T) {
	b := newBot(t, Config{Searcher: panickySearcher{newLibrary(t)}})
	r := b.Handle(context.Background(), Request{Kind: KindAsk, Text: "秘书处设在哪里"}, nil)
	if r.Err == nil || !r.Private || r.Mode != ModeError || strings.Contains(r.Answer, "index corrupted") {
		t.Errorf("reply %+v, want a private generic error", r)
	}
	// The bot still answers other requests.
	if r := b.Handle(context.Background(), Request{Kind: KindCite, Text: "1.7"}, nil); r.Err != nil {
		t.Errorf("after a panic: %v", r.Err)
	}
}

// Without a model, a follow-up that points back is searched with the
// question before it in the same conversation, and only there.
func TestFollowUpWithoutModel(t *testing.T) {
	b := newBot(t, Config{})
	ctx := context.Background()
	b.Handle(ctx, Request{Kind: KindAsk, Text: "上合组织秘书处的情况", Conversation: "c1"}, nil)
	r := b.Handle(ctx, Request{Kind: KindAsk, Text: "那它设在哪里?", Conversation: "c1"}, nil)
	if !r.Grounded || !slices.Contains(citedLabels(r), "一¶7") {
		t.Errorf("follow-up: %v grounded %v, want 一¶7", citedLabels(r), r.Grounded)
	}
	// Another conversation has no earlier question to lean on.
	if r := b.Handle(ctx, Request{Kind: KindAsk, Text: "那它设在哪里?", Conversation: "c2"}, nil); slices.Contains(citedLabels(r), "一¶7") && r.Outcome == Answered {
		t.Errorf("a follow-up in a fresh conversation was answered as if it had context: %v", citedLabels(r))
	}
}

// Without a model the search's judgement decides, and the three outcomes
// read differently: an answer, the closest passages, or a plain "no".
func TestAskOutcomesOffline(t *testing.T) {
	b := newBot(t, Config{})
	tests := []struct {
		q       string
		outcome Outcome
		lead    string
	}{
		{"成员国在打击贩毒方面怎么合作?", Answered, "谈到这一点"},
		{"上合组织论坛是哪一年成立的?", Uncertain, "我不确定"},
		{"红烧肉怎么做才好吃?", NotAddressed, "没有涉及这个问题"},
		{"how do I reset my router password?", NotAddressed, "does not address this"},
	}
	for _, tt := range tests {
		r := b.Handle(context.Background(), Request{Kind: KindAsk, Text: tt.q}, nil)
		if r.Outcome != tt.outcome || !strings.Contains(r.Answer, tt.lead) {
			t.Errorf("%q: %s %q, want %s with %q", tt.q, r.Outcome, r.Answer, tt.outcome, tt.lead)
			continue
		}
		if r.Grounded != (tt.outcome != NotAddressed) || r.Uncertain != (tt.outcome == Uncertain) {
			t.Errorf("%q: grounded %v uncertain %v disagree with %s", tt.q, r.Grounded, r.Uncertain, tt.outcome)
		}
		switch tt.outcome {
		case NotAddressed:
			if r.Citations == nil || len(r.Citations) != 0 {
				t.Errorf("%q: citations %v, want an empty list", tt.q, r.Citations)
			}
		case Uncertain:
			if n := len(r.Citations); n == 0 || n > maxExtractive {
				t.Errorf("%q: %d passages, want 1 to %d", tt.q, n, maxExtractive)
			}
		}
	}
}

// A reply is in one language, the question's, whatever the document's.
func TestReplyLanguage(t *testing.T) {
	b := newBot(t, Config{})
	tests := []struct {
		q    string
		lang Lang
	}{
		{"上合组织秘书处设在哪里?", Simplified},
		{"上合組織秘書處設在哪裡?", Traditional},
		{"Where is the SCO Secretariat based?", English},
		{"红烧肉怎么做才好吃?", Simplified},
		{"滷肉飯要怎麼滷才會香?", Traditional},
		{"what is the weather like in Paris today?", English},
		{"上合组织论坛是哪一年成立的?", Simplified},
	}
	for _, tt := range tests {
		r := b.Handle(context.Background(), Request{Kind: KindAsk, Text: tt.q}, nil)
		if r.Lang != tt.lang {
			t.Errorf("%q: reply language %s, want %s", tt.q, r.Lang, tt.lang)
		}
		// The bot's own words, without the quoted title and labels, are
		// in the reply's language and script only.
		own := r.Answer
		if r.Lead != "" {
			own = r.Lead
		}
		own = strings.ReplaceAll(own, TitleIn(corpus.Default().Title, tt.lang), "")
		for _, c := range r.Citations {
			own = strings.ReplaceAll(own, c.Label, "")
		}
		switch tt.lang {
		case English:
			if analysis.HasHan(own) {
				t.Errorf("%q: English reply %q has Chinese of its own", tt.q, own)
			}
		case Traditional:
			if analysis.Script(own, Traditional) != own {
				t.Errorf("%q: Traditional reply %q has Simplified characters", tt.q, own)
			}
		case Simplified:
			if analysis.Script(own, Simplified) != own {
				t.Errorf("%q: Simplified reply %q has Traditional characters", tt.q, own)
			}
		}
	}
	// A request with no text to tell speaks the asker's locale.
	if r := b.Handle(context.Background(), Request{Kind: KindHelp, Lang: English}, nil); !strings.HasPrefix(r.Answer, "I answer questions about") {
		t.Errorf("help for an English locale: %q", r.Answer)
	}
	// Chinese written the same in both scripts speaks the asker's script;
	// a question that shows its script keeps it.
	for _, tt := range []struct {
		req  Request
		want Lang
	}{
		{Request{Kind: KindCite, Text: "三(四)", Lang: Traditional}, Traditional},
		{Request{Kind: KindCite, Text: "三(四)", Lang: Simplified}, Simplified},
		{Request{Kind: KindAsk, Text: "能源合作", Lang: Traditional}, Traditional},
		{Request{Kind: KindAsk, Text: "能源合作怎么样?", Lang: Traditional}, Simplified},
		{Request{Kind: KindAsk, Text: "能源合作", Lang: English}, Simplified},
	} {
		if r := b.Handle(context.Background(), tt.req, nil); r.Lang != tt.want {
			t.Errorf("%v %q for a %s locale: reply in %s, want %s", tt.req.Kind, tt.req.Text, tt.req.Lang, r.Lang, tt.want)
		}
	}
}

// Every message names the document being served, not "the declaration".
func TestMessagesNameTheDocument(t *testing.T) {
	doc, err := corpus.Parse("terms.md", []byte("# Terms of Use\n\n## Warranty\n\nThe software is provided without warranty of any kind.\n\n## Floods\n\nDamage from a flood is not covered.\n"))
	if err != nil {
		t.Fatal(err)
	}
	b := newBot(t, Config{Searcher: libraryOf(t, doc)})
	for _, tt := range []struct{ q, want string }{
		{"What is the capital of France?", "Terms of Use does not address this."},
		{"Is there any warranty?", "Terms of Use addresses this in 1¶1"},
		{"法国的首都是哪里?", "《Terms of Use》没有涉及这个问题。"},
	} {
		r := b.Handle(context.Background(), Request{Kind: KindAsk, Text: tt.q}, nil)
		if !strings.HasPrefix(r.Answer, tt.want) {
			t.Errorf("%q: %q, want it to start %q", tt.q, r.Answer, tt.want)
		}
		if strings.Contains(r.Answer, "declaration") || strings.Contains(r.Answer, "宣言") {
			t.Errorf("%q: %q speaks of the declaration", tt.q, r.Answer)
		}
	}
	help := b.Handle(context.Background(), Request{Kind: KindHelp, Lang: English}, nil)
	if !strings.Contains(help.Answer, "Terms of Use") || !strings.Contains(help.Answer, "1¶1") || strings.Contains(help.Answer, "三(四)") {
		t.Errorf("help %q, want this document's title and labels", help.Answer)
	}
	titled := newBot(t, Config{Searcher: libraryOf(t, doc), Title: "The Terms"})
	if r := titled.Handle(context.Background(), Request{Kind: KindAsk, Text: "What is the capital of France?"}, nil); !strings.HasPrefix(r.Answer, "The Terms does not") {
		t.Errorf("configured title: %q", r.Answer)
	}
}

// A document over the library's paragraph limit is refused in the admin's
// language, and the old one keeps serving.
func TestReloadTooManyParagraphs(t *testing.T) {
	lib, err := retrieval.NewLibrary(context.Background(), corpus.Default(), retrieval.LocalEmbedder,
		retrieval.Options{Lexicon: lexicon, MaxParagraphs: len(corpus.Default().Paragraphs) + 1})
	if err != nil {
		t.Fatal(err)
	}
	b := newBot(t, Config{Searcher: lib, DataDir: t.TempDir(), MaxUploadBytes: 1 << 20})
	var big strings.Builder
	for i := range len(corpus.Default().Paragraphs) + 2 {
		fmt.Fprintf(&big, "%d. Paragraph number %d says something.\n\n", i+1, i+1)
	}
	for _, tt := range []struct {
		lang Lang
		want string
	}{
		{English, "over the limit of"},
		{Traditional, "段的上限"},
	} {
		before := lib.Document()
		r := b.Handle(context.Background(), Request{Kind: KindReload, Perms: Perms{Administrator: true},
			Attachments: []Attachment{{Name: "big.txt", Data: []byte(big.String())}}, Lang: tt.lang}, nil)
		if !errors.Is(r.Err, retrieval.ErrTooLarge) || !strings.Contains(r.Answer, tt.want) {
			t.Errorf("%v: reply %q (%v), want the paragraph limit named", tt.lang, r.Answer, r.Err)
		}
		if lib.Document() != before {
			t.Errorf("%v: a refused reload replaced the index", tt.lang)
		}
	}
}

// Shards sharing a data directory follow each other's reloads: a /reload
// on one is picked up by the other's Sync, and so is going back to the
// configured corpus; a damaged upload keeps the corpus serving and is not
// read again until it changes.
func TestSyncFollowsAnotherProcess(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	libA, libB := newLibrary(t), newLibrary(t)
	a := newBot(t, Config{Searcher: libA, DataDir: dir, MaxUploadBytes: 1 << 20})
	b := newBot(t, Config{Searcher: libB, DataDir: dir, MaxUploadBytes: 1 << 20})
	admin := Perms{Administrator: true}

	if reloaded, err := b.Sync(ctx); reloaded || err != nil {
		t.Fatalf("Sync with nothing changed: %v, %v", reloaded, err)
	}
	doc := "# Garden rules\n\n## Watering\n\nWater the roses every morning before nine.\n"
	r := a.Handle(ctx, Request{Kind: KindReload, Perms: admin, Attachments: []Attachment{{Name: "garden.md", Data: []byte(doc)}}, Lang: English}, nil)
	if r.Err != nil {
		t.Fatalf("reload on A: %v (%s)", r.Err, r.Answer)
	}
	if reloaded, err := a.Sync(ctx); reloaded || err != nil {
		t.Errorf("A's Sync after its own reload: %v, %v; want nothing to do", reloaded, err)
	}
	if reloaded, err := b.Sync(ctx); !reloaded || err != nil {
		t.Fatalf("B's Sync after A's reload: %v, %v", reloaded, err)
	}
	if got := libB.Document().Title; got != "Garden rules" {
		t.Errorf("B serves %q after Sync, want A's upload", got)
	}
	if ans := b.Handle(ctx, Request{Kind: KindAsk, Text: "when do I water the roses?"}, nil); !strings.Contains(ans.Answer, "before nine") {
		t.Errorf("B's answer after Sync: %q", ans.Answer)
	}
	if reloaded, err := b.Sync(ctx); reloaded || err != nil {
		t.Errorf("a second Sync: %v, %v; want nothing to do", reloaded, err)
	}

	// SIGHUP on A goes back to the configured corpus, and B follows.
	if _, err := a.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if reloaded, err := b.Sync(ctx); !reloaded || err != nil || libB.Document().Title != corpus.Default().Title {
		t.Errorf("B's Sync after A's SIGHUP: %v, %v, serving %q", reloaded, err, libB.Document().Title)
	}

	// A damaged upload: B says why once and keeps serving.
	if err := os.WriteFile(filepath.Join(dir, upload.Name), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := libB.Document()
	if reloaded, err := b.Sync(ctx); reloaded || err == nil {
		t.Errorf("Sync with a damaged upload: %v, %v; want an error", reloaded, err)
	}
	if reloaded, err := b.Sync(ctx); reloaded || err != nil || libB.Document() != before {
		t.Errorf("Sync again with the same damaged upload: %v, %v; want nothing done", reloaded, err)
	}
}
