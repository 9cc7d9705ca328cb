package oaitest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// Ending is how a streamed chat reply ends after its chunks.
type Ending int

const (
	// EndFinished sends a last chunk with the finish reason, then data: [DONE].
	EndFinished Ending = iota
	// EndUnfinished ends the body cleanly with no finish reason and no [DONE]
	// (go-openai reports that as a normal end of stream).
	EndUnfinished
	// EndDropped drops the connection mid-body.
	EndDropped
	// EndStalled sends nothing more until the client gives up.
	EndStalled
)

// Reply is what the server does for one request. The zero Reply answers 200
// with an empty completion (chat) or the server's vectors (embeddings).
// Build one with the constructors below and adjust it with the With methods.
type Reply struct {
	// Status is the HTTP status (200 when zero). From 400 on, the body is an
	// OpenAI-style error unless Raw is set.
	Status int
	// Message is the error message of an error reply.
	Message string
	// Header holds extra response headers, e.g. Retry-After.
	Header http.Header
	// Raw sends Body verbatim with ContentType instead of a generated body.
	Raw bool
	// Body is the verbatim body when Raw is set.
	Body string
	// ContentType is the Content-Type of a Raw body.
	ContentType string

	// Chunks is the assistant's text in the pieces a stream sends; a JSON
	// completion carries them joined.
	Chunks []string
	// Finish is the finish reason (stop when empty).
	Finish openai.FinishReason
	// Ending is how the body ends after the chunks (or after a Raw body).
	Ending Ending
	// IgnoreStream answers with one JSON completion even when stream:true was asked.
	IgnoreStream bool

	// Data, when not nil, is the embeddings data array sent as is.
	Data []openai.Embedding
	// CountDelta adds (positive) or drops (negative) vectors from the server's answer.
	CountDelta int
	// Dim, when not zero, resizes every computed vector to Dim values.
	Dim int

	// Gate, when not nil, holds the reply until it is closed (or the client gives up).
	Gate <-chan struct{}
	// Pause, when not nil, holds a stream after its first PauseAt chunks
	// until it is closed (or the client gives up), then sends the rest.
	Pause   <-chan struct{}
	PauseAt int
	// Hang sends nothing at all until the client gives up.
	Hang bool
}

// textChunkRunes is the size of the pieces Text streams.
const textChunkRunes = 4

// OK is the zero Reply: the server's vectors for embeddings, an empty completion for chat.
func OK() Reply { return Reply{} }

// Text answers with s: streamed in pieces of at most 4 runes with finish
// reason stop, or as a JSON completion when the request does not stream.
// Text("") is an empty completion.
func Text(s string) Reply {
	var chunks []string
	r := []rune(s)
	for i := 0; i < len(r); i += textChunkRunes {
		chunks = append(chunks, string(r[i:min(i+textChunkRunes, len(r))]))
	}
	return Reply{Chunks: chunks}
}

// Chunks answers with exactly these stream pieces (joined for a JSON completion).
func Chunks(parts ...string) Reply { return Reply{Chunks: parts} }

// NoStream answers s as one JSON completion even when stream:true was asked, as some servers do.
func NoStream(s string) Reply { return Reply{Chunks: []string{s}, IgnoreStream: true} }

// Truncated streams parts and ends the body without a finish reason or [DONE].
func Truncated(parts ...string) Reply { return Reply{Chunks: parts, Ending: EndUnfinished} }

// Cut streams parts and then drops the connection.
func Cut(parts ...string) Reply { return Reply{Chunks: parts, Ending: EndDropped} }

// Stall streams parts and then sends nothing until the client gives up.
func Stall(parts ...string) Reply { return Reply{Chunks: parts, Ending: EndStalled} }

// RawSSE sends body verbatim as a text/event-stream.
func RawSSE(body string) Reply {
	return Reply{Raw: true, Body: body, ContentType: "text/event-stream"}
}

// Malformed streams an event whose data is not valid JSON.
func Malformed() Reply {
	return RawSSE("data: {\"choices\": [{\"delta\": {\"content\": \"x\"\n\ndata: [DONE]\n\n")
}

// Raw answers with status code and body verbatim (an HTML proxy page, a plain-text error).
func Raw(code int, contentType, body string) Reply {
	return Reply{Status: code, Raw: true, Body: body, ContentType: contentType}
}

// Status answers with an HTTP error status and an OpenAI-style error body.
func Status(code int) Reply { return Reply{Status: code} }

// Hang sends nothing, not even headers, until the client gives up (its
// context is cancelled or times out) or the server closes.
func Hang() Reply { return Reply{Hang: true} }

// Vectors answers an embeddings request with these vectors, index i for vs[i].
func Vectors(vs ...[]float32) Reply {
	data := make([]openai.Embedding, len(vs))
	for i, v := range vs {
		data[i] = openai.Embedding{Object: "embedding", Index: i, Embedding: v}
	}
	return Reply{Data: data}
}

// EmbedData answers an embeddings request with this data array as is
// (repeated or out-of-range indices, empty vectors).
func EmbedData(data ...openai.Embedding) Reply {
	if data == nil {
		data = []openai.Embedding{}
	}
	return Reply{Data: data}
}

// WrongCount answers with the server's vectors plus (delta > 0) or minus (delta < 0) some.
func WrongCount(delta int) Reply { return Reply{CountDelta: delta} }

// WrongDim answers with the server's vectors resized to dim values.
func WrongDim(dim int) Reply { return Reply{Dim: dim} }

// WithHeader returns r with a response header added.
func (r Reply) WithHeader(key, value string) Reply {
	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Add(key, value)
	r.Header = h
	return r
}

// WithRetryAfter returns r with a Retry-After header (seconds or an HTTP date).
func (r Reply) WithRetryAfter(v string) Reply { return r.WithHeader("Retry-After", v) }

// WithMessage returns r with the message of its error body.
func (r Reply) WithMessage(msg string) Reply {
	r.Message = msg
	return r
}

// WithFinish returns r with another finish reason, e.g. length.
func (r Reply) WithFinish(f openai.FinishReason) Reply {
	r.Finish = f
	return r
}

// After returns r held until gate is closed: the request is recorded at
// once, the reply goes out only then.
func (r Reply) After(gate <-chan struct{}) Reply {
	r.Gate = gate
	return r
}

// PauseAfter returns r streamed up to its first n chunks, then held until
// gate is closed: a test can look at what the client did with part of a
// reply before the rest arrives.
func (r Reply) PauseAfter(n int, gate <-chan struct{}) Reply {
	r.Pause, r.PauseAt = gate, n
	return r
}

// write renders rep for request r.
func (s *Server) write(w http.ResponseWriter, hr *http.Request, r Request, rep Reply, vectors VectorFunc) {
	ctx := hr.Context()
	if rep.Gate != nil {
		select {
		case <-rep.Gate:
		case <-ctx.Done():
			return
		case <-s.closing:
			return
		}
	}
	if rep.Hang {
		s.hang(ctx)
		return
	}
	maps.Copy(w.Header(), rep.Header)
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	switch {
	case rep.Raw:
		w.Header().Set("Content-Type", rep.ContentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, rep.Body)
		s.end(ctx, w, rep.Ending)
	case status >= 400:
		writeError(w, status, rep.Message)
	case r.IsChat():
		s.writeChat(ctx, w, r, rep, status)
	default:
		writeEmbeddings(w, r, rep, status, vectors)
	}
}

// end finishes a body as e says; EndFinished and EndUnfinished need nothing more.
func (s *Server) end(ctx context.Context, w http.ResponseWriter, e Ending) {
	rc := http.NewResponseController(w)
	switch e {
	case EndDropped:
		_ = rc.Flush()
		if conn, _, err := rc.Hijack(); err == nil {
			conn.Close()
		}
	case EndStalled:
		_ = rc.Flush()
		s.hang(ctx)
	}
}

// hang blocks until the client gives up or the server closes.
func (s *Server) hang(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.closing:
	}
}

// errorKind gives the OpenAI error type and code for a status.
func errorKind(status int) (typ, code string) {
	switch {
	case status == http.StatusUnauthorized:
		return "invalid_request_error", "invalid_api_key"
	case status == http.StatusNotFound:
		return "invalid_request_error", "not_found"
	case status == http.StatusTooManyRequests:
		return "requests", "rate_limit_exceeded"
	case status >= 500:
		return "server_error", "server_error"
	}
	return "invalid_request_error", ""
}

// writeError sends an OpenAI-style error body.
func writeError(w http.ResponseWriter, status int, msg string) {
	if msg == "" {
		msg = fmt.Sprintf("oaitest: status %d", status)
	}
	typ, code := errorKind(status)
	var c any
	if code != "" {
		c = code
	}
	body := map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": c}}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// writeChat sends a completion: server-sent events when the request streams, JSON otherwise.
func (s *Server) writeChat(ctx context.Context, w http.ResponseWriter, r Request, rep Reply, status int) {
	finish := rep.Finish
	if finish == "" {
		finish = openai.FinishReasonStop
	}
	model := r.Chat.Model
	if !r.Chat.Stream || rep.IgnoreStream {
		if rep.Ending == EndUnfinished {
			finish = ""
		}
		resp := openai.ChatCompletionResponse{
			ID: fmt.Sprintf("chatcmpl-oaitest-%d", r.N), Object: "chat.completion", Created: 1700000000, Model: model,
			Choices: []openai.ChatCompletionChoice{{Index: 0, FinishReason: finish,
				Message: openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: strings.Join(rep.Chunks, "")}}},
			Usage: openai.Usage{PromptTokens: len(r.Body) / 4, CompletionTokens: len(rep.Chunks), TotalTokens: len(r.Body)/4 + len(rep.Chunks)},
		}
		b, _ := json.Marshal(resp)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if rep.Ending == EndDropped || rep.Ending == EndStalled {
			_, _ = w.Write(b[:len(b)/2])
			s.end(ctx, w, rep.Ending)
			return
		}
		_, _ = w.Write(b)
		return
	}

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	rc := http.NewResponseController(w)
	event := func(delta openai.ChatCompletionStreamChoiceDelta, finish openai.FinishReason) {
		b, _ := json.Marshal(openai.ChatCompletionStreamResponse{
			ID: fmt.Sprintf("chatcmpl-oaitest-%d", r.N), Object: "chat.completion.chunk", Created: 1700000000, Model: model,
			Choices: []openai.ChatCompletionStreamChoice{{Index: 0, Delta: delta, FinishReason: finish}},
		})
		fmt.Fprintf(w, "data: %s\n\n", b)
		_ = rc.Flush()
	}
	event(openai.ChatCompletionStreamChoiceDelta{Role: openai.ChatMessageRoleAssistant}, "")
	for i, c := range rep.Chunks {
		if rep.Pause != nil && i == rep.PauseAt {
			select {
			case <-rep.Pause:
			case <-ctx.Done():
				return
			case <-s.closing:
				return
			}
		}
		event(openai.ChatCompletionStreamChoiceDelta{Content: c}, "")
	}
	if rep.Ending != EndFinished {
		s.end(ctx, w, rep.Ending)
		return
	}
	event(openai.ChatCompletionStreamChoiceDelta{}, finish)
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// writeEmbeddings sends the embeddings: rep.Data as is, or the server's
// vectors adjusted by rep, listed in reverse order with their indices (the
// index, not the position, is what ties a vector to its input).
func writeEmbeddings(w http.ResponseWriter, r Request, rep Reply, status int, vectors VectorFunc) {
	data := rep.Data
	if data == nil {
		vecs := vectors(r.Inputs)
		if rep.CountDelta < 0 {
			vecs = vecs[:max(0, len(vecs)+rep.CountDelta)]
		}
		for i := range rep.CountDelta {
			vecs = append(vecs, vectors([]string{fmt.Sprintf("oaitest extra vector %d", i)})...)
		}
		if rep.Dim > 0 {
			for i, v := range vecs {
				vecs[i] = resize(v, rep.Dim)
			}
		}
		data = make([]openai.Embedding, 0, len(vecs))
		for i := len(vecs) - 1; i >= 0; i-- {
			data = append(data, openai.Embedding{Object: "embedding", Index: i, Embedding: vecs[i]})
		}
	}
	tokens := 0
	for _, in := range r.Inputs {
		tokens += len(in) / 4
	}
	resp := openai.EmbeddingResponse{Object: "list", Data: data, Model: r.Embed.Model,
		Usage: openai.Usage{PromptTokens: tokens, TotalTokens: tokens}}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(resp)
}

// resize returns v cut or padded (repeating its values, or with ones) to n values.
func resize(v []float32, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		if len(v) == 0 {
			out[i] = 1
		} else {
			out[i] = v[i%len(v)] + float32(i/len(v))
		}
	}
	return out
}
