// Package oaitest is a small OpenAI-compatible server on loopback for tests:
// chat completions (streamed as server-sent events when the request says
// stream:true, one JSON document otherwise) and embeddings, with real status
// codes, Retry-After headers and OpenAI-style error bodies. It speaks the wire
// format only, so tests exercise the real go-openai client, the way
// internal/fakediscord does for Discord.
//
// What the server answers is decided per request by a Handler returning a
// Reply: a Script of replies in order, a func of the request, or Reader, a
// fake grounded model that reads the passages it is sent and cites the one
// that shares words with the question. Every request is recorded, decoded
// into go-openai's request types, for assertions; Wait and Await block until
// a number of requests has arrived, so tests never sleep.
//
//	srv := oaitest.New(t, oaitest.Replies(oaitest.Status(429).WithRetryAfter("1"), oaitest.Text("答[一¶1]")))
//	client, _ := llm.New(llm.Config{BaseURL: srv.URL(), Model: "m"})
package oaitest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Paths the server answers (any prefix before them is accepted, so a base
// URL with or without /v1 works; Request.Path keeps what the client sent).
const (
	// ChatPath is the chat completions endpoint under the base URL.
	ChatPath = "/chat/completions"
	// EmbeddingsPath is the embeddings endpoint under the base URL.
	EmbeddingsPath = "/embeddings"
)

// Handler decides the reply to one request. It runs on the server's
// goroutine: it may call t.Errorf but not t.Fatal, and must be safe for
// concurrent use when the client sends requests in parallel.
type Handler func(r Request) Reply

// VectorFunc returns one embedding per text, in order.
type VectorFunc func(texts []string) [][]float32

// Request is one request the server received.
type Request struct {
	// N is the 1-based arrival number among all requests to the server.
	N int
	// Method and Path are the HTTP method and URL path, e.g. POST /v1/chat/completions.
	Method, Path string
	// Auth is the Authorization header as sent ("Bearer sk-…", or "" for none).
	Auth string
	// Header holds all request headers.
	Header http.Header
	// Body is the raw request body.
	Body []byte
	// Chat is the decoded body of a chat completion request.
	Chat openai.ChatCompletionRequest
	// Embed is the decoded body of an embeddings request.
	Embed openai.EmbeddingRequest
	// Inputs are the texts of an embeddings request, in order.
	Inputs []string
}

// IsChat reports whether r is a chat completion request.
func (r Request) IsChat() bool { return strings.HasSuffix(r.Path, ChatPath) }

// IsEmbed reports whether r is an embeddings request.
func (r Request) IsEmbed() bool { return strings.HasSuffix(r.Path, EmbeddingsPath) }

// System returns the content of the chat request's first system message.
func (r Request) System() string {
	for _, m := range r.Chat.Messages {
		if m.Role == openai.ChatMessageRoleSystem {
			return content(m)
		}
	}
	return ""
}

// User returns the content of the chat request's last user message.
func (r Request) User() string {
	for _, m := range slices.Backward(r.Chat.Messages) {
		if m.Role == openai.ChatMessageRoleUser {
			return content(m)
		}
	}
	return ""
}

// Prompt parses the chat request's DATA block (see ParsePrompt).
func (r Request) Prompt() (Prompt, bool) { return ParsePrompt(r.Chat) }

// content returns a message's text, joining the text parts of a multi-part message.
func content(m openai.ChatCompletionMessage) string {
	if m.Content != "" || len(m.MultiContent) == 0 {
		return m.Content
	}
	var b strings.Builder
	for _, p := range m.MultiContent {
		if p.Type == openai.ChatMessagePartTypeText {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// Option configures a Server.
type Option func(*Server)

// WithChat sets how chat requests are answered (default: Reader()).
func WithChat(h Handler) Option { return func(s *Server) { s.chat = h } }

// Replies answers chat requests with replies in order, the last repeating.
func Replies(replies ...Reply) Option { return WithChat(Script(replies...)) }

// WithEmbed sets how embeddings requests are answered (default: OK(), the VectorFunc's vectors).
func WithEmbed(h Handler) Option { return func(s *Server) { s.embed = h } }

// EmbedReplies answers embeddings requests with replies in order, the last repeating.
func EmbedReplies(replies ...Reply) Option { return WithEmbed(Script(replies...)) }

// WithVectors sets the embeddings the server computes (default: HashVectors(DefaultDim)).
func WithVectors(f VectorFunc) Option { return func(s *Server) { s.vectors = f } }

// WithKey makes the server accept only "Authorization: Bearer key" and
// answer anything else with 401 invalid_api_key (the key is never echoed).
func WithKey(key string) Option { return func(s *Server) { s.key = key } }

// Script returns a Handler answering with replies in order, the last one
// repeating; with no replies it answers OK(). Each Script counts its own calls.
func Script(replies ...Reply) Handler {
	var mu sync.Mutex
	n := 0
	return func(Request) Reply {
		if len(replies) == 0 {
			return OK()
		}
		mu.Lock()
		defer mu.Unlock()
		r := replies[min(n, len(replies)-1)]
		n++
		return r
	}
}

// Server is a fake OpenAI-compatible server.
type Server struct {
	tb      testing.TB
	hs      *httptest.Server
	key     string
	closing chan struct{} // closed by Close: hanging replies give up
	once    sync.Once

	mu      sync.Mutex
	changed chan struct{} // closed and replaced whenever a request is recorded
	reqs    []Request
	chat    Handler
	embed   Handler
	vectors VectorFunc
}

// New starts a server on loopback, closed when the test ends.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{tb: tb, closing: make(chan struct{}), changed: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	if s.chat == nil {
		s.chat = Reader()
	}
	if s.embed == nil {
		s.embed = func(Request) Reply { return OK() }
	}
	if s.vectors == nil {
		s.vectors = HashVectors(DefaultDim)
	}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// URL returns the base URL to configure a client with, ending in /v1.
func (s *Server) URL() string { return s.hs.URL + "/v1" }

// Root returns the server's URL without /v1.
func (s *Server) Root() string { return s.hs.URL }

// Close stops the server: replies still hanging give up, and later requests
// fail to connect (as with a server that went down). It is idempotent.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closing)
		s.hs.CloseClientConnections()
		s.hs.Close()
	})
}

// SetChat changes how later chat requests are answered.
func (s *Server) SetChat(h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chat = h
}

// SetEmbed changes how later embeddings requests are answered.
func (s *Server) SetEmbed(h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.embed = h
}

// SetVectors changes the embeddings the server computes from now on
// (a server that starts running another model under the same name).
func (s *Server) SetVectors(f VectorFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vectors = f
}

// Requests returns every request received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// Chats returns the chat completion requests received so far.
func (s *Server) Chats() []Request {
	return slices.DeleteFunc(s.Requests(), func(r Request) bool { return !r.IsChat() })
}

// Embeddings returns the embeddings requests received so far.
func (s *Server) Embeddings() []Request {
	return slices.DeleteFunc(s.Requests(), func(r Request) bool { return !r.IsEmbed() })
}

// Inputs returns every text sent for embedding so far, flattened in arrival order.
func (s *Server) Inputs() []string {
	var out []string
	for _, r := range s.Embeddings() {
		out = append(out, r.Inputs...)
	}
	return out
}

// Count returns how many requests have been received.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// WaitFor blocks until cond holds for the requests received so far (cond
// runs under the server's lock and must not call the Server), and returns
// them; it returns ctx's error if ctx ends first.
func (s *Server) WaitFor(ctx context.Context, cond func([]Request) bool) ([]Request, error) {
	for {
		s.mu.Lock()
		ok, ch := cond(s.reqs), s.changed
		var reqs []Request
		if ok {
			reqs = slices.Clone(s.reqs)
		}
		s.mu.Unlock()
		if ok {
			return reqs, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Wait blocks until at least n requests have been received and returns them.
func (s *Server) Wait(ctx context.Context, n int) ([]Request, error) {
	return s.WaitFor(ctx, func(r []Request) bool { return len(r) >= n })
}

// Await is Wait bounded by the test's deadline (when it has one); it fails
// the test if the requests do not come. Call it from the test's goroutine.
func (s *Server) Await(n int) []Request {
	s.tb.Helper()
	ctx := context.Background()
	if d, ok := s.tb.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, dl.Add(-time.Second))
			defer cancel()
		}
	}
	reqs, err := s.Wait(ctx, n)
	if err != nil {
		s.tb.Fatalf("oaitest: waited for %d requests, got %d: %v", n, s.Count(), err)
	}
	return reqs
}

// record appends r to the log, numbering it, and wakes waiters.
func (s *Server) record(r *Request) (chat, embed Handler, vectors VectorFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.N = len(s.reqs) + 1
	s.reqs = append(s.reqs, *r)
	close(s.changed)
	s.changed = make(chan struct{})
	return s.chat, s.embed, s.vectors
}

func (s *Server) serve(w http.ResponseWriter, hr *http.Request) {
	body, _ := io.ReadAll(hr.Body)
	r := Request{Method: hr.Method, Path: hr.URL.Path, Auth: hr.Header.Get("Authorization"), Header: hr.Header.Clone(), Body: body}
	var decodeErr error
	switch {
	case r.IsChat():
		decodeErr = json.Unmarshal(body, &r.Chat)
	case r.IsEmbed():
		if decodeErr = json.Unmarshal(body, &r.Embed); decodeErr == nil {
			r.Inputs, decodeErr = inputs(r.Embed.Input)
		}
	}
	chat, embed, vectors := s.record(&r)

	var rep Reply
	switch {
	case !r.IsChat() && !r.IsEmbed():
		rep = Status(http.StatusNotFound).WithMessage("oaitest: no endpoint " + r.Path)
	case hr.Method != http.MethodPost:
		rep = Status(http.StatusMethodNotAllowed).WithMessage("oaitest: " + r.Method + " not allowed")
	case decodeErr != nil:
		rep = Status(http.StatusBadRequest).WithMessage("oaitest: bad request body: " + decodeErr.Error())
	case s.key != "" && r.Auth != "Bearer "+s.key:
		rep = Status(http.StatusUnauthorized).WithMessage("Incorrect API key provided.")
	case r.IsChat():
		rep = chat(r)
	case r.Embed.EncodingFormat == openai.EmbeddingEncodingFormatBase64:
		rep = Status(http.StatusBadRequest).WithMessage("oaitest: base64 encoding_format is not supported")
	default:
		rep = embed(r)
	}
	s.write(w, hr, r, rep, vectors)
}

// inputs reads an embeddings input: one string or a list of strings.
func inputs(in any) ([]string, error) {
	switch v := in.(type) {
	case string:
		return []string{v}, nil
	case []any:
		out := make([]string, len(v))
		for i, x := range v {
			str, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("input %d is not a string (token inputs are not supported)", i)
			}
			out[i] = str
		}
		return out, nil
	}
	return nil, errors.New("input must be a string or a list of strings")
}
