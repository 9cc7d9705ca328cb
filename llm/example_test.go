package llm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/llm"
)

// The examples use a few lines of net/http/httptest rather than the
// project's internal test server, so that they can be copied as they are.

// fakeOpenAI stands in for an OpenAI-compatible server. A chat request
// that asks to stream gets the deltas as server-sent events, then the
// token usage the server counted (promptTokens; none when negative), as
// OpenAI sends it when asked for include_usage. Any other request gets
// reply as one JSON completion.
func fakeOpenAI(reply string, promptTokens int, deltas ...string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(deltas) == 0 {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":%q}}]}`, reply)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for _, d := range deltas {
			fmt.Fprintf(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":%q}}]}\n\n", d)
		}
		fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n")
		if promptTokens >= 0 {
			fmt.Fprintf(w, "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d}}\n\n",
				promptTokens, len(deltas), promptTokens+len(deltas))
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
}

func ExampleClient_Answer() {
	srv := fakeOpenAI("", 1500, "成員國將", "加強禁毒合作", "[三(四)¶2]。")
	defer srv.Close()

	c, err := llm.New(llm.Config{BaseURL: srv.URL + "/v1", Model: "qwen2.5:7b", Timeout: 30 * time.Second})
	if err != nil {
		panic(err)
	}
	var streamed []string
	a, err := c.Answer(context.Background(), llm.Request{
		Question: "那禁毒呢?",
		Previous: []string{"成員國在安全方面合作什麼?"},
		Passages: []corpus.Paragraph{{Label: "三(四)¶2", Section: "三、安全 › (四)禁毒", Text: "成員國將加強禁毒合作。"}},
		Title:    "上海合作組織成員國元首理事會宣言",
	}, func(delta string) { streamed = append(streamed, delta) })
	if err != nil {
		// errors.Is(err, llm.ErrUnavailable) etc.: fall back to the extractive answer.
		panic(err)
	}
	fmt.Println(a.Text, a.Grounded, a.PromptTokens, a.CompletionTokens)
	fmt.Println(strings.Join(streamed, "|"))
	// Output:
	// 成員國將加強禁毒合作[三(四)¶2]。 true 1500 3
	// 成員國將|加強禁毒合作|[三(四)¶2]。
}

// A server whose context window is smaller than the prompt may cut the
// prompt and answer from what is left; its token count gives it away.
func ExampleClient_Answer_truncated() {
	srv := fakeOpenAI("", 20, "上合組織成立於二〇〇一年", "[一¶1]。")
	defer srv.Close()

	c, err := llm.New(llm.Config{BaseURL: srv.URL + "/v1", Model: "llama3.2:1b"})
	if err != nil {
		panic(err)
	}
	_, err = c.Answer(context.Background(), llm.Request{
		Question: "上合組織何時成立?",
		Passages: []corpus.Paragraph{{Label: "一¶1", Text: "上海合作組織成立於二〇〇一年。"}},
		Whole:    true,
	}, nil)
	// Ask again with fewer passages, or fall back to the extractive answer.
	fmt.Println(errors.Is(err, llm.ErrTruncated))
	// Output: true
}

func ExampleClient_Rewrite() {
	srv := fakeOpenAI("上合組織秘書處設在哪裡\n秘書處所在地", -1)
	defer srv.Close()

	c, err := llm.New(llm.Config{BaseURL: srv.URL + "/v1", Model: "gpt-4o-mini", APIKey: "sk-example"})
	if err != nil {
		panic(err)
	}
	queries, err := c.Rewrite(context.Background(), llm.RewriteRequest{
		Question: "那它设在哪里?",
		Previous: []string{"上合組織秘書處是什麼?"},
		Title:    "上海合作組織成員國元首理事會宣言",
		Language: "Traditional Chinese",
	})
	fmt.Printf("%q %v\n", queries, err)
	// Output: ["上合組織秘書處設在哪裡" "秘書處所在地"] <nil>
}

func ExampleConfig_String() {
	cfg := llm.Config{BaseURL: "https://api.openai.com/v1", APIKey: "sk-secret", Model: "gpt-4o-mini", RetryBackoff: 500 * time.Millisecond}
	fmt.Println(cfg)
	// Output: llm.Config{BaseURL: "https://api.openai.com/v1", APIKey: (set), Model: "gpt-4o-mini", Timeout: 0s, RetryBackoff: 500ms, MaxRetryAfter: 0s}
}

func Example_fallback() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"message":"invalid api key","type":"auth"}}`, http.StatusUnauthorized)
	}))
	defer srv.Close()

	c, _ := llm.New(llm.Config{BaseURL: srv.URL, Model: "m", APIKey: "sk-wrong"})
	_, err := c.Answer(context.Background(), llm.Request{Question: "q", Passages: []corpus.Paragraph{{Label: "一¶1", Text: "t"}}}, nil)
	fmt.Println(errors.Is(err, llm.ErrRejected), errors.Is(err, llm.ErrUnavailable))
	// Output: true false
}
