package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/bot/discord"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/embeddings"
	"github.com/citebot/citebot/glossary"
	"github.com/citebot/citebot/internal/upload"
	"github.com/citebot/citebot/llm"
	"github.com/citebot/citebot/retrieval"
)

// wire builds the library and the bot from cfg. terminal turns off the
// per-user rate limit, which only makes sense between many chat users.
func wire(ctx context.Context, cfg config, k int, terminal bool, logger *slog.Logger) (*bot.Bot, *retrieval.Library, error) {
	doc, err := startDocument(cfg, terminal, logger)
	if err != nil {
		return nil, nil, err
	}
	newEmbedder, err := embedderFor(cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	// Loading the glossary takes tens of milliseconds; do it at start, not
	// in the first user's question.
	gloss := glossary.Default()
	lib, err := retrieval.NewLibrary(ctx, doc, newEmbedder, retrieval.Options{Lexicon: retrieval.GlossaryLexicon{Glossary: gloss}})
	if err != nil {
		return nil, nil, err
	}
	bc := bot.Config{
		Searcher:         lib,
		K:                k,
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
	if terminal {
		bc.RatePerMinute = -1
	}
	if cfg.ChatModel != "" {
		client, err := llm.New(llm.Config{BaseURL: cfg.BaseURL, APIKey: cfg.APIKey, Model: cfg.ChatModel, Timeout: cfg.Timeout, Logger: logger})
		if err != nil {
			return nil, nil, err
		}
		bc.Writer, bc.Rewriter = client, client
	}
	b, err := bot.New(bc)
	if err != nil {
		return nil, nil, err
	}
	return b, lib, nil
}

// startDocument picks the corpus to serve: an admin's upload kept in the
// data directory (Discord only), else the configured files, else the
// embedded declaration. A damaged upload is set aside for the admin, with
// a warning, and the configured corpus serves instead.
func startDocument(cfg config, terminal bool, logger *slog.Logger) (*corpus.Document, error) {
	if !terminal && cfg.DataDir != "" {
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
	if len(cfg.Corpus) > 0 {
		return corpus.LoadPaths(cfg.Corpus...)
	}
	return corpus.Default(), nil
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

// discord runs the Discord bot until ctx is done; SIGHUP reloads the corpus.
func runDiscord(ctx context.Context, cfg config, b *bot.Bot, logger *slog.Logger, stderr io.Writer) int {
	if cfg.DiscordToken == "" {
		fmt.Fprintln(stderr, "citebot discord: DISCORD_TOKEN is not set")
		return 2
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				d, err := b.Reload(ctx)
				if err != nil {
					logger.Error("SIGHUP reload failed; the old corpus keeps serving", "err", err)
					continue
				}
				logger.Info("SIGHUP reload", "paragraphs", d.Paragraphs, "added", d.Added, "removed", d.Removed, "changed", d.Changed, "took", d.Took)
			}
		}
	}()
	err := discord.Run(ctx, discord.Config{Token: cfg.DiscordToken, GuildID: cfg.GuildID, BaseURL: cfg.DiscordURL, Logger: logger}, b)
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "citebot discord:", err)
		return 1
	}
	return 0
}
