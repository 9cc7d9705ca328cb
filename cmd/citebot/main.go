// Command citebot answers questions about one document, only from it, citing
// its sections: in a terminal (ask, chat, cite, eval), as a Discord bot, and
// on the web (serve), keeping a log of the questions for its admins (report).
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
	"slices"
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
  citebot discord [--http ADDR] [--corpus PATH]... [--title T]
  citebot serve [--http ADDR] [--corpus PATH]... [--title T]
  citebot report [--since 7d] [--json] [--corpus PATH]... [--title T]
  citebot version
  citebot healthcheck [--ready]

--corpus takes a .txt or .md file or a directory of them, and may be
repeated: several documents are served as one corpus, their labels
prefixed (apache:4(d)¶1). With nothing configured, citebot uses the
embedded SCO Dushanbe Declaration, an in-process embedder and extractive
answers. serve runs the web page, /metrics and /admin alone; discord
runs them beside the bot when CITEBOT_HTTP_ADDR is set. See README.md for
the environment variables (OPENAI_BASE_URL, CITEBOT_CHAT_MODEL,
DISCORD_TOKEN, CITEBOT_DATA_DIR, CITEBOT_HTTP_ADDR, ...).
`

// defaultHTTPAddr is where `citebot serve` listens when nothing says:
// loopback, so that nothing is exposed by accident.
const defaultHTTPAddr = "127.0.0.1:8080"

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
	cmd := args[0]
	switch cmd {
	case "version":
		return printVersion(args[1:], stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, args[1:], getenv, stderr)
	}
	if !slices.Contains(commands, cmd) {
		fmt.Fprintf(stderr, "citebot: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	cfg, err := envConfig(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "citebot:", err)
		return 2
	}
	fs, f := newFlags(cmd, &cfg, stderr)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(f.corpus) > 0 {
		cfg.Corpus = f.corpus
	}
	if f.http != "" {
		cfg.HTTPAddr = f.http
	}
	if f.k < 1 || f.k > retrieval.MaxK {
		fmt.Fprintf(stderr, "citebot: --k must be between 1 and %d\n", retrieval.MaxK)
		return 2
	}
	logger := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	rest := fs.Args()
	if cmd == "report" {
		return runReport(ctx, cfg, f, stdout, stderr, logger)
	}
	a, err := wire(ctx, cfg, optionsFor(cmd, f.k), logger)
	if err != nil {
		fmt.Fprintln(stderr, "citebot:", err)
		return 1
	}
	defer a.close(logger)
	if d := a.lib.Document().Dropped; len(d) > 0 {
		fmt.Fprintf(stderr, "citebot: warning: %d lines of %s were left out as web-page boilerplate or a table of contents (the first: %q)\n",
			len(d), a.lib.Document().Name, d[0])
	}
	terminal := &transport{Bot: a.bot, name: "terminal", metrics: a.metrics}
	switch cmd {
	case "ask":
		return ask(ctx, terminal, strings.Join(rest, " "), cfg.Lang, f.json, stdout, stderr)
	case "chat":
		prompt := isTerminal(stdin)
		if err := bot.Chat(ctx, terminal, stdin, stdout, prompt, cfg.Lang); err != nil {
			fmt.Fprintln(stderr, "citebot chat:", err)
			return 1
		}
		return 0
	case "cite":
		return cite(ctx, a.bot, strings.Join(rest, " "), cfg.Lang, f.json, stdout, stderr)
	case "eval":
		if len(rest) != 1 {
			fmt.Fprintln(stderr, "citebot eval: want one FILE.jsonl")
			return 2
		}
		return evaluate(ctx, a.bot, rest[0], f.k, stdout, stderr)
	case "discord":
		return runDiscord(ctx, cfg, a, logger, stderr)
	default: // serve
		if cfg.HTTPAddr == "" {
			cfg.HTTPAddr = defaultHTTPAddr
		}
		return runServe(ctx, cfg, a, logger, stderr)
	}
}

// commands are the commands that take the common flags.
var commands = []string{"ask", "chat", "cite", "eval", "discord", "serve", "report"}

// flags are what a command's flags say.
type flags struct {
	json   bool
	k      int
	since  string
	http   string
	corpus []string
}

// newFlags returns the flag set of cmd: every command takes --corpus and
// --title; the others only where they mean something.
func newFlags(cmd string, cfg *config, stderr io.Writer) (*flag.FlagSet, *flags) {
	fs := flag.NewFlagSet("citebot "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &flags{k: 5}
	fs.Func("corpus", "a document, or a directory of them, to serve instead of the embedded one; repeat for several (env CITEBOT_CORPUS)", func(v string) error {
		f.corpus = append(f.corpus, v)
		return nil
	})
	fs.StringVar(&cfg.Title, "title", cfg.Title, "the document's name in replies (env CITEBOT_TITLE)")
	switch cmd {
	case "ask", "cite", "report":
		fs.BoolVar(&f.json, "json", false, "print JSON")
	}
	switch cmd {
	case "ask", "chat", "eval", "discord", "serve":
		fs.IntVar(&f.k, "k", 5, "passages to retrieve")
	}
	switch cmd {
	case "discord", "serve":
		fs.StringVar(&f.http, "http", "", "address of the web server, such as 127.0.0.1:8080 (env CITEBOT_HTTP_ADDR)")
	case "report":
		fs.StringVar(&f.since, "since", "7d", "the period: 7d, 2w, 36h, or a date such as 2026-11-01")
	}
	return fs, f
}

func ask(ctx context.Context, b bot.Handler, q string, lang bot.Lang, asJSON bool, stdout, stderr io.Writer) int {
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

// newLogger logs to w at level (default warn), as text or, for log
// collectors, as JSON (one object a line).
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil || level == "" {
		l = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
