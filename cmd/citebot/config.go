package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/citebot/citebot/bot"
)

// config is everything the environment and flags say, read once at start.
type config struct {
	Corpus        []string
	Title         string
	ContextTokens int
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
	// Lang is the terminal's language, from its locale.
	Lang bot.Lang
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
	return c, nil
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
