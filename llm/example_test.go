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

// fakeOpenAI stands in for an OpenAI-compatible server: it streams the given
// deltas for chat requests that ask to stream, and returns reply otherwise.
func fakeOpenAI(reply string, deltas ...string) *httptest.Server {
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
		fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n")
	}))
}

func ExampleClient_Answer() {
	srv := fakeOpenAI("", "成員國將", "加強禁毒合作", "[三(四)¶2]。")
	defer srv.Close()

	c, err := llm.New(llm.Config{BaseURL: srv.URL + "/v1", Model: "qwen2.5:7b", Timeout: 30 * time.Second})
	if err != nil {
		panic(err)
	}
	passages := []corpus.Paragraph{{Label: "三(四)¶2", Section: "三、安全 › (四)禁毒", Text: "成員國將加強禁毒合作。"}}
	var streamed []string
	text, grounded, err := c.Answer(context.Background(), "成員國在禁毒方面做什麼?", passages,
		func(delta string) { streamed = append(streamed, delta) })
	if err != nil {
		// errors.Is(err, llm.ErrUnavailable) etc.: fall back to the extractive answer.
		panic(err)
	}
	fmt.Println(text, grounded)
	fmt.Println(strings.Join(streamed, "|"))
	// Output:
	// 成員國將加強禁毒合作[三(四)¶2]。 true
	// 成員國將|加強禁毒合作|[三(四)¶2]。
}

func ExampleClient_Rewrite() {
	srv := fakeOpenAI("上合組織秘書處設在哪裡")
	defer srv.Close()

	c, err := llm.New(llm.Config{BaseURL: srv.URL + "/v1", Model: "gpt-4o-mini", APIKey: "sk-example"})
	if err != nil {
		panic(err)
	}
	q, err := c.Rewrite(context.Background(), []string{"上合組織秘書處是什麼?"}, "那它设在哪里?")
	fmt.Println(q, err)
	// Output: 上合組織秘書處設在哪裡 <nil>
}

func ExampleConfig_String() {
	cfg := llm.Config{BaseURL: "https://api.openai.com/v1", APIKey: "sk-secret", Model: "gpt-4o-mini"}
	fmt.Println(cfg)
	// Output: llm.Config{BaseURL: "https://api.openai.com/v1", APIKey: (set), Model: "gpt-4o-mini", Timeout: 0s}
}

func Example_fallback() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"message":"invalid api key","type":"auth"}}`, http.StatusUnauthorized)
	}))
	defer srv.Close()

	c, _ := llm.New(llm.Config{BaseURL: srv.URL, Model: "m", APIKey: "sk-wrong"})
	_, _, err := c.Answer(context.Background(), "q", []corpus.Paragraph{{Label: "一¶1", Text: "t"}}, nil)
	fmt.Println(errors.Is(err, llm.ErrRejected), errors.Is(err, llm.ErrUnavailable))
	// Output: true false
}
