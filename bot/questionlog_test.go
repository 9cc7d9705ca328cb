package bot

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
)

// memLog is a QuestionLog in memory.
type memLog struct {
	mu    sync.Mutex
	asked []Asked
	votes []Vote
}

func (l *memLog) Asked(_ context.Context, a Asked) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked = append(l.asked, a)
}

func (l *memLog) Voted(_ context.Context, v Vote) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.votes = append(l.votes, v)
	return nil
}

func TestQuestionLog(t *testing.T) {
	log := &memLog{}
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(250 * time.Millisecond); return now }
	b := newBot(t, Config{Log: log, Now: clock, RatePerMinute: 1})
	tests := []struct {
		req     Request
		outcome Outcome
		labels  []string
		failed  bool
	}{
		{Request{Kind: KindAsk, Text: " 上合组织秘书处设在哪里? ", UserID: "u1", Transport: "web"}, Answered, []string{"一¶7"}, false},
		{Request{Kind: KindAsk, Text: "上合组织秘书处设在哪里?", UserID: "u1", Transport: "web"}, "", nil, true}, // rate limited
		{Request{Kind: KindAsk, Text: "红烧肉怎么做才好吃?", UserID: "u2", Transport: "discord"}, NotAddressed, nil, false},
		{Request{Kind: KindCite, Text: "一¶7"}, "", nil, false}, // not a question: not logged
		{Request{Kind: KindHelp}, "", nil, false},
	}
	for _, tt := range tests {
		b.Handle(context.Background(), tt.req, nil)
	}
	if len(log.asked) != 3 {
		t.Fatalf("logged %d questions, want the 3 asked", len(log.asked))
	}
	for i, a := range log.asked {
		tt := tests[i]
		if a.Request.Transport != tt.req.Transport || a.Request.UserID != tt.req.UserID {
			t.Errorf("%d: logged request %+v, want %+v", i, a.Request, tt.req)
		}
		if want := strings.TrimSpace(tt.req.Text); a.Text() != want {
			t.Errorf("%d: logged text %q, want %q", i, a.Text(), want)
		}
		if a.Reply.Outcome != tt.outcome || (a.Reply.Err != nil) != tt.failed {
			t.Errorf("%d: logged outcome %q err %v, want %q failed %v", i, a.Reply.Outcome, a.Reply.Err, tt.outcome, tt.failed)
		}
		for _, l := range tt.labels {
			if !slices.Contains(citedLabels(a.Reply), l) {
				t.Errorf("%d: logged citations %v lack %s", i, citedLabels(a.Reply), l)
			}
		}
		if a.Took <= 0 || a.Time.IsZero() || a.Document == nil {
			t.Errorf("%d: took %v at %v, document %v", i, a.Took, a.Time, a.Document != nil)
		}
	}
	if !errors.Is(log.asked[1].Reply.Err, ErrRateLimited) {
		t.Errorf("second question: %v, want rate limited", log.asked[1].Reply.Err)
	}
}

// With a question log, votes go to it and no feedback.jsonl is written.
func TestVotesGoToTheLog(t *testing.T) {
	dir := t.TempDir()
	log := &memLog{}
	b := newBot(t, Config{Log: log, DataDir: dir})
	v := Vote{UserID: "u", Up: false, Question: "q", Labels: []string{"一¶7"}, Mode: ModeExtractive}
	if err := b.RecordVote(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	if len(log.votes) != 1 || log.votes[0].Question != "q" || log.votes[0].Up {
		t.Errorf("log has votes %+v", log.votes)
	}
	if _, err := os.Stat(filepath.Join(dir, "feedback.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("feedback.jsonl written beside the log: %v", err)
	}
}
