package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/corpus"
)

// Two shards sharing a data directory: an upload through one's /reload
// reaches the other at its next tick.
func TestSyncShards(t *testing.T) {
	dir := t.TempDir()
	cfg, err := envConfig(func(k string) string { return map[string]string{"CITEBOT_DATA_DIR": dir}[k] })
	if err != nil {
		t.Fatal(err)
	}
	logger := newLogger(io.Discard, "error", "text")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	shards := make([]*app, 2)
	for i := range shards {
		if shards[i], err = wire(ctx, cfg, optionsFor("discord", 5), logger); err != nil {
			t.Fatal(err)
		}
		defer shards[i].close(logger)
	}
	tick := make(chan time.Time) // unbuffered: a send returns once the last tick is handled
	go syncOnTicks(ctx, shards[1], logger, tick)

	r := shards[0].bot.Handle(ctx, bot.Request{Kind: bot.KindReload, Perms: bot.Perms{Administrator: true}, Lang: bot.English,
		Attachments: []bot.Attachment{{Name: "garden.md", Data: []byte("# Garden rules\n\n## Watering\n\nWater the roses every morning.\n")}}}, nil)
	if r.Err != nil {
		t.Fatalf("reload on shard 0: %v (%s)", r.Err, r.Answer)
	}
	if got := shards[1].lib.Document().Title; got != corpus.Default().Title {
		t.Fatalf("shard 1 changed before its tick: %q", got)
	}
	tick <- time.Now()
	tick <- time.Now()
	if got := shards[1].lib.Document().Title; got != "Garden rules" {
		t.Errorf("shard 1 serves %q after its tick, want shard 0's upload", got)
	}
}
