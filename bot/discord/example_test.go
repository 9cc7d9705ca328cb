package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/citebot/citebot/internal/fakediscord"
)

// ExampleRun serves a handler on a (fake) Discord until the context ends.
// In production BaseURL is empty (discord.com) or CITEBOT_DISCORD_URL.
func ExampleRun() {
	srv := fakediscord.New(fakediscord.Options{})
	defer srv.Close()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{Token: srv.Token, BaseURL: srv.URL, Logger: slog.New(slog.DiscardHandler)}, newFakeBot())
	}()

	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	put, err := srv.WaitCall(wctx, isCommandsPut)
	if err != nil {
		fmt.Println(err)
	}
	var cmds []struct {
		Name string
		Type int
	}
	_ = json.Unmarshal(put.Body, &cmds)
	var names []string
	for _, c := range cmds {
		if c.Type == 3 {
			names = append(names, "and on any message: "+c.Name)
			continue
		}
		names = append(names, "/"+c.Name)
	}
	fmt.Println(strings.Join(names, " "))

	stop()
	fmt.Println("Run returned:", <-done)
	// Output:
	// /ask /cite /reload /help and on any message: Ask citebot
	// Run returned: <nil>
}
