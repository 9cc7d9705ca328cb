package bot

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/retrieval"
)

func newLibrary(t testing.TB) *retrieval.Library {
	t.Helper()
	lib, err := retrieval.NewLibrary(context.Background(), corpus.Default(), retrieval.LocalEmbedder, retrieval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

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
		{"上合组织秘书处设在哪里?", "一¶7", "宣言在"},
		{"上合組織秘書處設在哪裡?", "一¶7", "宣言在"},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			r := b.Handle(context.Background(), Request{Kind: KindAsk, Text: tt.question, UserID: "u"}, nil)
			if r.Err != nil || !r.Grounded || r.Mode != "extractive" {
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
	if r.Mode != "section" || !r.Grounded {
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
	r = b.Handle(context.Background(), Request{Kind: KindCite, Text: "三(四)¶99"}, nil)
	if r.Err == nil || !strings.Contains(r.Answer, "三(四)¶") {
		t.Errorf("unknown label: %+v, want an error naming nearby labels", r)
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
			r := b.Handle(context.Background(), Request{Kind: KindReload, Perms: admin, Attachment: &tt.a}, nil)
			if r.Err == nil || !r.Private || !strings.Contains(r.Answer, "old corpus keeps serving") {
				t.Errorf("reply %+v, want a private failure", r)
			}
			if lib.Document() != before {
				t.Error("a failed reload replaced the index")
			}
			if _, err := os.Stat(filepath.Join(dir, UploadName)); err == nil {
				t.Error("a refused upload was saved")
			}
		})
	}

	r := b.Handle(context.Background(), Request{Kind: KindReload, Perms: admin, Attachment: &Attachment{Name: "new.txt", Data: []byte(changed)}}, nil)
	if r.Err != nil {
		t.Fatalf("reload: %v (%s)", r.Err, r.Answer)
	}
	if !strings.Contains(r.Answer, "1 added") || !strings.Contains(r.Answer, "1 changed") || !strings.Contains(r.Answer, "0 removed") {
		t.Errorf("reload reply %q, want 1 added, 0 removed, 1 changed", r.Answer)
	}
	saved, err := os.ReadFile(filepath.Join(dir, UploadName))
	if err != nil || string(saved) != changed {
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
	if _, err := os.Stat(filepath.Join(dir, UploadName)); err == nil {
		t.Error("the uploaded corpus outlived a reload of the configured one")
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
	if r.Err == nil || !r.Private || r.Mode != "error" || strings.Contains(r.Answer, "index corrupted") {
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
	for _, tt := range []struct{ conv, q string }{
		{"c2", "那它设在哪里?"},       // another conversation has no earlier question
		{"c1", "成员国在禁毒方面怎么合作?"}, // stands on its own
	} {
		if got := b.rewrite(ctx, tt.conv, tt.q); got != tt.q {
			t.Errorf("rewrite(%s, %q) = %q, want it unchanged", tt.conv, tt.q, got)
		}
	}
}
