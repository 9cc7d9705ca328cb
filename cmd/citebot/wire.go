package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discord"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/embeddings"
	"github.com/citebot/citebot/glossary"
	"github.com/citebot/citebot/internal/atomicfile"
	"github.com/citebot/citebot/internal/upload"
	"github.com/citebot/citebot/llm"
	"github.com/citebot/citebot/metrics"
	"github.com/citebot/citebot/retrieval"
	"github.com/citebot/citebot/store"
	"github.com/citebot/citebot/web"
)

// options say what a command needs wired.
type options struct {
	// k is how many passages a question retrieves.
	k int
	// rateLimit turns on the per-user rate limit: for transports many
	// people share, not a terminal.
	rateLimit bool
	// upload serves the corpus an admin uploaded through /reload, kept in
	// the data directory; a terminal serves what it is told.
	upload bool
	// questionLog opens the question log, when one is configured.
	questionLog bool
}

// optionsFor is what each command needs.
func optionsFor(cmd string, k int) options {
	switch cmd {
	case "discord", "serve":
		return options{k: k, rateLimit: true, upload: true, questionLog: true}
	case "ask", "chat":
		return options{k: k, questionLog: true}
	}
	return options{k: k} // cite, eval: no questions asked by a user
}

// app is what wire builds.
type app struct {
	bot     *bot.Bot
	lib     *retrieval.Library
	metrics *metrics.Metrics
	// store and log are nil when no question log is kept.
	store *store.Store
	log   *store.Log
}

// close writes what the question log has queued and closes it.
func (a *app) close(logger *slog.Logger) {
	if a.log != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.log.Close(ctx); err != nil {
			logger.Warn("question log: not everything queued was written at exit", "err", err)
		}
	}
	if a.store != nil {
		a.store.Close()
	}
}

// wire builds the library, the metrics, the question log and the bot.
func wire(ctx context.Context, cfg config, o options, logger *slog.Logger) (*app, error) {
	if cfg.DataDir != "" {
		// A process killed mid-write leaves a temporary file behind.
		removed, err := atomicfile.RemoveStale(cfg.DataDir)
		if len(removed) > 0 {
			logger.Info("removed temporary files left by an earlier run", "files", len(removed))
		}
		if err != nil {
			logger.Warn("could not remove temporary files left by an earlier run", "err", err)
		}
	}
	doc, err := startDocument(cfg, o.upload, logger)
	if err != nil {
		return nil, err
	}
	newEmbedder, err := embedderFor(cfg, logger)
	if err != nil {
		return nil, err
	}
	// Loading the glossary takes tens of milliseconds; do it at start, not
	// in the first user's question.
	gloss := glossary.Default()
	lib, err := retrieval.NewLibrary(ctx, doc, newEmbedder, retrieval.Options{Lexicon: retrieval.GlossaryLexicon{Glossary: gloss}, MaxParagraphs: cfg.MaxParagraphs})
	if err != nil {
		return nil, err
	}
	a := &app{lib: lib, metrics: metrics.New(lib.Document)}
	if o.questionLog {
		if a.store, a.log, err = openLog(ctx, cfg, logger); err != nil {
			return nil, err
		}
		if a.log != nil {
			a.metrics.WatchLog(a.log)
		}
	}
	bc := bot.Config{
		Searcher:         lib,
		K:                o.k,
		MaxQuestionRunes: cfg.MaxQuestion,
		RatePerMinute:    cfg.RatePerMinute,
		AdminUserIDs:     cfg.AdminUserIDs,
		AdminRoleIDs:     cfg.AdminRoleIDs,
		CorpusPaths:      cfg.Corpus,
		DataDir:          cfg.DataDir,
		AnswerTimeout:    cfg.Timeout,
		ContextTokens:    cfg.ContextTokens,
		Title:            cfg.Title,
		Logger:           logger,
	}
	if !o.rateLimit {
		bc.RatePerMinute = -1
	}
	// Every question is counted; it is kept too when there is a log.
	if a.log != nil {
		bc.Log = a.metrics.Log(a.log)
	} else {
		bc.Log = a.metrics.Log(nil)
	}
	if cfg.ChatModel != "" {
		client, err := llm.New(llm.Config{BaseURL: cfg.BaseURL, APIKey: cfg.APIKey, Model: cfg.ChatModel, Timeout: cfg.Timeout, Logger: logger})
		if err != nil {
			a.close(logger)
			return nil, err
		}
		bc.Writer, bc.Rewriter = a.metrics.Writer(client), a.metrics.Rewriter(client)
	}
	if a.bot, err = bot.New(bc); err != nil {
		a.close(logger)
		return nil, err
	}
	return a, nil
}

// openTimeout bounds connecting to the question log's database and
// migrating it at start.
const openTimeout = 30 * time.Second

// dbFile is the question log's SQLite file in the data directory.
const dbFile = "citebot.db"

// openStore opens the question log's database: Postgres when a URL is
// configured, else SQLite in the data directory; nil when neither is.
func openStore(ctx context.Context, cfg config) (*store.Store, error) {
	sc := store.Config{DatabaseURL: cfg.DatabaseURL, NoText: !cfg.LogText}
	switch {
	case cfg.DatabaseURL != "":
	case cfg.DataDir != "":
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("question log: %w", err)
		}
		sc.Path = filepath.Join(cfg.DataDir, dbFile)
	default:
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	s, err := store.Open(ctx, sc)
	if err != nil {
		return nil, fmt.Errorf("question log: %w", err)
	}
	return s, nil
}

// openLog opens the question log, moves an earlier feedback.jsonl into it
// once, and starts its writer.
func openLog(ctx context.Context, cfg config, logger *slog.Logger) (*store.Store, *store.Log, error) {
	s, err := openStore(ctx, cfg)
	if err != nil || s == nil {
		return nil, nil, err
	}
	if cfg.DataDir != "" {
		ictx, cancel := context.WithTimeout(ctx, openTimeout)
		res, err := s.ImportFeedback(ictx, filepath.Join(cfg.DataDir, "feedback.jsonl"))
		cancel()
		switch {
		case err != nil:
			logger.Warn("could not move feedback.jsonl into the question log; it stays where it is", "err", err)
		case res.MovedTo != "":
			logger.Info("moved feedback.jsonl into the question log", "votes", res.Votes, "skipped", res.Skipped,
				"already", res.Already, "kept_as", res.MovedTo)
		}
	}
	l := store.NewLog(s, store.LogConfig{RetentionDays: cfg.LogDays, Logger: logger.With("component", "questionlog")})
	return s, l, nil
}

// startDocument picks the corpus to serve: an admin's upload kept in the
// data directory (Discord only), else the configured files, else the
// embedded declaration. A damaged upload is set aside for the admin, with
// a warning, and the configured corpus serves instead.
func startDocument(cfg config, uploaded bool, logger *slog.Logger) (*corpus.Document, error) {
	if uploaded && cfg.DataDir != "" {
		files, ok, err := upload.Load(cfg.DataDir)
		var doc *corpus.Document
		if ok && err == nil {
			doc, err = corpus.ParseFiles(files)
		}
		switch {
		case doc != nil && err == nil:
			return doc, nil
		case ok:
			aside, aerr := upload.SetAside(cfg.DataDir, time.Now())
			logger.Warn("the uploaded corpus cannot be read; starting on the configured one",
				"err", err, "kept_as", aside, "set_aside_err", aerr)
		}
	}
	return corpus.Configured(cfg.Corpus...)
}

// embedderFor returns how each document gets its embedder: the configured
// API model behind the persistent cache, else the in-process embedder fitted
// to the document.
func embedderFor(cfg config, logger *slog.Logger) (retrieval.EmbedderFunc, error) {
	if cfg.EmbedModel == "" {
		return retrieval.LocalEmbedder, nil
	}
	remote, err := embeddings.NewOpenAI(embeddings.OpenAIConfig{BaseURL: cfg.BaseURL, APIKey: cfg.APIKey, Model: cfg.EmbedModel, Timeout: cfg.Timeout, Logger: logger})
	if err != nil {
		return nil, err
	}
	var e retrieval.Embedder = remote
	if cfg.DataDir != "" {
		cache, err := embeddings.NewCache(filepath.Join(cfg.DataDir, "embeddings"), remote, logger)
		if err != nil {
			return nil, err
		}
		e = cache
	}
	return func(context.Context, *corpus.Document) (retrieval.Embedder, error) { return e, nil }, nil
}

// runDiscord runs the Discord bot until ctx is done, with the web server
// beside it when CITEBOT_HTTP_ADDR is set; SIGHUP reloads the corpus.
func runDiscord(ctx context.Context, cfg config, a *app, logger *slog.Logger, stderr io.Writer) int {
	if cfg.DiscordToken == "" {
		fmt.Fprintln(stderr, "citebot discord: DISCORD_TOKEN is not set")
		return 2
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d := &transport{Bot: a.bot, name: "discord", metrics: a.metrics}
	// Ready while the gateway session is: a reconnect shows on /readyz.
	var connected atomic.Bool
	ready := func(ctx context.Context) error {
		if err := d.ready(ctx); err != nil {
			return err
		}
		if !connected.Load() {
			return errors.New("gateway disconnected")
		}
		return nil
	}
	var served chan error
	if cfg.HTTPAddr != "" {
		// Listen before connecting, so that a taken port fails the start.
		ln, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			fmt.Fprintln(stderr, "citebot discord: web server:", err)
			return 1
		}
		h, err := newWeb(cfg, a, logger, web.Check{Name: "discord", Ready: ready})
		if err != nil {
			ln.Close()
			fmt.Fprintln(stderr, "citebot discord:", err)
			return 1
		}
		fmt.Fprintf(stderr, "citebot: serving http://%s\n", ln.Addr())
		served = make(chan error, 1)
		go func() { served <- web.Serve(ctx, ln, h, logger) }()
	}
	stopHUP := reloadOnHUP(ctx, a, logger)
	defer stopHUP()
	stopFollowing := followReloads(ctx, cfg, a, logger)
	defer stopFollowing()
	go analysis.LoadScripts()
	err := discord.Run(ctx, discord.Config{
		Token: cfg.DiscordToken, GuildID: cfg.GuildID, BaseURL: cfg.DiscordURL, Logger: logger,
		Channels: cfg.Channels, ForumChannels: cfg.ForumChannels, NoDMs: cfg.NoDMs,
		Shard: cfg.Shard, ShardCount: cfg.ShardCount, PublicURL: cfg.PublicURL,
		OnGateway: connected.Store,
	}, d)
	d.stopped()
	cancel()
	code := 0
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "citebot discord:", err)
		code = 1
	}
	if served != nil {
		if err := <-served; err != nil {
			fmt.Fprintln(stderr, "citebot discord:", err)
			code = 1
		}
	}
	return code
}

// syncEvery is how often a process looks for another's reload in the
// data directory they share: a stat of one file, so cheap, and a corpus
// changes by hand, so minutes would do; seconds keep the processes'
// answers apart only briefly.
const syncEvery = 10 * time.Second

// followReloads keeps this process's corpus in line with the data
// directory when it has one, which other processes may share (the shards
// of one bot, citebot serve beside citebot discord): a /reload reaches the
// process that received it, and the others follow within syncEvery.
func followReloads(ctx context.Context, cfg config, a *app, logger *slog.Logger) (stop func()) {
	if cfg.DataDir == "" {
		return func() {}
	}
	t := time.NewTicker(syncEvery)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		syncOnTicks(ctx, a, logger, t.C)
	}()
	return func() {
		t.Stop()
		cancel()
		<-done
	}
}

// syncOnTicks brings the corpus in line with the data directory at every
// tick, until ctx is done.
func syncOnTicks(ctx context.Context, a *app, logger *slog.Logger, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			reloaded, err := a.bot.Sync(ctx)
			if reloaded || err != nil {
				a.metrics.Reloaded(err)
			}
			switch {
			case err != nil:
				logger.Warn("could not follow another process's reload; the current corpus keeps serving", "err", err)
			case reloaded:
				logger.Info("corpus reloaded after another process's reload", "paragraphs", len(a.lib.Document().Paragraphs))
			}
		}
	}
}

// reloadOnHUP reloads the corpus from the configured paths on SIGHUP
// until ctx is done or the returned stop is called.
func reloadOnHUP(ctx context.Context, a *app, logger *slog.Logger) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case <-hup:
				d, err := a.bot.Reload(ctx)
				a.metrics.Reloaded(err)
				if err != nil {
					logger.Error("SIGHUP reload failed; the old corpus keeps serving", "err", err)
					continue
				}
				logger.Info("SIGHUP reload", "paragraphs", d.Paragraphs, "added", d.Added, "removed", d.Removed, "changed", d.Changed, "took", d.Took)
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		close(done)
	}
}
