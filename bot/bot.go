// Package bot is the conversation: it parses what users ask, retrieves the
// passages, composes a cited answer and enforces rate limits and admin rules.
// Handlers take a Request and return a Reply; they do no I/O of their own.
package bot

import "context"

// Bot answers requests. TEMPORARY STUB: the real implementation replaces this file.
type Bot struct{}

// Handle answers one request. progress, if not nil, receives partial replies
// while a streamed answer grows; the returned Reply is final.
func (b *Bot) Handle(ctx context.Context, req Request, progress func(Reply)) Reply {
	return Reply{Question: req.Text, Grounded: true, Answer: "stub [一¶1]", Mode: "extractive",
		Citations: []Citation{{Label: "一¶1", Section: "一、上合組織的建立、發展建設和主要原則", Text: "stub"}}}
}

// Complete returns up to n citation labels starting with (or matching) prefix, for autocomplete.
func (b *Bot) Complete(prefix string, n int) []string { return []string{"一¶1"} }

// RecordVote appends a vote to the feedback log.
func (b *Bot) RecordVote(ctx context.Context, v Vote) error { return nil }
