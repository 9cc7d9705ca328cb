package discord

import (
	"fmt"
	"net/url"
	"strings"
)

// DefaultBaseURL is Discord itself; CITEBOT_DISCORD_URL overrides it for
// compatible servers (Spacebar) and for the tests' fake server. Each
// session's REST transport points discordgo's requests at the base (see
// restTransport); discordgo then finds the gateway through GET
// {base}/api/v9/gateway.
const DefaultBaseURL = "https://discord.com"

// NormalizeBaseURL checks that base is an absolute http(s) URL and returns it
// without a trailing slash; empty means DefaultBaseURL.
func NormalizeBaseURL(base string) (string, error) {
	if strings.TrimSpace(base) == "" {
		return DefaultBaseURL, nil
	}
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil {
		return "", fmt.Errorf("discord base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("discord base URL %q: want http(s)://host[/path]", base)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("discord base URL %q: no query, fragment or credentials allowed", u.Redacted())
	}
	return strings.TrimRight(u.String(), "/"), nil
}
