// Command tokencount measures what a model answer costs in tokens: it runs
// citebot's bot against a local OpenAI-compatible stand-in that records
// every request, for each question of an eval file, once with the default
// context budget (the whole declaration is read) and once with a small one
// (the question is rewritten and retrieval picks the passages), and counts
// the prompt tokens of every request with OpenAI's tokenizers (tiktoken's
// cl100k_base and o200k_base, embedded offline).
//
// Usage:
//
//	go run . [--budget N] [--corpus PATH] FILE.jsonl
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"time"

	tiktoken "github.com/pkoukk/tiktoken-go"
	loader "github.com/pkoukk/tiktoken-go-loader"
	openai "github.com/sashabaranov/go-openai"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/glossary"
	"github.com/citebot/citebot/llm"
	"github.com/citebot/citebot/retrieval"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tokencount", flag.ContinueOnError)
	budget := fs.Int("budget", 6000, "the small context budget, in tokens, for the retrieval mode")
	path := fs.String("corpus", "", "document to load instead of the embedded declaration")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: tokencount [--budget N] [--corpus PATH] FILE.jsonl")
		return 2
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	cases, err := retrieval.ReadCases(f)
	f.Close()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	doc := corpus.Default()
	if *path != "" {
		if doc, err = corpus.Load(*path); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	tiktoken.SetBpeLoader(loader.NewOfflineLoader())
	encs := map[string]*tiktoken.Tiktoken{}
	for _, name := range []string{"cl100k_base", "o200k_base"} {
		if encs[name], err = tiktoken.GetEncoding(name); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	for _, mode := range []struct {
		name   string
		budget int
	}{{"whole document", 0}, {fmt.Sprintf("retrieval, budget %d", *budget), *budget}} {
		rec := &recorder{}
		srv := httptest.NewServer(rec)
		b, err := newBot(doc, srv.URL+"/v1", mode.budget)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		for _, c := range cases {
			b.Handle(context.Background(), bot.Request{Kind: bot.KindAsk, Text: c.Question}, nil)
		}
		srv.Close()
		fmt.Fprintf(stdout, "%s: %d questions, %d requests (%d rewrites)\n", mode.name, len(cases), len(rec.reqs), rec.rewrites())
		for _, name := range []string{"cl100k_base", "o200k_base"} {
			total := 0
			for _, r := range rec.reqs {
				for _, m := range r.Messages {
					total += len(encs[name].Encode(m.Content, nil, nil)) + 4 // the chat format's per-message overhead
				}
			}
			fmt.Fprintf(stdout, "  %-12s prompt tokens per question: %d\n", name, total/len(cases))
		}
	}
	return 0
}

func newBot(doc *corpus.Document, url string, budget int) (*bot.Bot, error) {
	lib, err := retrieval.NewLibrary(context.Background(), doc, retrieval.LocalEmbedder, retrieval.Options{Lexicon: retrieval.GlossaryLexicon{Glossary: glossary.Default()}})
	if err != nil {
		return nil, err
	}
	client, err := llm.New(llm.Config{BaseURL: url, Model: "stand-in", Timeout: 30 * time.Second})
	if err != nil {
		return nil, err
	}
	return bot.New(bot.Config{Searcher: lib, Writer: client, Rewriter: client, RatePerMinute: -1, ContextTokens: budget})
}

// recorder is the stand-in model: it keeps every chat request and answers a
// rewrite with the question, an answer by citing the first passage.
type recorder struct {
	mu   sync.Mutex
	reqs []openai.ChatCompletionRequest
}

func (r *recorder) rewrites() int {
	n := 0
	for _, q := range r.reqs {
		if strings.Contains(q.Messages[0].Content, "search queries") {
			n++
		}
	}
	return n
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	var req openai.ChatCompletionRequest
	if err := json.NewDecoder(hr.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	user := req.Messages[len(req.Messages)-1].Content
	reply := llm.NotInDocument
	if strings.Contains(req.Messages[0].Content, "search queries") {
		_, q, _ := strings.Cut(user, "[question]\n")
		reply, _, _ = strings.Cut(q, "\n")
	} else if _, l, ok := strings.Cut(user, "label: "); ok {
		l, _, _ = strings.Cut(l, "\n")
		reply = "The document says so [" + l + "]."
	}
	if !req.Stream {
		json.NewEncoder(w).Encode(openai.ChatCompletionResponse{Choices: []openai.ChatCompletionChoice{{Message: openai.ChatCompletionMessage{Role: "assistant", Content: reply}, FinishReason: "stop"}}})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	chunk, _ := json.Marshal(openai.ChatCompletionStreamResponse{Choices: []openai.ChatCompletionStreamChoice{{Delta: openai.ChatCompletionStreamChoiceDelta{Content: reply}, FinishReason: "stop"}}})
	fmt.Fprintf(w, "data: %s\n\ndata: [DONE]\n\n", chunk)
}
