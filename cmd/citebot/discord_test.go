package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/internal/fakediscord"
)

// `citebot discord` as a server runs it, wiring and all, against a
// Discord on loopback: it registers the commands, answers /ask with the
// document's passages, counts and logs the question, reports ready while
// the gateway is up, and exits 0 when stopped.
func TestDiscordCommand(t *testing.T) {
	srv := fakediscord.New(fakediscord.Options{})
	defer srv.Close()
	dir := t.TempDir()
	env := map[string]string{
		"DISCORD_TOKEN": srv.Token, "CITEBOT_DISCORD_URL": srv.URL, "CITEBOT_GUILD_ID": srv.GuildID,
		"CITEBOT_DATA_DIR": dir, "CITEBOT_HTTP_ADDR": "127.0.0.1:0",
	}
	runCtx, stop := context.WithCancel(context.Background())
	defer stop()
	stderr := &watcher{addr: make(chan string, 1)}
	done := make(chan int, 1)
	go func() {
		done <- run(runCtx, []string{"discord"}, strings.NewReader(""), io.Discard, stderr, func(k string) string { return env[k] })
	}()
	var base string
	select {
	case addr := <-stderr.addr:
		base = "http://" + addr
	case code := <-done:
		t.Fatalf("discord exited %d before listening: %s", code, stderr)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := srv.WaitCall(ctx, func(c fakediscord.Call) bool {
		return c.Method == "PUT" && strings.HasSuffix(c.Path, "/guilds/"+srv.GuildID+"/commands")
	}); err != nil {
		t.Fatalf("the commands were not registered on the server: %v\n%s", err, stderr)
	}
	sent, err := srv.SendInteraction(ctx, fakediscord.Interaction{Name: "ask", Locale: "zh-CN",
		Member:  &fakediscord.Member{UserID: "500000000000000001"},
		Options: []fakediscord.Option{{Name: "question", Type: fakediscord.OptionString, Value: "上合组织秘书处设在哪里?"}}})
	if err != nil {
		t.Fatal(err)
	}
	answer, err := srv.WaitCall(ctx, func(c fakediscord.Call) bool {
		return c.Status == 0 && (c.Path == srv.CallbackPath(sent.ID, sent.Token) || c.Path == srv.OriginalPath(sent.Token)) &&
			strings.Contains(string(c.Body), "一¶7")
	})
	if err != nil {
		t.Fatalf("no answer citing 一¶7: %v", err)
	}
	// The passages are quoted as written; the bot's own words are in the
	// question's script.
	if how := bot.Say(bot.Simplified, bot.MsgHowFound); !strings.Contains(string(answer.Body), how) {
		t.Errorf("a Simplified question's answer lacks %q: %.300s", how, answer.Body)
	}

	// The gateway's Ready handler runs on its own goroutine: ready follows
	// it shortly after the session is live.
	for {
		if code, body := get(t, "GET", base+"/readyz", nil, nil); code == 200 {
			break
		} else if ctx.Err() != nil {
			t.Fatalf("/readyz %d %q while the gateway is up", code, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code, body := get(t, "GET", base+"/metrics", nil, nil); code != 200 ||
		!strings.Contains(body, `citebot_questions_total{outcome="answered",transport="discord"} 1`) {
		t.Errorf("/metrics %d does not count the Discord question:\n%s", code, body)
	}

	stop()
	if code := <-done; code != 0 {
		t.Fatalf("discord exited %d after a clean stop: %s", code, stderr)
	}
	if strings.Contains(stderr.String(), srv.Token) {
		t.Error("the token reached stderr")
	}
	// The question is in the log the next start reads.
	code, out, errOut := cli(t, map[string]string{"CITEBOT_DATA_DIR": dir}, "", "report", "--json")
	var r struct{ Total struct{ Answered int } }
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil || r.Total.Answered != 1 {
		t.Errorf("report after the Discord session: exit %d, %d answered (%v) %s", code, r.Total.Answered, err, errOut)
	}
}
