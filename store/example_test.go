package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/citebot/citebot/store"
)

// A question log in a SQLite file: record what was asked and voted, then
// read the figures the dashboard draws.
func Example() {
	dir, err := os.MkdirTemp("", "citebot-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{Path: filepath.Join(dir, "citebot.db")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	if _, err := s.Record(ctx, store.Question{Time: at, Transport: "discord", UserID: "412345678901234567",
		Text: "上合组织秘书处设在哪里?", Outcome: store.Answered, Mode: "extractive", Labels: []string{"一¶7"}}); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := s.RecordVote(ctx, store.Vote{Time: at.Add(time.Minute), UserID: "7", Up: false,
		Question: "上合组织秘书处设在哪里?", Labels: []string{"一¶7"}}); err != nil {
		fmt.Println(err)
		return
	}

	days, _ := s.Daily(ctx, at.Add(-24*time.Hour))
	for _, d := range days {
		fmt.Println(d.Day.Format("2006-01-02"), d.Outcome, d.Count)
	}
	cited, _ := s.Cited(ctx, at.Add(-24*time.Hour))
	for _, c := range cited {
		fmt.Println(c.Label, "cited in", c.Answered, "answer")
	}
	qs, _ := s.Questions(ctx, store.Filter{Since: at.Add(-24 * time.Hour)})
	fmt.Printf("%s: %d 👎, asker kept as a %d-digit hash\n", qs[0].Text, qs[0].Down, len(qs[0].UserHash))
	// Output:
	// 2026-11-01 answered 1
	// 一¶7 cited in 1 answer
	// 上合组织秘书处设在哪里?: 1 👎, asker kept as a 32-digit hash
}
