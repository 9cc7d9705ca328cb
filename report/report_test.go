package report

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/store"
)

var day0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// seeded is a SQLite question log with a week of questions about the
// declaration.
func seeded(t *testing.T, noText bool) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{Path: filepath.Join(t.TempDir(), "citebot.db"), NoText: noText})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	h := time.Hour
	qs := []store.Question{
		{Time: day0, Text: "上合组织秘书处设在哪里?", Outcome: store.Answered, Labels: []string{"一¶7"}},
		{Time: day0.Add(h), Text: "秘书处在哪", Outcome: store.Answered, Labels: []string{"一¶7"}},
		{Time: day0.Add(2 * h), Text: "上合组织的预算是多少?", Outcome: store.NotAddressed},
		{Time: day0.Add(26 * h), Text: "上合组织每年预算多少钱", Outcome: store.NotAddressed},
		{Time: day0.Add(27 * h), Text: "上合组织之歌是谁作的曲?", Outcome: store.Uncertain, Labels: []string{"一¶7", "一¶6"}},
		{Time: day0.Add(28 * h), Text: "上合組織的預算是多少?", Outcome: store.Uncertain, Labels: []string{"序言¶2"}},
		{Time: day0.Add(75 * h), Text: "", Outcome: store.Error},
		{Time: day0.Add(76 * h), Text: "What does the declaration say about drugs?", Outcome: store.Answered, Labels: []string{"三(四)¶2", "三(四)¶1"}},
	}
	for _, q := range qs {
		q.Transport, q.UserID, q.Mode = "discord", "u", "extractive"
		if _, err := s.Record(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	votes := []store.Vote{
		{Time: day0.Add(2 * h), UserID: "a", Question: "上合组织秘书处设在哪里?", Labels: []string{"一¶7"}, Mode: "extractive"},
		{Time: day0.Add(3 * h), UserID: "b", Question: "上合组织秘书处设在哪里?", Labels: []string{"一¶7"}, Mode: "extractive"},
		{Time: day0.Add(4 * h), UserID: "c", Up: true, Question: "上合组织秘书处设在哪里?", Labels: []string{"一¶7"}, Mode: "extractive"},
		{Time: day0.Add(77 * h), UserID: "a", Question: "What does the declaration say about drugs?", Labels: []string{"三(四)¶2", "三(四)¶1"}, Mode: "llm", Model: "gpt-4o-mini"},
		{Time: day0.Add(78 * h), UserID: "d", Up: true, Question: "秘书处在哪", Labels: []string{"一¶7"}},
	}
	for _, v := range votes {
		if _, err := s.RecordVote(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestBuild(t *testing.T) {
	s := seeded(t, false)
	now := day0.Add(6 * 24 * time.Hour)
	r, err := Build(context.Background(), s, corpus.Default(), "宣言", day0.Add(-time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Days) != 7 || r.Days[0].Total() != 3 || r.Days[1].Total() != 3 || r.Days[2].Total() != 0 || r.Days[3].Total() != 2 {
		t.Errorf("days %+v", r.Days)
	}
	if r.Total.Answered != 3 || r.Total.Uncertain != 2 || r.Total.NotAddressed != 2 || r.Total.Error != 1 {
		t.Errorf("total %+v", r.Total)
	}
	heat := map[string]Cited{}
	paragraphs := 0
	for _, sec := range r.Sections {
		for _, c := range sec.Paragraphs {
			heat[c.Label] = c
			paragraphs++
		}
	}
	if paragraphs != len(corpus.Default().Paragraphs) {
		t.Errorf("the heat map has %d paragraphs, the document %d", paragraphs, len(corpus.Default().Paragraphs))
	}
	if c := heat["一¶7"]; c.Answered != 2 || c.Uncertain != 1 || r.MaxCited != 3 {
		t.Errorf("一¶7 cited %+v, most %d", c, r.MaxCited)
	}
	// The budget questions, in both scripts, are one gap; the anthem another.
	if len(r.Gaps) != 2 {
		t.Fatalf("gaps %+v, want 2", r.Gaps)
	}
	budget := r.Gaps[0]
	if budget.Count != 3 || budget.NotAddressed != 2 || budget.Uncertain != 1 || budget.Question != "上合組織的預算是多少?" ||
		len(budget.Examples) != 2 || !slices.Equal(budget.Near, []string{"序言¶2"}) {
		t.Errorf("budget gap %+v", budget)
	}
	if r.Up != 2 || r.Down != 3 || len(r.DownVoted) != 2 {
		t.Fatalf("votes %d up %d down, voted down %+v", r.Up, r.Down, r.DownVoted)
	}
	if d := r.DownVoted[0]; d.Question != "上合组织秘书处设在哪里?" || d.Down != 2 || d.Up != 1 || !slices.Equal(d.Labels, []string{"一¶7"}) {
		t.Errorf("most voted down %+v", d)
	}
	if d := r.DownVoted[1]; d.Model != "gpt-4o-mini" || !slices.Equal(d.Labels, []string{"三(四)¶2", "三(四)¶1"}) {
		t.Errorf("second voted down %+v", d)
	}
}

func TestWriteText(t *testing.T) {
	s := seeded(t, false)
	r, err := Build(context.Background(), s, corpus.Default(), "宣言", day0.Add(-time.Hour), day0.Add(6*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	if err := r.WriteText(&sb); err != nil {
		t.Fatal(err)
	}
	out := sb.String()
	for _, want := range []string{
		"Questions about 宣言",
		"8 questions: 3 answered (38%), 2 uncertain (25%), 2 not addressed (25%), 1 errors",
		"Votes: 2 👍, 3 👎",
		"2026-11-01    3 " + strings.Repeat("A", 27) + strings.Repeat("N", 14),
		"▒▒····· 2\n", "Most cited: 一¶7 (3)",
		"3× “上合組織的預算是多少?”", "nearest 序言¶2", "also: “上合组织每年预算多少钱”",
		"👎 2 👍 1  “上合组织秘书处设在哪里?”", "cited 三(四)¶2, 三(四)¶1 (llm, gpt-4o-mini)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// Without question text, gaps group by identical questions only and say
// that the text is not kept.
func TestBuildNoText(t *testing.T) {
	s := seeded(t, true)
	r, err := Build(context.Background(), s, corpus.Default(), "宣言", day0.Add(-time.Hour), day0.Add(6*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Gaps) != 4 || r.Gaps[0].Question != "" {
		t.Errorf("gaps %+v, want 4 without text", r.Gaps)
	}
	var sb strings.Builder
	r.WriteText(&sb)
	if !strings.Contains(sb.String(), "(question text not kept)") || strings.Contains(sb.String(), "预算") {
		t.Errorf("report:\n%s", sb.String())
	}
}

func TestShade(t *testing.T) {
	tests := []struct {
		n, most int
		want    rune
	}{
		{0, 10, '·'}, {1, 10, '░'}, {3, 10, '▒'}, {6, 10, '▓'}, {10, 10, '█'}, {1, 1, '█'}, {0, 0, '·'},
	}
	for _, tt := range tests {
		if got := Shade(tt.n, tt.most); got != tt.want {
			t.Errorf("Shade(%d, %d) = %c, want %c", tt.n, tt.most, got, tt.want)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"7d", now.Add(-7 * 24 * time.Hour), false},
		{"2w", now.Add(-14 * 24 * time.Hour), false},
		{"36h", now.Add(-36 * time.Hour), false},
		{"90m", now.Add(-90 * time.Minute), false},
		{"2026-11-01", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), false},
		{"0d", time.Time{}, true},
		{"-3h", time.Time{}, true},
		{"week", time.Time{}, true},
		{"", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := ParseSince(tt.in, now)
		if (err != nil) != tt.err || !got.Equal(tt.want) {
			t.Errorf("ParseSince(%q) = %v, %v", tt.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrBadSince) {
			t.Errorf("ParseSince(%q): %v is not ErrBadSince", tt.in, err)
		}
	}
}
