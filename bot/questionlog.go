package bot

import (
	"context"
	"strings"
	"time"

	"github.com/citebot/citebot/corpus"
)

// QuestionLog keeps every question the bot was asked, what it answered and
// the votes its answers got, for the admins. *store.Log satisfies it.
type QuestionLog interface {
	// Asked is called once for each question, after its reply is made,
	// including refusals and errors. It runs on the answering goroutine,
	// so an implementation that writes to a database should queue.
	Asked(ctx context.Context, a Asked)
	// Voted records a 👍/👎 on an answer.
	Voted(ctx context.Context, v Vote) error
}

// Asked is one question and what the bot answered.
type Asked struct {
	// Time is when the question arrived.
	Time time.Time
	// Request is the question as the transport sent it (Transport names
	// the transport, UserID the asker, to be hashed by the log).
	Request Request
	// Reply is the final reply; Reply.Err is set when the question was
	// refused or failed.
	Reply Reply
	// Took is how long the answer took.
	Took time.Duration
	// Document is the corpus that was serving when the question arrived.
	Document *corpus.Document
}

// Text is the question as it is kept: the request's text without the white
// space around it, as replies and votes carry it.
func (a Asked) Text() string { return strings.TrimSpace(a.Request.Text) }

// logAsked tells the question log about a question, if there is one.
func (b *Bot) logAsked(ctx context.Context, req Request, reply Reply, start time.Time, doc *corpus.Document) {
	if b.cfg.Log == nil || req.Kind != KindAsk {
		return
	}
	b.cfg.Log.Asked(ctx, Asked{Time: start, Request: req, Reply: reply, Took: b.cfg.Now().Sub(start), Document: doc})
}
