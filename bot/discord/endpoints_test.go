package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

func TestNormalizeBaseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		base, want string
		wantErr    bool
	}{
		{"", DefaultBaseURL, false},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", false},
		{"https://chat.example.org/spacebar/", "https://chat.example.org/spacebar", false},
		{"ftp://example.org", "", true},
		{"example.org", "", true},
		{"https://user:pw@example.org", "", true},
	} {
		got, err := NormalizeBaseURL(tc.base)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("NormalizeBaseURL(%q) = %q, %v; want %q", tc.base, got, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("error %q shows the URL's password", err)
		}
	}
}

// recorder is the next RoundTripper: it records the URLs it was given.
type recorder struct{ urls []string }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.urls = append(r.urls, req.URL.String())
	return &http.Response{StatusCode: http.StatusNoContent, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
}

// The transport points every request discordgo makes for discord.com at
// the configured server, per session: discordgo's package variables are
// left alone. A request for any other host is refused, never sent to
// Discord.
func TestTransportPointsAtTheConfiguredServer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		base, url, want string
		refused         bool
	}{
		{"http://127.0.0.1:8080", discordgo.EndpointGatewayBot, "http://127.0.0.1:8080/api/v9/gateway/bot", false},
		{"http://127.0.0.1:8080", discordgo.EndpointInteractionResponse("1", "tok"), "http://127.0.0.1:8080/api/v9/interactions/1/tok/callback", false},
		{"https://chat.example.org/spacebar", discordgo.EndpointWebhookToken("1", "tok") + "?wait=true", "https://chat.example.org/spacebar/api/v9/webhooks/1/tok?wait=true", false},
		{"http://127.0.0.1:8080", discordgo.EndpointCDNAvatars + "1/a.png", "", true},
		{"http://127.0.0.1:8080", "https://status.discord.com/api/v2/scheduled-maintenances/active.json", "", true},
		{DefaultBaseURL, discordgo.EndpointChannelMessages("5"), discordgo.EndpointChannelMessages("5"), false},
		{DefaultBaseURL, discordgo.EndpointCDNAvatars + "1/a.png", discordgo.EndpointCDNAvatars + "1/a.png", false},
	} {
		rec := &recorder{}
		rt := newRESTTransport(tc.base, 0, nil)
		rt.next = rec
		req, err := http.NewRequest(http.MethodGet, tc.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = rt.RoundTrip(req)
		if tc.refused {
			if err == nil || len(rec.urls) != 0 {
				t.Errorf("base %s: %s was sent (%v), want it refused", tc.base, tc.url, rec.urls)
			}
			continue
		}
		if err != nil || len(rec.urls) != 1 || rec.urls[0] != tc.want {
			t.Errorf("base %s: %s went to %v (%v), want %s", tc.base, tc.url, rec.urls, err, tc.want)
		}
	}
	if !strings.HasPrefix(discordgo.EndpointAPI, "https://discord.com/") {
		t.Errorf("discordgo's endpoints were rewritten: %s", discordgo.EndpointAPI)
	}
}

// A rate limit that would outlast the request's deadline fails the request
// at once; interaction endpoints do not wait for the global limit.
func TestRateLimitsWaitWithinTheDeadline(t *testing.T) {
	t.Parallel()
	l := &rateLimits{routes: map[string]time.Time{}}
	now := time.Now()
	l.global = now.Add(time.Minute)
	l.routes["POST /c"] = now.Add(time.Hour)
	if d := l.delay("PATCH /x", true, now); d != 0 {
		t.Errorf("an interaction route waits %s for the global limit", d)
	}
	if d := l.delay("PATCH /x", false, now); d < 59*time.Second {
		t.Errorf("another route waits %s, want the global minute", d)
	}
	if d := l.delay("POST /c", true, now); d < 59*time.Minute {
		t.Errorf("an exhausted route waits %s, want its hour", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	if err := l.wait(ctx, "PATCH /x", false); !errors.Is(err, errRateLimited) {
		t.Errorf("wait = %v, want errRateLimited", err)
	}
	if time.Since(start) > 500*time.Millisecond {
		t.Error("a wait past the deadline was waited")
	}
}

func TestParsePermissions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw  string
		want uint64
		ok   bool
	}{
		{`"8"`, 8, true},
		{`"32"`, 32, true},
		{`"0"`, 0, true},
		{`"2251799813685247"`, 1<<51 - 1, true}, // every permission Discord has today, and more
		{`"-1"`, 0, false},
		{`"9223372036854775807"`, 0, false},
		{`"18446744073709551615"`, 0, false},
		{`"18446744073709551616"`, 0, false},
		{`"+8"`, 0, false},
		{`"8.0"`, 0, false},
		{`" 8"`, 0, false},
		{`""`, 0, false},
		{`8`, 0, false},
		{`null`, 0, false},
		{``, 0, false},
	} {
		got, ok := parsePermissions(json.RawMessage(tc.raw))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parsePermissions(%s) = %d, %v; want %d, %v", tc.raw, got, ok, tc.want, tc.ok)
		}
	}
}

func TestEscapeMarkup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"成員國支持阿富汗。[三(四)¶2]", "成員國支持阿富汗。[三(四)¶2]"},
		{"見[三(四)¶2](和平)", "見[三(四)¶2]\\(和平)"},
		{"[官方公告](https://evil.example/phish)", "[官方公告]\\(https://evil.example/phish)"},
		{"@everyone 看這裡 @here", "@\u200beveryone 看這裡 @\u200bhere"},
		{"<@123456789012345678> <@!1> <@&456> <#789>", "<@\u200b123456789012345678> <@\u200b!1> <@\u200b&456> <#\u200b789>"},
		{"</ask:1> <:e:2> <a:e:3> <t:1700000000>", "</\u200bask:1> <:\u200be:2> <a:\u200be:3> <t:\u200b1700000000>"},
		{"a@b.org <3 x > y", "a@b.org <3 x > y"},
	} {
		if got := escapeMarkup(tc.in); got != tc.want {
			t.Errorf("escapeMarkup(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// discordgo's warnings print whole gateway events; the bridge keeps their
// payloads (tokens, users' messages) out of every log line.
func TestDiscordgoLinesKeepPayloadsOut(t *testing.T) {
	t.Parallel()
	raw := json.RawMessage(`{"token":"itoken-secret","data":{"options":[{"value":"我的私人問題"}]}}`)
	ev := &discordgo.Event{Operation: 0, Type: "INTERACTION_CREATE", RawData: raw}
	red := redactor{secrets: []string{"bot-token"}}
	for _, tc := range []struct {
		format string
		args   []any
	}{
		{"Expected READY/RESUMED, instead got:\n%#v\n", []any{ev}},
		{"unknown event: Op: %d, Seq: %d, Type: %s, Data: %s", []any{0, 7, "X", string(raw)}},
		{"error reading from gateway %s websocket, %s", []any{"wss://g/?v=9", errors.New("POST https://d/api/v9/webhooks/1/itoken-secret: EOF bot-token")}},
	} {
		line := red.str(fmt.Sprintf(tc.format, safeArgs(tc.args)...))
		for _, secret := range []string{"itoken-secret", "我的私人問題", "0x7b", "bot-token"} {
			if strings.Contains(line, secret) {
				t.Errorf("line %q shows %q", line, secret)
			}
		}
	}
}
