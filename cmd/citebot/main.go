// Command citebot answers questions about one document, only from it, citing
// its sections: in a terminal (ask, chat, cite, eval) or as a Discord bot.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/retrieval"
)

const usage = `citebot answers questions about one document, only from it, with citations.

Usage:
  citebot ask [--json] [--k N] [--corpus PATH]... [--title T] QUESTION
  citebot chat [--k N] [--corpus PATH]... [--title T]
  citebot cite [--json] [--corpus PATH]... LABEL
  citebot eval [--k N] [--corpus PATH]... FILE.jsonl
  citebot discord

--corpus takes a .txt or .md file or a directory of them, and may be
repeated: several documents are served as one corpus, their labels
prefixed (apache:4(d)¶1). With nothing configured, citebot uses the
embedded SCO Dushanbe Declaration, an in-process embedder and extractive
answers. See README.md for the
environment variables (OPENAI_BASE_URL, CITEBOT_CHAT_MODEL, DISCORD_TOKEN, ...).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cfg, err := envConfig(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "citebot:", err)
		return 2
	}
	fs := flag.NewFlagSet("citebot "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	k := fs.Int("k", 5, "passages to retrieve")
	var corpusFlags []string
	fs.Func("corpus", "a document, or a directory of them, to serve instead of the embedded one; repeat for several (env CITEBOT_CORPUS)", func(v string) error {
		corpusFlags = append(corpusFlags, v)
		return nil
	})
	fs.StringVar(&cfg.Title, "title", cfg.Title, "the document's name in replies (env CITEBOT_TITLE)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(corpusFlags) > 0 {
		cfg.Corpus = corpusFlags
	}
	if *k < 1 || *k > retrieval.MaxK {
		fmt.Fprintf(stderr, "citebot: --k must be between 1 and %d\n", retrieval.MaxK)
		return 2
	}
	logger := newLogger(stderr, cfg.LogLevel)
	terminal := args[0] != "discord"
	b, lib, err := wire(ctx, cfg, *k, terminal, logger)
	if err != nil {
		fmt.Fprintln(stderr, "citebot:", err)
		return 1
	}
	if d := lib.Document().Dropped; len(d) > 0 {
		fmt.Fprintf(stderr, "citebot: warning: %d lines of %s were removed as web-page boilerplate (the first: %q)\n",
			len(d), lib.Document().Name, d[0])
	}
	rest := fs.Args()
	switch args[0] {
	case "ask":
		return ask(ctx, b, strings.Join(rest, " "), cfg.Lang, *asJSON, stdout, stderr)
	case "chat":
		prompt := isTerminal(stdin)
		if err := bot.Chat(ctx, b, stdin, stdout, prompt, cfg.Lang); err != nil {
			fmt.Fprintln(stderr, "citebot chat:", err)
			return 1
		}
		return 0
	case "cite":
		return cite(ctx, b, strings.Join(rest, " "), cfg.Lang, *asJSON, stdout, stderr)
	case "eval":
		if len(rest) != 1 {
			fmt.Fprintln(stderr, "citebot eval: want one FILE.jsonl")
			return 2
		}
		return evaluate(ctx, b, rest[0], *k, stdout, stderr)
	case "discord":
		return runDiscord(ctx, cfg, b, logger, stderr)
	default:
		fmt.Fprintf(stderr, "citebot: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

func ask(ctx context.Context, b *bot.Bot, q string, lang bot.Lang, asJSON bool, stdout, stderr io.Writer) int {
	r := b.Handle(ctx, bot.Request{Kind: bot.KindAsk, Text: q, UserID: "terminal", Lang: lang}, nil)
	if r.Err != nil {
		fmt.Fprintln(stderr, "citebot ask:", r.Answer)
		return 1
	}
	if asJSON {
		return printJSON(stdout, stderr, r)
	}
	fmt.Fprintln(stdout, bot.FormatText(r))
	return 0
}

func cite(ctx context.Context, b *bot.Bot, label string, lang bot.Lang, asJSON bool, stdout, stderr io.Writer) int {
	r := b.Handle(ctx, bot.Request{Kind: bot.KindCite, Text: label, Lang: lang}, nil)
	if r.Err != nil {
		fmt.Fprintln(stderr, "citebot cite:", r.Answer)
		return 1
	}
	if asJSON {
		return printJSON(stdout, stderr, r.Citations)
	}
	fmt.Fprintln(stdout, bot.FormatText(r))
	return 0
}

func evaluate(ctx context.Context, b *bot.Bot, path string, k int, stdout, stderr io.Writer) int {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(stderr, "citebot eval:", err)
		return 1
	}
	defer f.Close()
	cases, err := retrieval.ReadCases(f)
	if err != nil {
		fmt.Fprintf(stderr, "citebot eval: read %s: %v\n", path, err)
		return 1
	}
	outs, sum, err := retrieval.Evaluate(ctx, b, cases, k)
	if err != nil {
		fmt.Fprintln(stderr, "citebot eval:", err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, o := range outs {
		if err := enc.Encode(o); err != nil {
			fmt.Fprintln(stderr, "citebot eval:", err)
			return 1
		}
	}
	fmt.Fprint(stderr, retrieval.FormatSummary(sum))
	return 0
}

func printJSON(stdout, stderr io.Writer, v any) int {
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(stderr, "citebot:", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil || level == "" {
		l = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
