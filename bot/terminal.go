package bot

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
)

// Handler is what a transport needs from the bot.
type Handler interface {
	Handle(ctx context.Context, req Request, progress func(Reply)) Reply
}

// FormatText renders a reply for a terminal: the answer, a notice if any, and
// for model answers the cited passages below it.
func FormatText(r Reply) string {
	var sb strings.Builder
	if r.Notice != "" {
		fmt.Fprintf(&sb, "(%s)\n", r.Notice)
	}
	sb.WriteString(r.Answer)
	if r.Mode == ModeLLM && len(r.Citations) > 0 {
		sb.WriteString("\n\n")
		for i, c := range r.Citations {
			if i > 0 {
				sb.WriteString("\n\n")
			}
			fmt.Fprintf(&sb, "[%s] %s\n> %s", c.Label, c.Section, c.Text)
		}
	}
	if r.Removed > 0 {
		fmt.Fprintf(&sb, "\n\n(%s)", Say(r.Lang, MsgRemoved, r.Removed))
	}
	return sb.String()
}

// Chat runs an interactive session: each line read from in is a question (or
// a command: /cite LABEL, /help, /quit), each answer is written to out. It
// works the same when in is a pipe; it ends at end of input or when ctx is done.
// lang is the terminal's language (from its locale), for replies to
// lines that do not show one.
func Chat(ctx context.Context, h Handler, in io.Reader, out io.Writer, prompt bool, lang Lang) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	const conversation = "terminal"
	for {
		if prompt {
			fmt.Fprint(out, "? ")
		}
		if !sc.Scan() {
			if prompt {
				fmt.Fprintln(out)
			}
			return sc.Err()
		}
		if ctx.Err() != nil {
			return nil
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		req := Request{Kind: KindAsk, Text: line, UserID: "terminal", Conversation: conversation, Lang: lang}
		switch cmd, arg, _ := strings.Cut(line, " "); cmd {
		case "/quit", "/exit":
			return nil
		case "/help":
			req = Request{Kind: KindHelp, Lang: lang}
		case "/cite":
			req = Request{Kind: KindCite, Text: arg, Lang: lang}
		case "/ask":
			req.Text = arg
		}
		r := h.Handle(ctx, req, nil)
		fmt.Fprintln(out, FormatText(r))
		fmt.Fprintln(out)
	}
}
