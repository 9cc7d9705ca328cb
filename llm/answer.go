package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/citebot/citebot/corpus"
)

const (
	// answerMaxTokens bounds cost and latency; a cited answer about a few passages fits easily.
	answerMaxTokens = 1024
	// rewriteMaxTokens bounds a one-line query.
	rewriteMaxTokens = 200
	// maxPrevious is how many earlier questions Rewrite shows the model: enough
	// to resolve "it", small enough to keep the prompt cheap.
	maxPrevious = 6
	// maxQueryRunes caps a rewritten query (and each previous question) so a
	// rambling model cannot blow up retrieval.
	maxQueryRunes = 300
)

// Answer writes an answer to question from passages only, in the question's
// language, citing as [三(四)¶2]. onDelta (may be nil) receives the text as it
// streams, in order; deltas joined equal text, except that a reply which turns
// out to be the NotInDocument marker, and a leading <think> block of reasoning
// models, are never sent. grounded is false when the model says the passages
// do not answer; text then holds whatever the model said besides the marker.
// With no passages it returns ("", false, nil) without asking the model.
func (c *Client) Answer(ctx context.Context, question string, passages []corpus.Paragraph, onDelta func(string)) (text string, grounded bool, err error) {
	if strings.TrimSpace(question) == "" {
		return "", false, errors.New("llm: answer: empty question")
	}
	if len(passages) == 0 {
		return "", false, nil
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.conn.Timeout)
	defer cancel()
	start := time.Now()

	system, user := answerMessages(question, passages, newNonce())
	req := c.request(system, user, answerMaxTokens)
	var raw string
	err = c.withRetry(ctx, "answer", func(ctx context.Context) (bool, error) {
		em := &emitter{fn: onDelta}
		t, err := c.streamOnce(ctx, req, em)
		if err != nil {
			// Replaying after text reached the user would show it twice.
			return !em.released, err
		}
		em.finish(t)
		raw = t
		return false, nil
	})
	if err != nil {
		return "", false, c.classify(ctx, parent, "answer", err)
	}
	text, grounded = interpret(raw)
	if text == "" && grounded {
		return "", false, c.classify(ctx, parent, "answer", ErrEmptyReply)
	}
	c.conn.Log.Debug("llm: answered", "passages", len(passages), "grounded", grounded,
		"chars", utf8.RuneCountInString(text), "elapsed", time.Since(start))
	return text, grounded, nil
}

// request builds a low-temperature, length-bounded chat request, dropping
// the knobs that reasoning models (o1/o3/gpt-5…) reject.
func (c *Client) request(system, user string, maxTokens int) openai.ChatCompletionRequest {
	req := openai.ChatCompletionRequest{
		Model: c.conn.Model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: system},
			{Role: openai.ChatMessageRoleUser, Content: user},
		},
		// A zero temperature would be dropped by omitempty and the server
		// default (often 0.7–1) used; the smallest float is "greedy" everywhere.
		Temperature: math.SmallestNonzeroFloat32,
		MaxTokens:   maxTokens,
	}
	if openai.NewReasoningValidator().Validate(req) != nil {
		req.Temperature = 0
		req.MaxTokens = 0
	}
	return req
}

// streamOnce runs one streamed completion and returns the full text.
func (c *Client) streamOnce(ctx context.Context, req openai.ChatCompletionRequest, em *emitter) (string, error) {
	stream, err := c.conn.API.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return "", err
	}
	defer stream.Close()
	if ct := stream.Header().Get("Content-Type"); strings.HasPrefix(ct, "application/json") {
		// Some servers ignore stream:true and send one JSON document, which
		// go-openai's SSE reader would silently read as an empty stream.
		// Its body is unreachable through the stream, so ask again without streaming.
		stream.Close()
		c.conn.Log.Info("llm: server does not stream; asking again without streaming")
		req.Stream = false
		t, _, err := c.complete(ctx, req)
		if err == nil {
			em.update(t)
		}
		return t, err
	}

	var b strings.Builder
	var finish openai.FinishReason
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return b.String(), fmt.Errorf("%w: stream: %w", ErrBadReply, err)
		}
		for _, ch := range chunk.Choices {
			if ch.Index != 0 {
				continue
			}
			if ch.Delta.Content != "" {
				b.WriteString(ch.Delta.Content)
				em.update(b.String())
			}
			if ch.FinishReason != "" {
				finish = ch.FinishReason
			}
		}
	}
	// go-openai reports a stream cut short after a complete event the same
	// way as a finished one; every OpenAI-compatible server sends a finish
	// reason in its last chunk, so its absence means the answer is incomplete.
	if finish == "" && b.Len() > 0 {
		return b.String(), fmt.Errorf("%w: stream ended before the model finished", ErrBadReply)
	}
	if finish == openai.FinishReasonLength || finish == openai.FinishReasonContentFilter {
		c.conn.Log.Warn("llm: answer cut short", "finish_reason", string(finish))
	}
	return b.String(), nil
}

// complete runs one non-streamed completion and returns the first choice's text.
func (c *Client) complete(ctx context.Context, req openai.ChatCompletionRequest) (string, openai.FinishReason, error) {
	resp, err := c.conn.API.CreateChatCompletion(ctx, req)
	if err != nil {
		return "", "", err
	}
	if len(resp.Choices) == 0 {
		return "", "", fmt.Errorf("%w: no choices in reply", ErrBadReply)
	}
	ch := resp.Choices[0]
	return ch.Message.Content, ch.FinishReason, nil
}

// interpret strips a reasoning block and the marker from a reply and decides
// whether the model claimed the passages answer the question.
func interpret(raw string) (text string, grounded bool) {
	vis := strings.TrimSpace(visibleText(raw))
	if !strings.Contains(vis, NotInDocument) {
		return vis, true
	}
	rest := strings.TrimSpace(strings.ReplaceAll(vis, NotInDocument, ""))
	// A marker up front, or a reply that cites nothing, is the model saying
	// "not answered"; a cited answer with a stray marker is still an answer.
	if strings.HasPrefix(vis, NotInDocument) || !strings.Contains(rest, "¶") {
		return rest, false
	}
	return rest, true
}

// visibleText hides a leading <think>…</think> block that reasoning models
// (DeepSeek-R1, Qwen3 on Ollama or vLLM) put before the answer. While the
// block is open, or the text could still become one, nothing is visible.
// The result only ever grows as full grows, which streaming relies on.
func visibleText(full string) string {
	const open, closing = "<think>", "</think>"
	t := strings.TrimLeft(full, " \t\r\n")
	if strings.HasPrefix(t, open) {
		if i := strings.Index(t, closing); i >= 0 {
			return t[i+len(closing):]
		}
		return ""
	}
	if strings.HasPrefix(open, t) {
		return ""
	}
	return full
}

// emitter forwards streamed text to onDelta, never sending the
// NotInDocument marker: text that might still grow into the marker is held
// back until it either completes (and is dropped) or diverges (and is sent).
// A leading reasoning block is never sent either.
type emitter struct {
	fn       func(string)
	sent     int // bytes of shown(full) already sent
	released bool
}

// shown is the part of full that may be shown so far: the visible text
// without markers, minus a tail that is a proper prefix of the marker. It
// only grows as full grows, so sending its new suffix keeps deltas in order.
func shown(full string) (ready, held string) {
	clean := strings.TrimLeft(strings.ReplaceAll(visibleText(full), NotInDocument, ""), " \t\r\n")
	for k := min(len(NotInDocument)-1, len(clean)); k > 0; k-- {
		if strings.HasSuffix(clean, NotInDocument[:k]) {
			return clean[:len(clean)-k], clean[len(clean)-k:]
		}
	}
	return clean, ""
}

func (e *emitter) update(full string) {
	if e.fn == nil {
		return
	}
	ready, _ := shown(full)
	if len(ready) > e.sent {
		e.fn(ready[e.sent:])
		e.sent = len(ready)
		e.released = true
	}
}

// finish sends a held tail that never became the marker (a reply ending in "N").
func (e *emitter) finish(full string) {
	if e.fn == nil {
		return
	}
	ready, held := shown(full)
	if rest := strings.TrimRight(ready+held, " \t\r\n"); len(rest) > e.sent {
		e.fn(rest[e.sent:])
		e.sent = len(rest)
		e.released = true
	}
}

// Rewrite turns question into a standalone search query: it resolves
// follow-ups ("那它设在哪里?") using the user's previous questions (oldest
// first), and when the question is not Chinese it appends Chinese search
// terms. A Chinese question with no previous questions is already standalone
// and is returned trimmed without asking the model.
func (c *Client) Rewrite(ctx context.Context, previous []string, question string) (string, error) {
	q := strings.TrimSpace(question)
	if q == "" {
		return "", errors.New("llm: rewrite: empty question")
	}
	var prev []string
	for _, p := range previous {
		if p = strings.TrimSpace(p); p != "" {
			prev = append(prev, truncateRunes(p, maxQueryRunes))
		}
	}
	if len(prev) > maxPrevious {
		prev = prev[len(prev)-maxPrevious:]
	}
	if len(prev) == 0 && isChinese(q) {
		return q, nil
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.conn.Timeout)
	defer cancel()

	system, user := rewriteMessages(prev, truncateRunes(q, 4*maxQueryRunes), newNonce())
	req := c.request(system, user, rewriteMaxTokens)
	var raw string
	err := c.withRetry(ctx, "rewrite", func(ctx context.Context) (bool, error) {
		t, _, err := c.complete(ctx, req)
		raw = t
		return true, err
	})
	if err != nil {
		return "", c.classify(ctx, parent, "rewrite", err)
	}
	out := cleanQuery(raw)
	if out == "" {
		return "", c.classify(ctx, parent, "rewrite", ErrEmptyReply)
	}
	return out, nil
}

// cleanQuery keeps the first line of a reply, without labels or quotes a
// model may add despite the rules.
func cleanQuery(raw string) string {
	var line string
	for ln := range strings.SplitSeq(visibleText(raw), "\n") {
		if ln = strings.TrimSpace(ln); ln != "" {
			line = ln
			break
		}
	}
	for _, p := range []string{"search query:", "standalone query:", "query:", "搜索查询：", "搜索：", "查询：", "查詢：", "检索："} {
		if len(line) >= len(p) && strings.EqualFold(line[:len(p)], p) {
			line = strings.TrimSpace(line[len(p):])
			break
		}
	}
	line = strings.Trim(line, "\"'`“”「」『』 ")
	return truncateRunes(line, maxQueryRunes)
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
