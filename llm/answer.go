package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/corpus"
)

const (
	// answerMaxTokens bounds cost and latency; a cited answer about a few passages fits easily.
	answerMaxTokens = 1024
	// rewriteMaxTokens bounds a one-line query.
	rewriteMaxTokens = 200
	// maxPrevious is how many earlier questions Answer and Rewrite show the model: enough
	// to resolve "it", small enough to keep the prompt cheap.
	maxPrevious = 6
	// maxQueryRunes caps a rewritten query (and each previous question) so a
	// rambling model cannot blow up retrieval.
	maxQueryRunes = 300
)

// MaxReplyRunes bounds what is read of one reply, in characters, whatever
// the server does with max_tokens (some ignore it): three times the most
// that answerMaxTokens tokens of the wordiest language (about four
// characters a token) can hold, room for a reasoning block too. The rest
// of a longer reply is not read, and the answer is marked CutShort.
const MaxReplyRunes = 12_000

// Request is one question for the model to answer from passages.
type Request struct {
	Question string
	// Previous are the asker's earlier questions in this conversation,
	// oldest first, so that a follow-up can be understood.
	Previous []string
	// Passages are shown to the model in this order, each with its label.
	Passages []corpus.Paragraph
	// Whole says the passages are the whole document in document order,
	// not the ones retrieval picked.
	Whole bool
	// Title names the document.
	Title string
}

// Answer is the model's reply to a Request.
type Answer struct {
	// Text is the answer without reasoning blocks or the NotInDocument marker.
	Text string
	// Grounded is false when the model said the passages do not answer.
	Grounded bool
	// PromptTokens and CompletionTokens are the server's count, 0 when it
	// reported none.
	PromptTokens, CompletionTokens int
	// CutShort is true when the reply stopped at a length limit (the
	// server's max_tokens or MaxReplyRunes) rather than where the model
	// ended it: its last sentence may be unfinished.
	CutShort bool
}

// Answer writes an answer to the request's question from its passages only,
// in the question's language, citing as [三(四)¶2]. onDelta (may be nil)
// receives the text as it streams, in order; deltas joined equal the text,
// except that a reply which turns out to be the NotInDocument marker, and a
// leading <think> block of reasoning models, are never sent. With no
// passages it returns a not-grounded Answer without asking the model.
//
// When the server reports reading far fewer prompt tokens than were sent,
// its context window cut the prompt: Answer returns ErrTruncated rather
// than an answer from part of the document.
func (c *Client) Answer(ctx context.Context, r Request, onDelta func(string)) (Answer, error) {
	if strings.TrimSpace(r.Question) == "" {
		return Answer{}, errors.New("answer: empty question")
	}
	if len(r.Passages) == 0 {
		return Answer{}, nil
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.conn.Timeout)
	defer cancel()
	start := time.Now()

	r.Previous = recentQuestions(r.Previous)
	system, user := answerMessages(r, newNonce())
	req := c.request(system, user, answerMaxTokens)
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	var raw string
	var usage *openai.Usage
	var cut bool
	err := c.withRetry(ctx, "answer", func(ctx context.Context) (bool, error) {
		em := &emitter{fn: onDelta}
		t, u, short, err := c.streamOnce(ctx, req, em)
		if err != nil {
			// Replaying after text reached the user would show it twice.
			return !em.released, err
		}
		em.finish(t)
		raw, usage, cut = t, u, short
		return false, nil
	})
	if err != nil {
		return Answer{}, c.classify(ctx, parent, "answer", err)
	}
	a := Answer{CutShort: cut}
	a.Text, a.Grounded = interpret(raw)
	if usage != nil {
		a.PromptTokens, a.CompletionTokens = usage.PromptTokens, usage.CompletionTokens
		if least := analysis.MinTokens(system + user); a.PromptTokens > 0 && a.PromptTokens < least {
			return Answer{}, c.classify(ctx, parent, "answer", fmt.Errorf("%w: the server read %d prompt tokens of at least %d sent", ErrTruncated, a.PromptTokens, least))
		}
	}
	if a.Text == "" && a.Grounded {
		return Answer{}, c.classify(ctx, parent, "answer", ErrEmptyReply)
	}
	c.conn.Log.Debug("answered", "passages", len(r.Passages), "whole", r.Whole, "grounded", a.Grounded,
		"chars", utf8.RuneCountInString(a.Text), "prompt_tokens", a.PromptTokens, "elapsed", time.Since(start))
	return a, nil
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

// streamOnce runs one streamed completion and returns the full text, the
// token usage when the server reported it, and whether the text stopped at
// a length limit. It reads at most MaxReplyRunes characters of text.
func (c *Client) streamOnce(ctx context.Context, req openai.ChatCompletionRequest, em *emitter) (string, *openai.Usage, bool, error) {
	stream, err := c.conn.API.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return "", nil, false, err
	}
	defer stream.Close()
	if ct := stream.Header().Get("Content-Type"); strings.HasPrefix(ct, "application/json") {
		// Some servers ignore stream:true and send one JSON document, which
		// go-openai's SSE reader would silently read as an empty stream.
		// Its body is unreachable through the stream, so ask again without streaming.
		stream.Close()
		c.conn.Log.Info("server does not stream; asking again without streaming")
		req.Stream, req.StreamOptions = false, nil
		resp, err := c.completion(ctx, req)
		if err != nil {
			return "", nil, false, err
		}
		t, over := capRunes(resp.Choices[0].Message.Content, MaxReplyRunes)
		em.update(t)
		finish := resp.Choices[0].FinishReason
		return t, &resp.Usage, c.cutShort(finish, over), nil
	}

	var b strings.Builder
	var finish openai.FinishReason
	var usage *openai.Usage
	runes, over := 0, false
	for !over {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return b.String(), nil, false, fmt.Errorf("%w: stream: %w", ErrBadReply, err)
		}
		if chunk.Usage != nil {
			usage = chunk.Usage
		}
		for _, ch := range chunk.Choices {
			if ch.Index != 0 {
				continue
			}
			if ch.Delta.Content != "" && !over {
				piece := ch.Delta.Content
				piece, over = capRunes(piece, MaxReplyRunes-runes)
				runes += utf8.RuneCountInString(piece)
				b.WriteString(piece)
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
	// A reply stopped at MaxReplyRunes is not read to its end: the stream is
	// closed and the text kept, cut.
	if finish == "" && b.Len() > 0 && !over {
		return b.String(), nil, false, fmt.Errorf("%w: stream ended before the model finished", ErrBadReply)
	}
	return b.String(), usage, c.cutShort(finish, over), nil
}

// cutShort reports whether a reply stopped at a limit, and warns when it did.
func (c *Client) cutShort(finish openai.FinishReason, over bool) bool {
	switch {
	case over:
		c.conn.Log.Warn("answer cut at the reply bound", "max_chars", MaxReplyRunes)
		return true
	case finish == openai.FinishReasonLength || finish == openai.FinishReasonContentFilter:
		c.conn.Log.Warn("answer cut short", "finish_reason", string(finish))
		return true
	}
	return false
}

// capRunes returns s cut to at most n runes, and whether it was cut.
func capRunes(s string, n int) (string, bool) {
	n = max(n, 0)
	if len(s) <= n {
		return s, false // fewer bytes than n means fewer runes
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k], true
		}
		i++
	}
	return s, false
}

// completion runs one non-streamed completion; it has at least one choice.
func (c *Client) completion(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	resp, err := c.conn.API.CreateChatCompletion(ctx, req)
	if err != nil {
		return resp, err
	}
	if len(resp.Choices) == 0 {
		return resp, fmt.Errorf("%w: no choices in reply", ErrBadReply)
	}
	return resp, nil
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

// RewriteRequest asks for search queries for a question.
type RewriteRequest struct {
	Question string
	// Previous are the asker's earlier questions, oldest first.
	Previous []string
	// Title names the document; Language is the language it is written in
	// ("Traditional Chinese", "English"), the language the queries must be in.
	Title, Language string
}

// maxQueries bounds the queries one rewrite may return.
const maxQueries = 3

// Rewrite turns a question into up to maxQueries standalone search queries
// in the document's language and wording: it resolves follow-ups ("那它设在
// 哪里?") with the asker's previous questions, carries a question in another
// language into the document's, and puts everyday words in the document's
// terms ("压邻居一头" → 单方面军事优势).
func (c *Client) Rewrite(ctx context.Context, r RewriteRequest) ([]string, error) {
	q := strings.TrimSpace(r.Question)
	if q == "" {
		return nil, errors.New("rewrite: empty question")
	}
	r.Previous, r.Question = recentQuestions(r.Previous), truncateRunes(q, 4*maxQueryRunes)
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.conn.Timeout)
	defer cancel()

	system, user := rewriteMessages(r, newNonce())
	req := c.request(system, user, rewriteMaxTokens)
	var raw string
	err := c.withRetry(ctx, "rewrite", func(ctx context.Context) (bool, error) {
		resp, err := c.completion(ctx, req)
		if err == nil {
			raw = resp.Choices[0].Message.Content
		}
		return true, err
	})
	if err != nil {
		return nil, c.classify(ctx, parent, "rewrite", err)
	}
	out := cleanQueries(raw)
	if len(out) == 0 {
		return nil, c.classify(ctx, parent, "rewrite", ErrEmptyReply)
	}
	return out, nil
}

// recentQuestions keeps the last maxPrevious non-blank previous questions,
// oldest first, each trimmed and capped at maxQueryRunes.
func recentQuestions(previous []string) []string {
	var prev []string
	for _, p := range previous {
		if p = strings.TrimSpace(p); p != "" {
			prev = append(prev, truncateRunes(p, maxQueryRunes))
		}
	}
	if len(prev) > maxPrevious {
		prev = prev[len(prev)-maxPrevious:]
	}
	return prev
}

// cleanQueries keeps the reply's first maxQueries non-empty lines as
// queries, without list marks, labels or quotes a model may add.
func cleanQueries(raw string) []string {
	var out []string
	for ln := range strings.SplitSeq(visibleText(raw), "\n") {
		if q := cleanQuery(ln); q != "" && len(out) < maxQueries {
			out = append(out, q)
		}
	}
	return out
}

// listMark is the bullet or number a model may put before each query.
// A numbered mark is not followed by a digit, so "3.5%关税" keeps its 3.
var listMark = regexp.MustCompile(`^(?:[-*•·]\s*|\d{1,2}[.)、]\s*)`)

// cleanQuery trims one line of a rewrite reply to its query, without list
// marks, labels or quotes a model may add despite the rules.
func cleanQuery(line string) string {
	line = strings.TrimSpace(line)
	if m := listMark.FindString(line); m != "" {
		if r, _ := utf8.DecodeRuneInString(line[len(m):]); !unicode.IsDigit(r) || strings.ContainsAny(m, "-*•·") {
			line = line[len(m):]
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
