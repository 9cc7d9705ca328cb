package oaitest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/citebot/citebot/internal/oaitest"
)

const key = "sk-oaitest-SECRET-42"

// headerDoer records the headers of the last response, which go-openai's errors drop.
type headerDoer struct {
	mu   sync.Mutex
	last http.Header
}

func (d *headerDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		d.mu.Lock()
		d.last = resp.Header.Clone()
		d.mu.Unlock()
	}
	return resp, err
}

func (d *headerDoer) header() http.Header {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last
}

func client(srv *oaitest.Server) (*openai.Client, *headerDoer) {
	cfg := openai.DefaultConfig(key)
	cfg.BaseURL = srv.URL()
	d := &headerDoer{}
	cfg.HTTPClient = d
	return openai.NewClientWithConfig(cfg), d
}

func chatReq(user string) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model:     "fake-model",
		MaxTokens: 77,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: "You answer questions."},
			{Role: openai.ChatMessageRoleUser, Content: user},
		},
	}
}

// streamed is what a client saw of one streamed completion.
type streamed struct {
	deltas      []string
	finish      openai.FinishReason
	contentType string
	err         error // the error that ended the stream; nil for io.EOF
}

func (s streamed) text() string { return strings.Join(s.deltas, "") }

func stream(ctx context.Context, api *openai.Client, req openai.ChatCompletionRequest) (streamed, error) {
	st, err := api.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return streamed{}, err
	}
	defer st.Close()
	out := streamed{contentType: st.Header().Get("Content-Type")}
	for {
		chunk, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			out.err = err
			return out, nil
		}
		for _, ch := range chunk.Choices {
			if ch.Delta.Content != "" {
				out.deltas = append(out.deltas, ch.Delta.Content)
			}
			if ch.FinishReason != "" {
				out.finish = ch.FinishReason
			}
		}
	}
}

func TestChatBehaviours(t *testing.T) {
	tests := []struct {
		name        string
		reply       oaitest.Reply
		stream      bool
		wantText    string
		wantDeltas  int // minimum number of content deltas
		wantFinish  openai.FinishReason
		wantStatus  int  // error status from the client; 0 for none
		wantRecvErr bool // the stream opened but broke
		wantCT      string
	}{
		{name: "stream", reply: oaitest.Text("上合組織成立於二〇〇一年[一¶1]。"), stream: true,
			wantText: "上合組織成立於二〇〇一年[一¶1]。", wantDeltas: 3, wantFinish: openai.FinishReasonStop, wantCT: "text/event-stream"},
		{name: "exact chunks", reply: oaitest.Chunks("NOT_", "IN_DOC", "UMENT"), stream: true,
			wantText: "NOT_IN_DOCUMENT", wantDeltas: 3, wantFinish: openai.FinishReasonStop, wantCT: "text/event-stream"},
		{name: "finish length", reply: oaitest.Text("abc").WithFinish(openai.FinishReasonLength), stream: true,
			wantText: "abc", wantDeltas: 1, wantFinish: openai.FinishReasonLength, wantCT: "text/event-stream"},
		{name: "empty content", reply: oaitest.Text(""), stream: true,
			wantFinish: openai.FinishReasonStop, wantCT: "text/event-stream"},
		{name: "json", reply: oaitest.Text("成立於二〇〇一年[一¶1]。"),
			wantText: "成立於二〇〇一年[一¶1]。", wantFinish: openai.FinishReasonStop, wantCT: "application/json"},
		{name: "json empty", reply: oaitest.Text(""), wantFinish: openai.FinishReasonStop, wantCT: "application/json"},
		{name: "json for stream", reply: oaitest.NoStream("全文"), stream: true, wantCT: "application/json"},
		{name: "truncated", reply: oaitest.Truncated("部分"), stream: true,
			wantText: "部分", wantDeltas: 1, wantCT: "text/event-stream"},
		{name: "cut", reply: oaitest.Cut("部分"), stream: true,
			wantText: "部分", wantDeltas: 1, wantRecvErr: true, wantCT: "text/event-stream"},
		{name: "malformed", reply: oaitest.Malformed(), stream: true, wantRecvErr: true, wantCT: "text/event-stream"},
		{name: "error event", reply: oaitest.RawSSE("data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n"),
			stream: true, wantRecvErr: true, wantCT: "text/event-stream"},
		{name: "status streamed", reply: oaitest.Status(503), stream: true, wantStatus: 503},
		{name: "status json", reply: oaitest.Status(401), wantStatus: 401},
		{name: "html page", reply: oaitest.Raw(502, "text/html", "<html>bad gateway</html>"), wantStatus: 502},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := oaitest.New(t, oaitest.Replies(tt.reply))
			api, _ := client(srv)
			req := chatReq("q")
			var got streamed
			var err error
			if tt.stream {
				got, err = stream(context.Background(), api, req)
			} else {
				var resp openai.ChatCompletionResponse
				resp, err = api.CreateChatCompletion(context.Background(), req)
				if err == nil {
					got = streamed{deltas: []string{resp.Choices[0].Message.Content}, finish: resp.Choices[0].FinishReason,
						contentType: resp.Header().Get("Content-Type")}
				}
			}
			if tt.wantStatus != 0 {
				var apiErr *openai.APIError
				var reqErr *openai.RequestError
				switch {
				case errors.As(err, &apiErr) && apiErr.HTTPStatusCode == tt.wantStatus:
				case errors.As(err, &reqErr) && reqErr.HTTPStatusCode == tt.wantStatus:
				default:
					t.Fatalf("err = %v; want status %d", err, tt.wantStatus)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.text() != tt.wantText || got.finish != tt.wantFinish || (got.err != nil) != tt.wantRecvErr {
				t.Errorf("got %q finish %q recv err %v; want %q finish %q recv err %v",
					got.text(), got.finish, got.err, tt.wantText, tt.wantFinish, tt.wantRecvErr)
			}
			if tt.stream && len(got.deltas) < tt.wantDeltas {
				t.Errorf("deltas %q, want at least %d", got.deltas, tt.wantDeltas)
			}
			if !strings.HasPrefix(got.contentType, tt.wantCT) {
				t.Errorf("Content-Type %q, want %q", got.contentType, tt.wantCT)
			}
			reqs := srv.Chats()
			if len(reqs) != 1 || srv.Count() != 1 {
				t.Fatalf("%d chat requests, %d in all; want 1", len(reqs), srv.Count())
			}
			r := reqs[0]
			if r.N != 1 || r.Method != http.MethodPost || r.Path != "/v1/chat/completions" || r.Chat.Stream != tt.stream ||
				r.Chat.Model != "fake-model" || r.Chat.MaxTokens != 77 || r.User() != "q" || r.System() != "You answer questions." {
				t.Errorf("recorded %d %s %s stream %v model %q max_tokens %d user %q", r.N, r.Method, r.Path, r.Chat.Stream, r.Chat.Model, r.Chat.MaxTokens, r.User())
			}
			if r.Auth != "Bearer "+key || !strings.Contains(string(r.Body), `"max_tokens":77`) {
				t.Errorf("auth %q body %s", r.Auth, r.Body)
			}
		})
	}
}

func TestStatusCarriesRetryAfterAndErrorBody(t *testing.T) {
	srv := oaitest.New(t, oaitest.Replies(
		oaitest.Status(429).WithRetryAfter("7"),
		oaitest.Status(500).WithMessage("boom"),
		oaitest.Text("ok"),
	))
	api, d := client(srv)
	_, err := api.CreateChatCompletion(context.Background(), chatReq("q"))
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 429 || apiErr.Type != "requests" || apiErr.Code != "rate_limit_exceeded" {
		t.Fatalf("err = %#v; want an OpenAI 429 error", err)
	}
	if got := d.header().Get("Retry-After"); got != "7" {
		t.Errorf("Retry-After = %q, want 7", got)
	}
	_, err = api.CreateChatCompletion(context.Background(), chatReq("q"))
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 500 || apiErr.Message != "boom" {
		t.Fatalf("err = %v; want 500 boom", err)
	}
	if d.header().Get("Retry-After") != "" {
		t.Error("Retry-After sent without being asked for")
	}
	// The script's last reply repeats.
	for range 2 {
		resp, err := api.CreateChatCompletion(context.Background(), chatReq("q"))
		if err != nil || resp.Choices[0].Message.Content != "ok" {
			t.Fatalf("resp %+v, %v", resp, err)
		}
	}
	if srv.Count() != 4 {
		t.Errorf("%d requests, want 4", srv.Count())
	}
}

func TestHangUntilCancelled(t *testing.T) {
	for _, tt := range []struct {
		name   string
		reply  oaitest.Reply
		stream bool
	}{
		{"no headers", oaitest.Hang(), false},
		{"no headers, stream", oaitest.Hang(), true},
		{"stalls mid-stream", oaitest.Stall("成立"), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := oaitest.New(t, oaitest.Replies(tt.reply))
			api, _ := client(srv)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				var err error
				if tt.stream {
					var got streamed
					got, err = stream(ctx, api, chatReq("q"))
					if err == nil {
						err = got.err
					}
				} else {
					_, err = api.CreateChatCompletion(ctx, chatReq("q"))
				}
				done <- err
			}()
			srv.Await(1)
			select {
			case err := <-done:
				t.Fatalf("returned before cancel: %v", err)
			default:
			}
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v; want context.Canceled", err)
			}
		})
	}
}

func TestHangTimesOut(t *testing.T) {
	srv := oaitest.New(t, oaitest.Replies(oaitest.Hang()))
	api, _ := client(srv)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := api.CreateChatCompletion(ctx, chatReq("q")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want DeadlineExceeded", err)
	}
}

func TestCloseReleasesHangsAndRefusesLater(t *testing.T) {
	srv := oaitest.New(t, oaitest.Replies(oaitest.Hang()))
	api, _ := client(srv)
	done := make(chan error, 1)
	go func() {
		_, err := api.CreateChatCompletion(context.Background(), chatReq("q"))
		done <- err
	}()
	srv.Await(1)
	srv.Close()
	if err := <-done; err == nil {
		t.Fatal("a hanging request succeeded after Close")
	}
	if _, err := api.CreateChatCompletion(context.Background(), chatReq("q")); err == nil {
		t.Fatal("a closed server answered")
	}
	srv.Close() // idempotent; Cleanup calls it again too
}

func TestGateHoldsTheReply(t *testing.T) {
	gate := make(chan struct{})
	srv := oaitest.New(t, oaitest.Replies(oaitest.Text("later").After(gate)))
	api, _ := client(srv)
	done := make(chan string, 1)
	go func() {
		resp, err := api.CreateChatCompletion(context.Background(), chatReq("q"))
		if err != nil {
			done <- err.Error()
			return
		}
		done <- resp.Choices[0].Message.Content
	}()
	reqs := srv.Await(1)
	if reqs[0].User() != "q" {
		t.Errorf("recorded %+v", reqs[0])
	}
	select {
	case got := <-done:
		t.Fatalf("answered %q before the gate opened", got)
	default:
	}
	close(gate)
	if got := <-done; got != "later" {
		t.Fatalf("got %q", got)
	}
}

// PauseAfter streams the first chunks, holds the rest until the gate
// opens: the client has read the first part while the reply is held.
func TestPauseAfterHoldsTheRest(t *testing.T) {
	gate := make(chan struct{})
	srv := oaitest.New(t, oaitest.Replies(oaitest.Chunks("one ", "two ", "three").PauseAfter(2, gate)))
	api, _ := client(srv)
	req := chatReq("q")
	req.Stream = true
	st, err := api.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var got []string
	for len(got) < 2 {
		chunk, err := st.Recv()
		if err != nil {
			t.Fatalf("before the pause: %v", err)
		}
		for _, ch := range chunk.Choices {
			if ch.Delta.Content != "" {
				got = append(got, ch.Delta.Content)
			}
		}
	}
	close(gate)
	for {
		chunk, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range chunk.Choices {
			if ch.Delta.Content != "" {
				got = append(got, ch.Delta.Content)
			}
		}
	}
	if strings.Join(got, "") != "one two three" {
		t.Errorf("streamed %q", got)
	}
}

func TestWaitHonoursContext(t *testing.T) {
	srv := oaitest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := srv.Wait(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if reqs, err := srv.Wait(context.Background(), 0); err != nil || len(reqs) != 0 {
		t.Fatalf("Wait(0) = %v, %v", reqs, err)
	}
}

func TestWithKey(t *testing.T) {
	srv := oaitest.New(t, oaitest.WithKey(key), oaitest.Replies(oaitest.Text("ok")))
	good, _ := client(srv)
	if _, err := good.CreateChatCompletion(context.Background(), chatReq("q")); err != nil {
		t.Fatal(err)
	}
	cfg := openai.DefaultConfig("sk-wrong")
	cfg.BaseURL = srv.URL()
	_, err := openai.NewClientWithConfig(cfg).CreateChatCompletion(context.Background(), chatReq("q"))
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 401 || apiErr.Code != "invalid_api_key" {
		t.Fatalf("err = %v; want 401 invalid_api_key", err)
	}
	if strings.Contains(err.Error(), "sk-wrong") || strings.Contains(err.Error(), key) {
		t.Errorf("the error echoes a key: %v", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Auth != "Bearer "+key || reqs[1].Auth != "Bearer sk-wrong" {
		t.Errorf("recorded auth %q", []string{reqs[0].Auth, reqs[1].Auth})
	}
}

func TestFuncHandlerSeesTheRequest(t *testing.T) {
	srv := oaitest.New(t, oaitest.WithChat(func(r oaitest.Request) oaitest.Reply {
		if !r.Chat.Stream {
			return oaitest.Text("rewrite of " + r.User())
		}
		return oaitest.Raw(401, "text/plain", "denied for "+r.Auth)
	}))
	api, _ := client(srv)
	resp, err := api.CreateChatCompletion(context.Background(), chatReq("q1"))
	if err != nil || resp.Choices[0].Message.Content != "rewrite of q1" {
		t.Fatalf("resp %+v, %v", resp, err)
	}
	_, err = stream(context.Background(), api, chatReq("q2"))
	if err == nil || !strings.Contains(err.Error(), key) {
		t.Fatalf("err = %v; want the echoed header (for key-leak tests)", err)
	}
}

func TestUnknownPathAndBadBody(t *testing.T) {
	srv := oaitest.New(t)
	resp, err := http.Post(srv.URL()+"/models", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown path: status %d", resp.StatusCode)
	}
	resp, err = http.Post(srv.URL()+"/chat/completions", "application/json", strings.NewReader("{not json"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("bad body: status %d", resp.StatusCode)
	}
	resp, err = http.Get(srv.URL() + "/chat/completions")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("GET: status %d", resp.StatusCode)
	}
	if srv.Count() != 3 || len(srv.Chats()) != 2 {
		t.Errorf("%d requests, %d chats; every request is recorded", srv.Count(), len(srv.Chats()))
	}
}

func TestBaseURLWithoutV1(t *testing.T) {
	srv := oaitest.New(t, oaitest.Replies(oaitest.Text("ok")))
	cfg := openai.DefaultConfig("")
	cfg.BaseURL = srv.Root()
	resp, err := openai.NewClientWithConfig(cfg).CreateChatCompletion(context.Background(), chatReq("q"))
	if err != nil || resp.Choices[0].Message.Content != "ok" {
		t.Fatalf("resp %+v, %v", resp, err)
	}
	if r := srv.Chats()[0]; r.Path != "/chat/completions" || r.Auth != "" {
		t.Errorf("path %q auth %q", r.Path, r.Auth)
	}
}

func TestConcurrentRequestsAreAllRecorded(t *testing.T) {
	srv := oaitest.New(t, oaitest.Replies(oaitest.Text("ok")))
	api, _ := client(srv)
	const n = 12
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := api.CreateChatCompletion(context.Background(), chatReq(fmt.Sprint("q", i))); err != nil {
				t.Error(err)
			}
			_ = srv.Requests()
		})
	}
	reqs := srv.Await(n)
	wg.Wait()
	var users []string
	for i, r := range reqs {
		if r.N != i+1 {
			t.Errorf("request %d numbered %d", i, r.N)
		}
		users = append(users, r.User())
	}
	slices.Sort(users)
	if len(slices.Compact(users)) != n {
		t.Errorf("users %q", users)
	}
}

// prompt writes a user message the way llm does.
func prompt(question string, passages ...oaitest.Passage) string {
	var b strings.Builder
	b.WriteString("<<<DATA 1a2b3c>>>\n")
	for i, p := range passages {
		fmt.Fprintf(&b, "[passage %d] label: %s\n", i+1, p.Label)
		if p.Section != "" {
			fmt.Fprintf(&b, "section: %s\n", p.Section)
		}
		fmt.Fprintf(&b, "text: %s\n\n", p.Text)
	}
	fmt.Fprintf(&b, "[question]\n%s\n<<<END DATA 1a2b3c>>>\nAnswer the question inside the DATA block, following the system rules: cite passage labels in square brackets, or reply NOT_IN_DOCUMENT.", question)
	return b.String()
}

var passages = []oaitest.Passage{
	{Label: "一¶1", Section: "一、上合組織", Text: "值此上海合作組織成立20周年之際。"},
	{Label: "一¶7", Section: "一、上合組織", Text: "上合組織兩個常設機構——設在北京的秘書處和設在塔什干的地區反恐怖機構執行委員會保持高效運行,本組織還確定了徽標、旗幟和上合組織之歌。"},
	{Label: "三(四)¶2", Section: "三、安全 › (四)禁毒", Text: "成員國將加強禁毒合作。\n第二行說明禁毒。"},
	{Label: "4¶1", Text: "The member states support the Shanghai Spirit of mutual trust."},
}

func TestParsePrompt(t *testing.T) {
	p, ok := oaitest.ParsePrompt(chatReq(prompt("秘書處設在哪裡?\n第二行", passages...)))
	if !ok || p.Nonce != "1a2b3c" || p.Question != "秘書處設在哪裡?\n第二行" || p.System != "You answer questions." || p.IsRewrite() {
		t.Fatalf("prompt %+v, %v", p, ok)
	}
	if !slices.Equal(p.Passages, passages) {
		t.Errorf("passages\n%q\nwant\n%q", p.Passages, passages)
	}
	if !slices.Equal(p.Labels(), []string{"一¶1", "一¶7", "三(四)¶2", "4¶1"}) {
		t.Errorf("labels %q", p.Labels())
	}

	rw := chatReq("<<<DATA ff>>>\n[previous questions, oldest first]\n1. 上合組織秘書處是什麼?\n2. a. b\n[question]\n那它设在哪里?\n<<<END DATA ff>>>\nWrite the standalone search query for the latest question. Output only the query.")
	rw.Messages[0].Content = "You turn a user's latest question about one document into a single standalone search query."
	p, ok = oaitest.ParsePrompt(rw)
	if !ok || !p.IsRewrite() || p.Question != "那它设在哪里?" || !slices.Equal(p.Previous, []string{"上合組織秘書處是什麼?", "a. b"}) {
		t.Fatalf("rewrite prompt %+v, %v", p, ok)
	}

	p, ok = oaitest.ParsePrompt(chatReq("  just a question  "))
	if ok || p.Question != "just a question" || len(p.Passages) != 0 {
		t.Errorf("no DATA block: %+v, %v", p, ok)
	}
}

// simplify stands in for the project's Traditional→Simplified folding.
var simplify = strings.NewReplacer("組", "组", "織", "织", "書", "书", "處", "处", "設", "设", "裡", "里").Replace

func TestReader(t *testing.T) {
	tests := []struct {
		name     string
		opts     []oaitest.ReaderOption
		question string
		passages []oaitest.Passage
		want     string
	}{
		{"cites the overlapping passage verbatim", nil, "上合組織秘書處設在哪裡?", passages,
			"文件提到「上合組織兩個常設機構——設在北京的秘書處和設在塔什干的地區反恐怖機構執行委員會保持高效運行」[一¶7]。"},
		{"simplified question needs the fold", nil, "上合组织秘书处设在哪里?", passages, oaitest.NotInDocument},
		{"simplified question with the fold", []oaitest.ReaderOption{oaitest.Fold(simplify)}, "上合组织秘书处设在哪里?", passages,
			"文件提到「上合組織兩個常設機構——設在北京的秘書處和設在塔什干的地區反恐怖機構執行委員會保持高效運行」[一¶7]。"},
		// 7 of the question's 14 bigrams are in 三(四)¶2, 6 in 一¶1.
		{"several passages, best first", nil, "上海合作組織成員國加強禁毒合作嗎", passages,
			"文件提到「成員國將加強禁毒合作」[三(四)¶2][一¶1]。"},
		{"threshold keeps weak matches out", []oaitest.ReaderOption{oaitest.MinOverlap(0.5)}, "上海合作組織成員國加強禁毒合作嗎", passages,
			"文件提到「成員國將加強禁毒合作」[三(四)¶2]。"},
		{"threshold above every passage", []oaitest.ReaderOption{oaitest.MinOverlap(0.9)}, "上海合作組織成員國加強禁毒合作嗎", passages,
			oaitest.NotInDocument},
		{"nothing shared", nil, "誰是秘書長的夫人?", passages[2:], oaitest.NotInDocument},
		{"english question", nil, "What is the Shanghai Spirit of trust?", passages, "The document says so [4¶1]."},
		{"english stop words alone are not enough", nil, "What is the weather in the city?", passages, oaitest.NotInDocument},
		{"no passages", nil, "上合組織秘書處設在哪裡?", nil, oaitest.NotInDocument},
		{"empty question", nil, "?!", passages, oaitest.NotInDocument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := oaitest.New(t, oaitest.WithChat(oaitest.Reader(tt.opts...)))
			api, _ := client(srv)
			got, err := stream(context.Background(), api, chatReq(prompt(tt.question, tt.passages...)))
			if err != nil || got.err != nil {
				t.Fatal(err, got.err)
			}
			if got.text() != tt.want {
				t.Errorf("answer %q\nwant   %q", got.text(), tt.want)
			}
			// A quotation is always a verbatim span of a passage sent.
			if _, q, ok := strings.Cut(got.text(), "「"); ok {
				q, _, _ = strings.Cut(q, "」")
				if !slices.ContainsFunc(tt.passages, func(p oaitest.Passage) bool { return strings.Contains(p.Text, q) }) {
					t.Errorf("quote %q is in no passage", q)
				}
			}
		})
	}
}

func TestReaderRewrite(t *testing.T) {
	rw := chatReq("<<<DATA ff>>>\n[previous questions, oldest first]\n1. 上合組織秘書處是什麼?\n[question]\n那它设在哪里?\n<<<END DATA ff>>>\nWrite the standalone search query.")
	rw.Messages[0].Content = "You turn a user's latest question into search queries."
	echo := oaitest.New(t)
	api, _ := client(echo)
	resp, err := api.CreateChatCompletion(context.Background(), rw)
	if err != nil || resp.Choices[0].Message.Content != "那它设在哪里?" {
		t.Fatalf("default rewrite %+v, %v", resp, err)
	}
	custom := oaitest.New(t, oaitest.WithChat(oaitest.Reader(oaitest.Rewrite(func(p oaitest.Prompt) string {
		return strings.Join(p.Previous, " ") + " 設在哪裡"
	}))))
	api, _ = client(custom)
	resp, err = api.CreateChatCompletion(context.Background(), rw)
	if err != nil || resp.Choices[0].Message.Content != "上合組織秘書處是什麼? 設在哪裡" {
		t.Fatalf("custom rewrite %+v, %v", resp, err)
	}
	// Recognised by the system message alone too.
	q := chatReq("<<<DATA ff>>>\n[question]\nWhere is the secretariat?\n<<<END DATA ff>>>")
	q.Messages[0].Content = "Turn the question into a single standalone search query."
	resp, err = api.CreateChatCompletion(context.Background(), q)
	if err != nil || resp.Choices[0].Message.Content != " 設在哪裡" {
		t.Fatalf("rewrite by system message %+v, %v", resp, err)
	}
}

func embedClient(srv *oaitest.Server) *openai.Client {
	api, _ := client(srv)
	return api
}

func embed(t *testing.T, api *openai.Client, in ...string) (openai.EmbeddingResponse, error) {
	t.Helper()
	return api.CreateEmbeddings(context.Background(), openai.EmbeddingRequestStrings{Input: in, Model: "emb-model"})
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestEmbeddingsDefault(t *testing.T) {
	srv := oaitest.New(t)
	api := embedClient(srv)
	in := []string{"上海合作組織成員國", "上海合作組織成員國元首", "禁毒合作", ""}
	resp, err := embed(t, api, in...)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != len(in) || resp.Model != "emb-model" {
		t.Fatalf("%d vectors, model %q", len(resp.Data), resp.Model)
	}
	// Listed in reverse with correct indices: a client must align by index.
	byIndex := make([][]float32, len(in))
	for pos, d := range resp.Data {
		if d.Index != len(in)-1-pos {
			t.Errorf("position %d has index %d", pos, d.Index)
		}
		byIndex[d.Index] = d.Embedding
	}
	want := oaitest.HashVectors(oaitest.DefaultDim)(in)
	for i, v := range byIndex {
		if len(v) != oaitest.DefaultDim || math.Abs(norm(v)-1) > 1e-5 || !slices.Equal(v, want[i]) {
			t.Errorf("vector %d: dim %d norm %v, or not HashVectors'", i, len(v), norm(v))
		}
	}
	if near, far := dot(byIndex[0], byIndex[1]), dot(byIndex[0], byIndex[2]); near <= far {
		t.Errorf("texts sharing terms are not closer: %v <= %v", near, far)
	}
	again := oaitest.HashVectors(oaitest.DefaultDim)(in)
	if !slices.EqualFunc(want, again, slices.Equal) {
		t.Error("HashVectors is not deterministic")
	}
	r := srv.Embeddings()
	if len(r) != 1 || !slices.Equal(r[0].Inputs, in) || r[0].Auth != "Bearer "+key || string(r[0].Embed.Model) != "emb-model" ||
		r[0].Path != "/v1/embeddings" || !slices.Equal(srv.Inputs(), in) || len(srv.Chats()) != 0 {
		t.Errorf("recorded %+v", r)
	}
}

func TestEmbeddingsBehaviours(t *testing.T) {
	two := func(v ...float32) []float32 { return v }
	tests := []struct {
		name       string
		reply      oaitest.Reply
		wantN      int
		wantDim    int
		wantStatus int
		check      func(t *testing.T, data []openai.Embedding)
	}{
		{name: "ok", reply: oaitest.OK(), wantN: 2, wantDim: oaitest.DefaultDim},
		{name: "too few", reply: oaitest.WrongCount(-1), wantN: 1, wantDim: oaitest.DefaultDim},
		{name: "too many", reply: oaitest.WrongCount(2), wantN: 4, wantDim: oaitest.DefaultDim},
		{name: "wrong dim", reply: oaitest.WrongDim(7), wantN: 2, wantDim: 7},
		{name: "explicit vectors", reply: oaitest.Vectors(two(3, 4), two(0, 1)), wantN: 2, wantDim: 2,
			check: func(t *testing.T, data []openai.Embedding) {
				if data[0].Index != 0 || !slices.Equal(data[0].Embedding, two(3, 4)) {
					t.Errorf("data %+v", data)
				}
			}},
		{name: "raw data", reply: oaitest.EmbedData(openai.Embedding{Index: 0, Embedding: two(1, 0)}, openai.Embedding{Index: 0}), wantN: 2,
			check: func(t *testing.T, data []openai.Embedding) {
				if data[1].Index != 0 || len(data[1].Embedding) != 0 {
					t.Errorf("data %+v", data)
				}
			}},
		{name: "no data", reply: oaitest.EmbedData(), wantN: 0},
		{name: "status", reply: oaitest.Status(503), wantStatus: 503},
		{name: "plain text error", reply: oaitest.Raw(500, "text/plain", "boom"), wantStatus: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := oaitest.New(t, oaitest.EmbedReplies(tt.reply))
			resp, err := embed(t, embedClient(srv), "甲", "乙")
			if tt.wantStatus != 0 {
				var apiErr *openai.APIError
				var reqErr *openai.RequestError
				if !(errors.As(err, &apiErr) && apiErr.HTTPStatusCode == tt.wantStatus) && !(errors.As(err, &reqErr) && reqErr.HTTPStatusCode == tt.wantStatus) {
					t.Fatalf("err = %v; want status %d", err, tt.wantStatus)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Data) != tt.wantN {
				t.Fatalf("%d vectors, want %d", len(resp.Data), tt.wantN)
			}
			for _, d := range resp.Data {
				if tt.wantDim != 0 && len(d.Embedding) != tt.wantDim {
					t.Errorf("vector %d has dim %d, want %d", d.Index, len(d.Embedding), tt.wantDim)
				}
			}
			if tt.check != nil {
				tt.check(t, resp.Data)
			}
		})
	}
}

func TestEmbeddingsRetryAfterHangAndSetters(t *testing.T) {
	srv := oaitest.New(t, oaitest.EmbedReplies(oaitest.Status(429).WithRetryAfter("2"), oaitest.Hang(), oaitest.OK()))
	api, d := client(srv)
	if _, err := embed(t, api, "甲"); err == nil || d.header().Get("Retry-After") != "2" {
		t.Fatalf("err = %v, Retry-After %q", err, d.header().Get("Retry-After"))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := api.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{Input: []string{"甲"}, Model: "m"})
		done <- err
	}()
	srv.Await(2)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("hang: err = %v", err)
	}
	srv.SetVectors(oaitest.HashVectors(16))
	resp, err := embed(t, api, "甲")
	if err != nil || len(resp.Data[0].Embedding) != 16 {
		t.Fatalf("after SetVectors: %v, %v", resp.Data, err)
	}
	srv.SetEmbed(oaitest.Script(oaitest.Status(400)))
	if _, err := embed(t, api, "甲"); err == nil {
		t.Fatal("SetEmbed not applied")
	}
	// One string input, as a single text.
	srv.SetEmbed(oaitest.Script())
	resp, err = api.CreateEmbeddings(context.Background(), openai.EmbeddingRequest{Input: "一段", Model: "m"})
	if err != nil || len(resp.Data) != 1 || !slices.Equal(srv.Embeddings()[4].Inputs, []string{"一段"}) {
		t.Fatalf("single input: %v, %v", resp.Data, err)
	}
	// base64 is refused clearly rather than answered in floats.
	_, err = api.CreateEmbeddings(context.Background(), openai.EmbeddingRequestStrings{Input: []string{"x"}, Model: "m",
		EncodingFormat: openai.EmbeddingEncodingFormatBase64})
	if err == nil || !strings.Contains(err.Error(), "base64") {
		t.Fatalf("base64: err = %v", err)
	}
}

func TestHashVectorsNeverZero(t *testing.T) {
	for _, text := range []string{"", " ", "!!", "a", "甲"} {
		v := oaitest.HashVectors(3)([]string{text})[0]
		if math.Abs(norm(v)-1) > 1e-6 {
			t.Errorf("%q: norm %v", text, norm(v))
		}
	}
}
