package main

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discord"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/store"
)

// config is everything the environment and flags say, read once at start.
type config struct {
	Corpus        []string
	Title         string
	ContextTokens int
	// MaxParagraphs refuses larger documents (CITEBOT_MAX_PARAGRAPHS).
	MaxParagraphs int
	DataDir       string
	APIKey        string
	BaseURL       string
	ChatModel     string
	EmbedModel    string
	Timeout       time.Duration
	DiscordToken  string
	GuildID       string
	DiscordURL    string
	AdminRoleIDs  []string
	AdminUserIDs  []string
	RatePerMinute int
	MaxQuestion   int
	LogLevel      string
	// LogFormat is "text" or "json" (CITEBOT_LOG_FORMAT).
	LogFormat string
	// HTTPAddr starts the web server beside `citebot discord`, and is
	// where `citebot serve` listens (CITEBOT_HTTP_ADDR).
	HTTPAddr string
	// PublicURL is where the web page is reached from outside, for links
	// to paragraphs posted elsewhere (CITEBOT_PUBLIC_URL).
	PublicURL string
	// AdminToken turns on /admin (CITEBOT_ADMIN_TOKEN). Secret.
	AdminToken string
	// TrustProxy reads the asker's address from X-Forwarded-For
	// (CITEBOT_TRUST_PROXY).
	TrustProxy bool
	// DatabaseURL keeps the question log in Postgres
	// (CITEBOT_DATABASE_URL). Secret: it may hold a password.
	DatabaseURL string
	// LogDays is how long the question log keeps questions (CITEBOT_LOG_DAYS).
	LogDays int
	// LogText keeps the questions' text in the log (CITEBOT_LOG_TEXT).
	LogText bool
	// Lang is the terminal's language, from its locale.
	Lang bot.Lang
	// Channels are where the Discord bot answers mentions and follow-ups
	// (CITEBOT_CHANNELS); none means everywhere.
	Channels []string
	// ForumChannels are forums whose new posts are answered
	// (CITEBOT_FORUM_CHANNELS).
	ForumChannels []string
	// NoDMs turns off Discord direct messages (CITEBOT_DMS=off).
	NoDMs bool
	// Shard and ShardCount run one shard of several (CITEBOT_SHARD=i/n);
	// ShardCount 0 runs unsharded.
	Shard, ShardCount int
}

// envConfig reads the environment. Errors name the variable, never its value
// when it may be secret.
func envConfig(getenv func(string) string) (config, error) {
	c := config{
		Corpus:       filepath.SplitList(getenv("CITEBOT_CORPUS")),
		Title:        strings.TrimSpace(getenv("CITEBOT_TITLE")),
		DataDir:      getenv("CITEBOT_DATA_DIR"),
		APIKey:       getenv("OPENAI_API_KEY"),
		BaseURL:      getenv("OPENAI_BASE_URL"),
		ChatModel:    getenv("CITEBOT_CHAT_MODEL"),
		EmbedModel:   getenv("CITEBOT_EMBED_MODEL"),
		DiscordToken: getenv("DISCORD_TOKEN"),
		GuildID:      getenv("CITEBOT_GUILD_ID"),
		DiscordURL:   getenv("CITEBOT_DISCORD_URL"),
		AdminRoleIDs: list(getenv("CITEBOT_ADMIN_ROLE_IDS")),
		AdminUserIDs: list(getenv("CITEBOT_ADMIN_USER_IDS")),
		LogLevel:     getenv("CITEBOT_LOG_LEVEL"),
		LogFormat:    strings.ToLower(strings.TrimSpace(getenv("CITEBOT_LOG_FORMAT"))),
		HTTPAddr:     strings.TrimSpace(getenv("CITEBOT_HTTP_ADDR")),
		PublicURL:    strings.TrimSpace(getenv("CITEBOT_PUBLIC_URL")),
		AdminToken:   getenv("CITEBOT_ADMIN_TOKEN"),
		DatabaseURL:  strings.TrimSpace(getenv("CITEBOT_DATABASE_URL")),
		Timeout:      60 * time.Second,
	}
	c.Lang = localeLanguage(getenv)
	if c.BaseURL == "" {
		c.BaseURL = "https://api.openai.com/v1"
	}
	if c.DiscordURL == "" {
		c.DiscordURL = "https://discord.com"
	}
	if v := getenv("CITEBOT_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("CITEBOT_TIMEOUT=%q: want a positive duration such as 30s", v)
		}
		c.Timeout = d
	}
	var err error
	if c.RatePerMinute, err = intEnv(getenv, "CITEBOT_RATE_LIMIT", 5); err != nil {
		return c, err
	}
	if c.MaxQuestion, err = intEnv(getenv, "CITEBOT_MAX_QUESTION", 500); err != nil {
		return c, err
	}
	if c.ContextTokens, err = intEnv(getenv, "CITEBOT_CONTEXT_TOKENS", bot.DefaultContextTokens); err != nil {
		return c, err
	}
	if c.MaxParagraphs, err = intEnv(getenv, "CITEBOT_MAX_PARAGRAPHS", retrieval.DefaultMaxParagraphs); err != nil {
		return c, err
	}
	if c.LogDays, err = intEnv(getenv, "CITEBOT_LOG_DAYS", store.DefaultRetentionDays); err != nil {
		return c, err
	}
	if c.LogText, err = boolEnv(getenv, "CITEBOT_LOG_TEXT", true); err != nil {
		return c, err
	}
	if c.TrustProxy, err = boolEnv(getenv, "CITEBOT_TRUST_PROXY", false); err != nil {
		return c, err
	}
	switch c.LogFormat {
	case "", "text", "json":
	default:
		return c, fmt.Errorf("CITEBOT_LOG_FORMAT=%q: want text or json", c.LogFormat)
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("CITEBOT_PUBLIC_URL=%q: want the page's address, such as https://cite.example.org", c.PublicURL)
		}
	}
	// A short token on a page that shows users' questions is a guess away.
	if c.AdminToken != "" && len(c.AdminToken) < minAdminToken {
		return c, fmt.Errorf("CITEBOT_ADMIN_TOKEN: use at least %d characters (for example: openssl rand -hex 24)", minAdminToken)
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return c, errors.New("CITEBOT_DATABASE_URL: want a postgres:// URL")
	}
	if err := discordEnv(getenv, &c); err != nil {
		return c, err
	}
	return c, nil
}

// discordEnv reads where the Discord bot speaks and which shard it runs.
func discordEnv(getenv func(string) string, c *config) error {
	c.Channels, c.ForumChannels = list(getenv("CITEBOT_CHANNELS")), list(getenv("CITEBOT_FORUM_CHANNELS"))
	for _, l := range []struct {
		name string
		ids  []string
	}{{"CITEBOT_CHANNELS", c.Channels}, {"CITEBOT_FORUM_CHANNELS", c.ForumChannels}} {
		for _, id := range l.ids {
			if !discord.IsSnowflake(id) {
				return fmt.Errorf("%s: %q is not a channel id (digits only; in Discord, turn on Developer Mode and use Copy Channel ID)", l.name, id)
			}
		}
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("CITEBOT_DMS"))); v {
	case "", "on", "true", "yes", "1":
	case "off", "false", "no", "0":
		c.NoDMs = true
	default:
		return fmt.Errorf("CITEBOT_DMS=%q: want on or off", v)
	}
	if v := strings.TrimSpace(getenv("CITEBOT_SHARD")); v != "" {
		i, n, ok := strings.Cut(v, "/")
		shard, err1 := strconv.Atoi(strings.TrimSpace(i))
		count, err2 := strconv.Atoi(strings.TrimSpace(n))
		if !ok || err1 != nil || err2 != nil || count < 1 || shard < 0 || shard >= count {
			return fmt.Errorf("CITEBOT_SHARD=%q: want i/n, shard i of n counting from 0, such as 0/2 and 1/2", v)
		}
		c.Shard, c.ShardCount = shard, count
	}
	return nil
}

// minAdminToken is the shortest admin token accepted, in bytes.
const minAdminToken = 16

func boolEnv(getenv func(string) string, name string, def bool) (bool, error) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def, fmt.Errorf("%s=%q: want true or false", name, v)
	}
	return b, nil
}

func intEnv(getenv func(string) string, name string, def int) (int, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive whole number", name, v)
	}
	return n, nil
}

func list(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, f)
	}
	return out
}

// localeLanguage reads the terminal's language from the POSIX locale
// variables, in their order of precedence: zh_TW/zh_HK is Traditional,
// another zh Simplified, anything else English.
func localeLanguage(getenv func(string) string) bot.Lang {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		l := strings.ToLower(getenv(v))
		switch {
		case l == "":
			continue
		case strings.HasPrefix(l, "zh_tw"), strings.HasPrefix(l, "zh_hk"), strings.HasPrefix(l, "zh_mo"), strings.Contains(l, "hant"):
			return bot.Traditional
		case strings.HasPrefix(l, "zh"):
			return bot.Simplified
		}
		return bot.English
	}
	return bot.English
}
