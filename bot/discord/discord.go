// Package discord connects the bot to Discord: it registers the slash
// commands and the "Ask citebot" message command, answers interactions,
// mentions, DMs, threads and forum posts where it is allowed to speak, and
// renders replies within Discord's limits, with buttons that show a cited
// passage and how an answer was found. It is the only package that imports
// discordgo; the bot below it knows nothing about Discord, and every word
// it shows comes from the bot's table of messages.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/citebot/citebot/internal/lru"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/citebot/citebot/bot"
)

// Handler is what the adapter needs from the bot; *bot.Bot satisfies it.
type Handler interface {
	// Handle answers one request; progress receives partial replies.
	Handle(ctx context.Context, req bot.Request, progress func(bot.Reply)) bot.Reply
	// Complete returns up to n labels matching prefix, for autocomplete.
	Complete(prefix string, n int) []string
	// RecordVote stores a 👍/👎 on an answer.
	RecordVote(ctx context.Context, v bot.Vote) error
	// Describe says what the serving document is, for the commands'
	// descriptions; it changes with a reload.
	Describe() bot.Description
}

// Config configures Run.
type Config struct {
	Token              string       // DISCORD_TOKEN (with or without the "Bot " prefix)
	GuildID            string       // CITEBOT_GUILD_ID: register commands on one server (fast), else globally
	BaseURL            string       // CITEBOT_DISCORD_URL, default DefaultBaseURL
	MaxAttachmentBytes int          // refuse larger /reload attachments before downloading; 0 means DefaultMaxAttachmentBytes
	Logger             *slog.Logger // nil means slog.Default()
	// ShutdownGrace bounds how long Run takes to return once its context
	// ends (DefaultShutdownGrace when zero): answers in flight get most of
	// it, then finish with what was checked or say the bot is restarting.
	// discordgo's own close takes its last second, so a grace under 2 s
	// is kept to within half of it and a second.
	ShutdownGrace time.Duration
	// Channels (CITEBOT_CHANNELS), when not empty, are the only channels
	// where the bot answers mentions and follow-ups; a channel includes its
	// threads. Slash commands and the message command work everywhere.
	Channels []string
	// ForumChannels (CITEBOT_FORUM_CHANNELS) are forums where every new
	// post is answered in its thread without a mention; they count as
	// Channels too.
	ForumChannels []string
	// NoDMs (CITEBOT_DMS=off) turns off answers in direct messages: the
	// commands are not offered there, and DMs are ignored.
	NoDMs bool
	// Shard and ShardCount (CITEBOT_SHARD=i/n) run shard Shard of
	// ShardCount; a ShardCount of 0 or 1 runs unsharded. Only shard 0
	// registers the commands at start.
	Shard, ShardCount int
	// PublicURL (CITEBOT_PUBLIC_URL) is where the document's web page is
	// served; every cited label then links to its paragraph there.
	PublicURL string
	// OnGateway, when set, is told when the gateway session becomes ready
	// (true: READY or RESUMED) and when it drops (false), for readiness
	// probes. It must not block.
	OnGateway func(connected bool)

	// Tests shorten these; zero means the production value.
	editInterval  time.Duration // progress edits at most this often (1s)
	retryBackoff  time.Duration // before retrying a 5xx without Retry-After (defaultRetryBackoff)
	respondWithin time.Duration // answer at once when the bot replies this soon after the interaction (respondWithin)
}

// validate checks what Run cannot work with: shard numbers out of range,
// channel ids that are not Discord ids.
func (cfg Config) validate() error {
	if cfg.ShardCount < 0 || cfg.Shard < 0 || (cfg.ShardCount > 1 && cfg.Shard >= cfg.ShardCount) ||
		(cfg.ShardCount <= 1 && cfg.Shard != 0) {
		return fmt.Errorf("discord: shard %d of %d: want 0 ≤ shard < count", cfg.Shard, cfg.ShardCount)
	}
	for _, l := range []struct {
		name string
		ids  []string
	}{{"channel", cfg.Channels}, {"forum channel", cfg.ForumChannels}} {
		for _, id := range l.ids {
			if !IsSnowflake(id) {
				return fmt.Errorf("discord: %s id %q is not a Discord id (digits only)", l.name, id)
			}
		}
	}
	return nil
}

// IsSnowflake reports whether s can be a Discord id: 1 to 20 digits.
func IsSnowflake(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// DefaultMaxAttachmentBytes bounds /reload attachments when Config leaves it 0.
const DefaultMaxAttachmentBytes = 5 << 20

// DefaultShutdownGrace is how long Run may take to stop when Config leaves
// ShutdownGrace 0.
const DefaultShutdownGrace = 10 * time.Second

var (
	// ErrNoToken is returned by Run when Config.Token is empty.
	ErrNoToken = errors.New("discord: no bot token (set DISCORD_TOKEN)")
	// ErrTokenRejected is returned by Run when Discord refuses the token.
	ErrTokenRejected = errors.New("discord: the bot token was rejected")
)

// Timeouts: every network call has one, on top of the caller's context.
const (
	restTimeout        = 15 * time.Second
	openTimeout        = 30 * time.Second
	downloadTimeout    = 30 * time.Second
	voteTimeout        = 2 * time.Second
	interactionTimeout = 14 * time.Minute // interaction tokens live 15 minutes
	// ackWindow is how long Discord waits for an interaction's first
	// response; an ack later than that is refused, so none is tried.
	ackWindow = 3 * time.Second
	// respondWithin is how long an interaction waits for the bot before it
	// is deferred: a reply by then is the response itself (one call, no
	// "thinking…" placeholder), leaving half the ack window for sending it.
	respondWithin     = 1500 * time.Millisecond
	threadArchiveMins = 1440
	maxVotes          = 2000
	maxThreads        = 2000
	// maxPostable bounds the private answers kept for their "post
	// publicly" button; each holds a whole reply.
	maxPostable = 256
	// maxChannels bounds the channels whose type, parent and owner are
	// remembered.
	maxChannels = 4096
)

// Gateway close codes that retrying cannot fix.
const (
	closeAuthFailed       = 4004
	closeDisallowedIntent = 4014
)

// Run connects to Discord, registers the commands (shard 0 does) and
// serves until ctx is done, then finishes the replies in flight and closes
// the connection, returning nil within Config.ShutdownGrace (also when ctx
// ends during start-up). It returns an error at once when the settings are
// invalid, the token is missing or rejected, or the connection or the
// registration fails. Errors and logs never contain the token, interaction
// tokens or payloads.
func Run(ctx context.Context, cfg Config, h Handler) error {
	token := strings.TrimSpace(cfg.Token)
	token = strings.TrimSpace(strings.TrimPrefix(token, "Bot "))
	if token == "" {
		return ErrNoToken
	}
	if h == nil {
		return errors.New("discord: nil handler")
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	red := redactor{secrets: []string{token}}
	err := run(ctx, cfg, token, h, red)
	if err != nil && ctx.Err() != nil && !errors.Is(err, ErrTokenRejected) {
		// Asked to stop while starting: that is a clean stop, not a failure.
		return nil
	}
	return red.err(err)
}

func run(ctx context.Context, cfg Config, token string, h Handler, red redactor) error {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "discord")
	base, err := NormalizeBaseURL(cfg.BaseURL)
	if err != nil {
		return err
	}
	defer bridgeLogs(log, red)()

	s, err := discordgo.New("Bot " + token)
	if err != nil {
		return fmt.Errorf("discord: new session: %w", err)
	}
	s.Client = &http.Client{Timeout: restTimeout, Transport: newRESTTransport(base, cfg.retryBackoff, log)}
	// The transport keeps the rate limits and retries, with waits that end
	// with their context; discordgo's would sleep without one.
	s.ShouldRetryOnRateLimit = false
	s.MaxRestRetries = 0
	s.Dialer = &websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: restTimeout,
		NetDialContext:   (&net.Dialer{Timeout: restTimeout, KeepAlive: 30 * time.Second}).DialContext,
	}
	// Identify and debug logs would carry the token; warnings are enough.
	s.LogLevel = discordgo.LogWarning
	// Handlers only spawn tracked goroutines, so running them in the gateway
	// reader is cheap and lets shutdown wait for every one of them.
	s.SyncEvents = true
	s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages |
		discordgo.IntentsDirectMessages | discordgo.IntentMessageContent
	if cfg.ShardCount > 1 {
		s.ShardID, s.ShardCount = cfg.Shard, cfg.ShardCount
		log = log.With("shard", cfg.Shard)
	}

	a := newAdapter(s, h, cfg, log, red)
	defer a.cancelAll()

	me, err := a.whoAmI(ctx, base)
	if err != nil {
		return err
	}
	a.botID = me.ID

	gateway := func(up bool) {
		if cfg.OnGateway != nil {
			cfg.OnGateway(up)
		}
	}
	defer gateway(false)
	s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
		log.Info("discord ready", "guilds", len(r.Guilds))
		gateway(true)
	})
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Connect) { log.Info("discord gateway connected") })
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
		log.Warn("discord gateway disconnected")
		gateway(false)
	})
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) {
		log.Info("discord gateway resumed")
		gateway(true)
	})
	s.AddHandler(a.onEvent)
	s.AddHandler(a.onMessage)
	s.AddHandler(a.onThreadCreate)

	if err := a.open(ctx); err != nil {
		return err
	}
	defer a.close()

	appID := me.ID
	s.State.RLock()
	if s.State.Application != nil && s.State.Application.ID != "" {
		appID = s.State.Application.ID
	}
	s.State.RUnlock()
	a.appID = appID
	d := h.Describe()
	if cfg.Shard == 0 {
		// The commands belong to the application, not to a shard: one
		// shard registers them, so n shards do not overwrite them n times.
		if err := a.register(ctx, appID, cfg.GuildID); err != nil {
			return err
		}
		a.jobs.goTrack(func() { a.checkChannels(a.finish) })
	}
	log.Info("discord bot serving", "bot", me.Username, "guild", cfg.GuildID, "document", d.Title)
	<-ctx.Done()
	log.Info("discord bot stopping")
	return nil
}

// adapter holds the session and what the handlers share.
type adapter struct {
	s     *discordgo.Session
	h     Handler
	cfg   Config
	log   *slog.Logger
	red   redactor
	botID string // set before any handler is added

	maxAttachment int
	download      *http.Client
	appID         string // set before the commands are first registered
	editInterval  time.Duration
	grace         time.Duration

	votes      *lru.Map[string, answered]  // message id → what it answered
	threads    *lru.Map[string, struct{}]  // threads the bot started
	postable   *lru.Map[string, *postable] // private answer's message id → the answer
	chans      *lru.Map[string, chanInfo]  // channel id → what the bot knows of it
	forumPosts *lru.Map[string, string]    // forum post's thread → its question

	// Where the bot speaks (see Config): empty channels means everywhere.
	channels, forums map[string]bool
	respondWithin    time.Duration

	jobs tracker
	// In-flight work outlives Run's context by the shutdown grace, in
	// three steps: answers (the bot's Handle) run under answers, cancelled
	// first; a job still waiting for its answer when giveUp closes says the
	// bot is restarting instead; deliveries (every REST call) run under
	// finish, cancelled last.
	answers, finish             context.Context
	cancelAnswers, cancelFinish context.CancelFunc
	giveUp                      chan struct{}
	stopping                    chan struct{} // closed when shutdown begins
}

func newAdapter(s *discordgo.Session, h Handler, cfg Config, log *slog.Logger, red redactor) *adapter {
	maxBytes := cfg.MaxAttachmentBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxAttachmentBytes
	}
	a := &adapter{
		s: s, h: h, cfg: cfg, log: log, red: red,
		maxAttachment: maxBytes,
		download:      &http.Client{Timeout: downloadTimeout},
		editInterval:  cfg.editInterval,
		grace:         cfg.ShutdownGrace,
		votes:         lru.New[string, answered](maxVotes),
		threads:       lru.New[string, struct{}](maxThreads),
		postable:      lru.New[string, *postable](maxPostable),
		chans:         lru.New[string, chanInfo](maxChannels),
		forumPosts:    lru.New[string, string](maxThreads),
		channels:      set(cfg.Channels),
		forums:        set(cfg.ForumChannels),
		respondWithin: cfg.respondWithin,
		jobs:          tracker{log: log},
		giveUp:        make(chan struct{}),
		stopping:      make(chan struct{}),
	}
	if a.editInterval <= 0 {
		a.editInterval = time.Second
	}
	if a.grace <= 0 {
		a.grace = DefaultShutdownGrace
	}
	if a.respondWithin <= 0 {
		a.respondWithin = respondWithin
	}
	a.answers, a.cancelAnswers = context.WithCancel(context.Background())
	a.finish, a.cancelFinish = context.WithCancel(context.Background())
	return a
}

func (a *adapter) cancelAll() {
	a.cancelAnswers()
	a.cancelFinish()
}

// shuttingDown reports whether Run's context has ended.
func (a *adapter) shuttingDown() bool {
	select {
	case <-a.stopping:
		return true
	default:
		return false
	}
}

// whoAmI checks the token over REST before connecting, so a bad token gives
// a clear error instead of a gateway reconnect loop.
func (a *adapter) whoAmI(ctx context.Context, base string) (*discordgo.User, error) {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	me, err := a.s.User("@me", discordgo.WithContext(ctx))
	if err != nil {
		var rest *discordgo.RESTError
		if errors.Is(err, discordgo.ErrUnauthorized) ||
			(errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusUnauthorized) {
			return nil, fmt.Errorf("%w (HTTP 401 from %s)", ErrTokenRejected, base)
		}
		return nil, fmt.Errorf("discord: checking the bot token: %w", err)
	}
	return me, nil
}

// open connects the gateway. A gateway close 4004 means a rejected token;
// 4014 means the Message Content intent is not enabled for the bot, so we
// connect without it (thread follow-ups then need a mention).
func (a *adapter) open(ctx context.Context) error {
	err := a.openOnce(ctx)
	if code := closeCode(err); code == closeDisallowedIntent {
		a.log.Warn("discord: message content intent not enabled; thread follow-ups will need a mention")
		a.s.Identify.Intents &^= discordgo.IntentMessageContent
		err = a.openOnce(ctx)
	}
	switch {
	case err == nil:
		return nil
	case closeCode(err) == closeAuthFailed:
		return fmt.Errorf("%w (gateway close 4004)", ErrTokenRejected)
	default:
		return fmt.Errorf("discord: connecting to the gateway: %w", err)
	}
}

// openOnce runs Session.Open, which has no context, under ctx and a timeout.
func (a *adapter) openOnce(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.s.Open() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		// Open may still finish; close whatever it opened.
		go func() {
			if <-done == nil {
				_ = a.s.Close()
			}
		}()
		return ctx.Err()
	}
}

func closeCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

// close stops taking new work and gives in-flight work the shutdown grace,
// then closes the gateway without reconnecting. discordgo's close takes
// the grace's last second (it waits that long for Discord to close the
// socket); of the time before it, past 60% the answers still being written
// are cancelled (the bot then finishes them with what was checked, or with
// the passages), past 70% a job still waiting for its answer says the bot
// is restarting, and at its end the REST calls still running are
// cancelled.
func (a *adapter) close() {
	start := time.Now()
	close(a.stopping)
	budget := a.grace - gatewayClose
	if budget < a.grace/2 {
		budget = a.grace / 2
	}
	done := make(chan struct{})
	go func() { a.jobs.closeAndWait(); close(done) }()
	waitUntil := func(share time.Duration) bool {
		t := time.NewTimer(time.Until(start.Add(budget * share / 100)))
		defer t.Stop()
		select {
		case <-done:
			return true
		case <-t.C:
			return false
		}
	}
	if !waitUntil(60) {
		a.log.Warn("discord: cancelling unfinished answers at shutdown")
		a.cancelAnswers()
		if !waitUntil(70) {
			close(a.giveUp)
			if !waitUntil(100) {
				a.log.Warn("discord: shutdown grace over; leaving unfinished replies")
				a.cancelFinish()
			}
		}
	}
	a.s.Lock() // orders this write after any reconnect that read it
	a.s.ShouldReconnectOnError = false
	a.s.Unlock()
	if err := a.s.Close(); err != nil {
		a.log.Warn("discord: closing the gateway", "err", a.red.err(err))
	}
	a.log.Info("discord gateway closed")
}

// gatewayClose is how long discordgo's Session.Close takes: it sleeps a
// second after sending the close frame.
const gatewayClose = time.Second

// register bulk-overwrites the application commands on the guild, or globally.
func (a *adapter) register(ctx context.Context, appID, guildID string) error {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	cmds, err := a.s.ApplicationCommandBulkOverwrite(appID, guildID, commandsFor(a.h.Describe(), !a.cfg.NoDMs), discordgo.WithContext(ctx))
	if err != nil {
		where := "globally"
		if guildID != "" {
			where = "on guild " + guildID
		}
		return fmt.Errorf("discord: registering the commands %s: %w", where, err)
	}
	a.log.Info("discord commands registered", "count", len(cmds), "guild", guildID)
	return nil
}

// tracker runs the handlers' goroutines so that shutdown can wait for them.
type tracker struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
	// log receives panics: one failing event must not end the process and
	// with it every other conversation.
	log *slog.Logger
}

// goTrack runs f unless the tracker is closed, and reports whether it did.
func (t *tracker) goTrack(f func()) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer func() {
			if p := recover(); p != nil && t.log != nil {
				t.log.Error("discord event handler panicked", "panic", p, "stack", string(debug.Stack()))
			}
		}()
		f()
	}()
	return true
}

func (t *tracker) closeAndWait() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.wg.Wait()
}
