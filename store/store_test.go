package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/internal/docversion"
)

var day0 = time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC)

// sample are questions over three days, as the bot would log them.
var sample = []Question{
	{Time: day0, Transport: "discord", UserID: "412345678901234567", Text: "上合组织秘书处设在哪里?", Outcome: Answered,
		Mode: "extractive", Labels: []string{"一¶7"}, Latency: 1500 * time.Microsecond, Corpus: "abc", Lang: "zh-Hans"},
	{Time: day0.Add(time.Hour), Transport: "web", UserID: "web:127.0.0.1", Text: "上合组织之歌是谁作的曲?", Outcome: Uncertain,
		Mode: "extractive", Labels: []string{"一¶7", "一¶6"}, Latency: 2 * time.Millisecond, Corpus: "abc", Lang: "zh-Hans"},
	{Time: day0.Add(25 * time.Hour), Transport: "terminal", UserID: "terminal", Text: "红烧肉怎么做才好吃?", Outcome: NotAddressed,
		Mode: "llm", Model: "gpt-4o-mini", Latency: 900 * time.Millisecond, Corpus: "abc", Lang: "zh-Hans"},
	{Time: day0.Add(26 * time.Hour), Transport: "discord", UserID: "412345678901234567", Text: "", Outcome: Error,
		Mode: "error", Corpus: "abc", Lang: "en"},
	{Time: day0.Add(49 * time.Hour), Transport: "discord", UserID: "99", Text: "Where is the SCO Secretariat?", Outcome: Answered,
		Mode: "llm", Model: "gpt-4o-mini", Labels: []string{"一¶7"}, Latency: 3 * time.Second, Corpus: "def", Lang: "en"},
}

func record(t *testing.T, s *Store, qs ...Question) []int64 {
	t.Helper()
	ids := make([]int64, len(qs))
	for i, q := range qs {
		id, err := s.Record(context.Background(), q)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		ids[i] = id
	}
	return ids
}

func TestRecordAndRead(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		s := open(t, cfg)
		ctx := context.Background()
		record(t, s, sample...)
		got, err := s.Questions(ctx, Filter{Since: day0})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(sample) {
			t.Fatalf("read %d questions, want %d", len(got), len(sample))
		}
		for i, g := range got {
			want := sample[len(sample)-1-i] // newest first
			if !g.Time.Equal(want.Time) || g.Transport != want.Transport || g.Text != want.Text || g.Outcome != want.Outcome ||
				g.Mode != want.Mode || g.Model != want.Model || g.Latency != want.Latency || g.Corpus != want.Corpus ||
				g.Lang != want.Lang || !slices.Equal(g.Labels, want.Labels) {
				t.Errorf("question %d read back as %+v, want %+v", i, g, want)
			}
			// A short ID ("99") is in a random hex hash one time in ten.
			if g.UserHash != s.UserHash(want.UserID) || len(want.UserID) >= 8 && strings.Contains(g.UserHash, want.UserID) {
				t.Errorf("question %d: user hash %q", i, g.UserHash)
			}
		}
		tests := []struct {
			name string
			f    Filter
			want int
		}{
			{"since the second day", Filter{Since: day0.Add(24 * time.Hour)}, 3},
			{"gaps", Filter{Since: day0, Outcomes: []string{Uncertain, NotAddressed}}, 2},
			{"limit", Filter{Since: day0, Limit: 2}, 2},
			{"none", Filter{Since: day0.Add(100 * time.Hour)}, 0},
		}
		for _, tt := range tests {
			got, err := s.Questions(ctx, tt.f)
			if err != nil || len(got) != tt.want {
				t.Errorf("%s: %d questions (%v), want %d", tt.name, len(got), err, tt.want)
			}
		}
	})
}

func TestAggregates(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		s := open(t, cfg)
		ctx := context.Background()
		record(t, s, sample...)
		daily, err := s.Daily(ctx, day0.Truncate(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		d := func(n int) time.Time { return day0.Truncate(24 * time.Hour).Add(time.Duration(n) * 24 * time.Hour) }
		want := []DayCount{
			{d(0), Answered, 1}, {d(0), Uncertain, 1},
			{d(1), Error, 1}, {d(1), NotAddressed, 1},
			{d(2), Answered, 1},
		}
		if !slices.EqualFunc(daily, want, func(a, b DayCount) bool { return a.Day.Equal(b.Day) && a.Outcome == b.Outcome && a.Count == b.Count }) {
			t.Errorf("daily = %+v\nwant %+v", daily, want)
		}
		cited, err := s.Cited(ctx, day0)
		if err != nil {
			t.Fatal(err)
		}
		wantCited := []LabelCount{{"一¶6", 0, 1}, {"一¶7", 2, 1}}
		if !slices.Equal(cited, wantCited) {
			t.Errorf("cited = %+v, want %+v", cited, wantCited)
		}
	})
}

func TestVotes(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		s := open(t, cfg)
		ctx := context.Background()
		ids := record(t, s, sample...)
		tests := []struct {
			name    string
			v       Vote
			matched int64 // the question it belongs to, 0 for none
		}{
			{"down on the first", Vote{Time: day0.Add(time.Minute), UserID: "7", Question: "上合组织秘书处设在哪里?", Labels: []string{"一¶7"}, Mode: "extractive"}, ids[0]},
			{"spacing and case do not count", Vote{Time: day0.Add(50 * time.Hour), UserID: "8", Up: true, Question: "  where is the SCO  Secretariat? ", Labels: []string{"一¶7"}, Mode: "llm", Model: "gpt-4o-mini"}, ids[4]},
			{"a question asked after the vote is not its own", Vote{Time: day0.Add(48 * time.Hour), UserID: "8", Question: "Where is the SCO Secretariat?"}, 0},
			{"never asked", Vote{Time: day0.Add(time.Hour), UserID: "9", Question: "什么?"}, 0},
		}
		for _, tt := range tests {
			matched, err := s.RecordVote(ctx, tt.v)
			if err != nil || matched != (tt.matched != 0) {
				t.Errorf("%s: matched %v (%v), want %v", tt.name, matched, err, tt.matched != 0)
			}
		}
		votes, err := s.Votes(ctx, day0, false, 0)
		if err != nil || len(votes) != len(tests) {
			t.Fatalf("%d votes (%v), want %d", len(votes), err, len(tests))
		}
		byQuestion := map[string]VoteRecord{}
		for _, v := range votes {
			byQuestion[v.Question] = v
		}
		for _, tt := range tests {
			v := byQuestion[tt.v.Question]
			if v.QuestionID != tt.matched || v.Up != tt.v.Up || !slices.Equal(v.Labels, nonNil(tt.v.Labels)) || v.VoterHash != s.UserHash(tt.v.UserID) {
				t.Errorf("%s: read back %+v", tt.name, v)
			}
		}
		down, err := s.Votes(ctx, day0, true, 0)
		if err != nil || len(down) != 3 {
			t.Errorf("%d down votes (%v), want 3", len(down), err)
		}
		qs, err := s.Questions(ctx, Filter{Since: day0})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range qs {
			up, dn := 0, 0
			switch q.ID {
			case ids[0]:
				dn = 1
			case ids[4]:
				up = 1
			}
			if q.Up != up || q.Down != dn {
				t.Errorf("question %d has %d up %d down, want %d %d", q.ID, q.Up, q.Down, up, dn)
			}
		}
	})
}

// With NoText, neither questions nor votes keep any text, and repeats still
// group by hash.
func TestNoText(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		cfg.NoText = true
		s := open(t, cfg)
		ctx := context.Background()
		record(t, s, sample[0], sample[0])
		if _, err := s.RecordVote(ctx, Vote{Time: day0.Add(time.Minute), UserID: "7", Question: sample[0].Text}); err != nil {
			t.Fatal(err)
		}
		qs, err := s.Questions(ctx, Filter{Since: day0})
		if err != nil || len(qs) != 2 {
			t.Fatalf("%d questions (%v)", len(qs), err)
		}
		if qs[0].Text != "" || qs[0].Hash == "" || qs[0].Hash != qs[1].Hash || qs[0].Down != 1 {
			t.Errorf("questions read back as %+v", qs)
		}
		assertAbsent(t, s, sample[0].Text)
		assertAbsent(t, s, sample[0].UserID)
	})
}

// No raw user ID is written, whatever the text setting.
func TestNoRawUserID(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		s := open(t, cfg)
		record(t, s, sample...)
		if _, err := s.RecordVote(context.Background(), Vote{Time: day0, UserID: "412345678901234567", Question: "q"}); err != nil {
			t.Fatal(err)
		}
		assertAbsent(t, s, "412345678901234567")
		assertAbsent(t, s, "127.0.0.1")
	})
}

// assertAbsent fails if any text column of the log holds s.
func assertAbsent(t *testing.T, st *Store, s string) {
	t.Helper()
	for _, q := range []string{
		`SELECT COUNT(*) FROM questions WHERE user_hash LIKE $1 OR COALESCE(question, '') LIKE $1 OR question_hash LIKE $1`,
		`SELECT COUNT(*) FROM votes WHERE voter_hash LIKE $1 OR COALESCE(question, '') LIKE $1 OR labels LIKE $1`,
	} {
		var n int
		if err := st.db.QueryRow(q, "%"+s+"%").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%q is stored in %d rows (%s)", s, n, q)
		}
	}
}

func TestPurge(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		s := open(t, cfg)
		ctx := context.Background()
		record(t, s, sample...)
		// A vote cast after the cut on a question asked before it keeps
		// its row, without the question.
		if _, err := s.RecordVote(ctx, Vote{Time: day0.Add(30 * time.Hour), UserID: "7", Question: sample[0].Text}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordVote(ctx, Vote{Time: day0.Add(time.Minute), UserID: "7", Question: sample[0].Text}); err != nil {
			t.Fatal(err)
		}
		p, err := s.Purge(ctx, day0.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if p.Questions != 2 || p.Votes != 1 {
			t.Errorf("purged %+v, want 2 questions and 1 vote", p)
		}
		var citations int
		if err := s.db.QueryRow(`SELECT COUNT(*) FROM citations`).Scan(&citations); err != nil {
			t.Fatal(err)
		}
		if citations != 1 { // the last question's one
			t.Errorf("%d citations left, want 1", citations)
		}
		votes, err := s.Votes(ctx, day0, false, 0)
		if err != nil || len(votes) != 1 || votes[0].QuestionID != 0 {
			t.Errorf("votes left %+v (%v), want one without its question", votes, err)
		}
	})
}

func TestImportFeedback(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		s := open(t, cfg)
		ctx := context.Background()
		record(t, s, sample[0])
		dir := t.TempDir()
		path := filepath.Join(dir, "feedback.jsonl")
		lines := `{"time":"2026-11-01T09:31:00Z","user_id":"7","up":false,"question":"上合组织秘书处设在哪里?","labels":["一¶7"],"mode":"extractive"}
{"time":"2026-11-01T10:00:00Z","user_id":"8","up":true,"question":"Is there any warranty?","labels":["7¶1"],"mode":"llm","model":"gpt-4o-mini"}
not json
`
		if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := s.ImportFeedback(ctx, path)
		if err != nil || res.Votes != 2 || res.Skipped != 1 || res.Already || res.MovedTo != path+ImportedSuffix {
			t.Fatalf("import: %+v, %v", res, err)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("feedback.jsonl still there after the import: %v", err)
		}
		// The same file again (restored from a backup, say) adds nothing.
		if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err = s.ImportFeedback(ctx, path)
		if err != nil || !res.Already || res.Votes != 0 {
			t.Errorf("second import: %+v, %v", res, err)
		}
		votes, err := s.Votes(ctx, day0, false, 0)
		if err != nil || len(votes) != 2 {
			t.Fatalf("%d votes (%v), want 2", len(votes), err)
		}
		if votes[1].QuestionID == 0 || votes[0].QuestionID != 0 {
			t.Errorf("imported votes %+v: the first belongs to the logged question, the second to none", votes)
		}
		// No file: nothing to do.
		if res, err := s.ImportFeedback(ctx, filepath.Join(dir, "none.jsonl")); err != nil || res.Votes != 0 {
			t.Errorf("missing file: %+v, %v", res, err)
		}
	})
}

func TestMigrations(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		ctx := context.Background()
		// Processes starting together migrate once, and share the salt.
		const n = 3
		stores := make([]*Store, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { stores[i], errs[i] = Open(ctx, cfg) })
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("open %d: %v", i, errs[i])
			}
			defer stores[i].Close()
		}
		ms, err := loadMigrations(stores[0].Dialect())
		if err != nil {
			t.Fatal(err)
		}
		v, err := stores[0].SchemaVersion(ctx)
		if err != nil || v != ms[len(ms)-1].version {
			t.Errorf("schema version %d (%v), want %d", v, err, ms[len(ms)-1].version)
		}
		for i := 1; i < n; i++ {
			if stores[i].UserHash("u") != stores[0].UserHash("u") {
				t.Errorf("store %d hashes user IDs with another salt", i)
			}
		}
		if _, err := stores[0].db.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)`); err != nil {
			t.Fatal(err)
		}
		if s, err := Open(ctx, cfg); !errors.Is(err, ErrNewerSchema) {
			if s != nil {
				s.Close()
			}
			t.Errorf("open of a newer schema: %v, want ErrNewerSchema", err)
		}
	})
}

// Two logs have different salts: a hash means nothing outside its log.
func TestSaltPerDatabase(t *testing.T) {
	a := open(t, backends[0].config(t))
	b := open(t, backends[0].config(t))
	if a.UserHash("u") == b.UserHash("u") {
		t.Error("two databases share a salt")
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		want    string
		notWant string
	}{
		{"nothing", Config{}, "neither", ""},
		{"bad URL", Config{DatabaseURL: "postgres://u:s3cret@host:notaport/db"}, "not a valid Postgres URL", "s3cret"},
		{"unreachable", Config{DatabaseURL: "postgres://u:s3cret@127.0.0.1:1/db?connect_timeout=2"}, "open question log", "s3cret"},
		{"unwritable file", Config{Path: "/proc/citebot.db"}, "question log", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := Open(ctx, tt.cfg)
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), tt.want) || (tt.notWant != "" && strings.Contains(err.Error(), tt.notWant)) {
				t.Errorf("error %q: want %q without %q", err, tt.want, tt.notWant)
			}
		})
	}
}

func TestLog(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		s := open(t, cfg)
		ctx := context.Background()
		now := day0
		l := NewLog(s, LogConfig{RetentionDays: 1, Now: func() time.Time { return now }})
		doc := corpus.Default()
		asked := func(text string, outcome bot.Outcome, err error, labels ...string) bot.Asked {
			r := bot.Reply{Question: text, Outcome: outcome, Mode: bot.ModeExtractive, Err: err, Lang: bot.Simplified}
			for _, lb := range labels {
				r.Citations = append(r.Citations, bot.Citation{Label: lb})
			}
			return bot.Asked{Time: now, Request: bot.Request{Kind: bot.KindAsk, Text: " " + text + " ", UserID: "u1", Transport: "web"},
				Reply: r, Took: 3 * time.Millisecond, Document: doc}
		}
		l.Asked(ctx, asked("上合组织秘书处设在哪里?", bot.Answered, nil, "一¶7"))
		l.Asked(ctx, asked("", "", errors.New("empty question")))
		if err := l.Voted(ctx, bot.Vote{UserID: "u2", Question: "上合组织秘书处设在哪里?", Labels: []string{"一¶7"}, Mode: bot.ModeExtractive}); err != nil {
			t.Fatal(err)
		}
		if err := l.Close(ctx); err != nil {
			t.Fatal(err)
		}
		l.Asked(ctx, asked("after close", bot.Answered, nil))
		if err := l.Voted(ctx, bot.Vote{Question: "after close"}); !errors.Is(err, ErrClosed) {
			t.Errorf("vote after close: %v, want ErrClosed", err)
		}
		if l.Dropped() != 1 || l.Failed() != 0 {
			t.Errorf("dropped %d, failed %d; want 1 and 0", l.Dropped(), l.Failed())
		}
		qs, err := s.Questions(ctx, Filter{Since: day0})
		if err != nil || len(qs) != 2 {
			t.Fatalf("%d questions (%v), want 2", len(qs), err)
		}
		first := qs[1]
		if first.Text != "上合组织秘书处设在哪里?" || first.Outcome != Answered || first.Transport != "web" || first.Down != 1 ||
			!slices.Equal(first.Labels, []string{"一¶7"}) || first.Corpus != docversion.Of(doc) || first.Latency != 3*time.Millisecond ||
			first.Lang != string(bot.Simplified) {
			t.Errorf("logged %+v", first)
		}
		if qs[0].Outcome != Error {
			t.Errorf("a failed question is logged as %q, want error", qs[0].Outcome)
		}
	})
}

// The writer purges at start what is past retention.
func TestLogPurgesAtStart(t *testing.T) {
	s := open(t, backends[0].config(t))
	ctx := context.Background()
	record(t, s, sample...)
	l := NewLog(s, LogConfig{RetentionDays: 1, Now: func() time.Time { return day0.Add(51 * time.Hour) }})
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	qs, err := s.Questions(ctx, Filter{Since: day0})
	if err != nil || len(qs) != 1 {
		t.Errorf("%d questions left (%v), want the last day's 1", len(qs), err)
	}
}

// Any file name opens that file.
func TestSQLitePaths(t *testing.T) {
	for _, name := range []string{"citebot.db", "a b#c.db", "x?y.db", "100%.db", "100%25.db"} {
		dir := t.TempDir()
		s := open(t, Config{Path: filepath.Join(dir, name)})
		s.Close()
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			es, _ := os.ReadDir(dir)
			t.Errorf("%q: %v (the directory holds %v)", name, err, es)
		}
	}
}

// The SQLite file is where the config says, and survives a reopen.
func TestSQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	s := open(t, Config{Path: path})
	record(t, s, sample[0])
	hash := s.UserHash("u")
	s.Close()
	s2 := open(t, Config{Path: path})
	qs, err := s2.Questions(context.Background(), Filter{Since: day0})
	if err != nil || len(qs) != 1 || s2.UserHash("u") != hash {
		t.Errorf("after reopen: %d questions (%v), same salt %v", len(qs), err, s2.UserHash("u") == hash)
	}
	var mode string
	if err := s2.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal mode %q (%v), want wal", mode, err)
	}
}

// A voter's second vote on the same answer replaces the first; votes
// without an answer ID add up.
func TestVoteReplaced(t *testing.T) {
	eachBackend(t, func(t *testing.T, cfg Config) {
		s := open(t, cfg)
		ctx := context.Background()
		record(t, s, sample[0])
		votes := []Vote{
			{Time: day0.Add(time.Minute), UserID: "7", Up: true, Question: sample[0].Text, AnswerID: "m1"},
			{Time: day0.Add(2 * time.Minute), UserID: "7", Up: false, Question: sample[0].Text, AnswerID: "m1"},
			{Time: day0.Add(3 * time.Minute), UserID: "8", Up: true, Question: sample[0].Text, AnswerID: "m1"},
			{Time: day0.Add(4 * time.Minute), UserID: "9", Up: true, Question: sample[0].Text},
			{Time: day0.Add(5 * time.Minute), UserID: "9", Up: true, Question: sample[0].Text},
		}
		for _, v := range votes {
			if _, err := s.RecordVote(ctx, v); err != nil {
				t.Fatal(err)
			}
		}
		qs, err := s.Questions(ctx, Filter{Since: day0})
		if err != nil || len(qs) != 1 {
			t.Fatalf("%d questions (%v)", len(qs), err)
		}
		if qs[0].Up != 3 || qs[0].Down != 1 {
			t.Errorf("%d up, %d down; want 3 and 1", qs[0].Up, qs[0].Down)
		}
	})
}
