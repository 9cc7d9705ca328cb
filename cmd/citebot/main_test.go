package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citebot/citebot/internal/oaitest"
)

// cli runs the command in-process with the given environment.
func cli(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb, getenv)
	return code, out.String(), errb.String()
}

type askJSON struct {
	Question  string `json:"question"`
	Grounded  bool   `json:"grounded"`
	Uncertain bool   `json:"uncertain"`
	Outcome   string `json:"outcome"`
	Answer    string `json:"answer"`
	Mode      string `json:"mode"`
	Removed   int    `json:"citations_removed"`
	Citations []struct {
		Label, Section, Text string
		Score                float64
	} `json:"citations"`
}

func TestAskJSON(t *testing.T) {
	code, out, errOut := cli(t, nil, "", "ask", "--json", "上合组织秘书处设在哪里?")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r askJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	if !r.Grounded || r.Mode != "extractive" || len(r.Citations) == 0 {
		t.Fatalf("reply %+v", r)
	}
	found := false
	for _, c := range r.Citations {
		found = found || c.Label == "一¶7"
		if c.Section == "" || c.Text == "" {
			t.Errorf("citation %s lacks section or text", c.Label)
		}
	}
	if !found {
		t.Errorf("citations %+v lack 一¶7", r.Citations)
	}
}

func TestAskErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		msg  string
	}{
		{"empty question", []string{"ask", "  "}, nil, 1, "empty"},
		{"no question", []string{"ask"}, nil, 1, "empty"},
		{"too long", []string{"ask", strings.Repeat("长", 501)}, nil, 1, "上限是 500"}, // in the question's language
		{"too long, English", []string{"ask", strings.Repeat("long ", 101)}, nil, 1, "limit is 500"},
		{"bad k", []string{"ask", "--k", "0", "q"}, nil, 2, "--k"},
		{"missing corpus", []string{"ask", "--corpus", "/nonexistent/x.txt", "q"}, nil, 1, "/nonexistent/x.txt"},
		{"bad timeout env", []string{"ask", "q"}, map[string]string{"CITEBOT_TIMEOUT": "soon"}, 2, "CITEBOT_TIMEOUT"},
		{"unknown command", []string{"frobnicate"}, nil, 2, "unknown command"},
		{"no command", nil, nil, 2, "Usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := cli(t, tt.env, "", tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, tt.code, tt.msg)
			}
		})
	}
}

func TestAskOutcomes(t *testing.T) {
	tests := []struct {
		q                   string
		outcome             string
		grounded, uncertain bool
		answer              string
	}{
		{"上合组织秘书处设在哪里?", "answered", true, false, "一¶7"},
		{"上合组织论坛是哪一年成立的?", "uncertain", true, true, "我不确定"},
		{"红烧肉怎么做才好吃?", "not_addressed", false, false, "没有涉及"},
	}
	for _, tt := range tests {
		code, out, _ := cli(t, nil, "", "ask", "--json", tt.q)
		var r askJSON
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
			t.Fatalf("exit %d: %s", code, out)
		}
		if r.Outcome != tt.outcome || r.Grounded != tt.grounded || r.Uncertain != tt.uncertain || !strings.Contains(r.Answer, tt.answer) {
			t.Errorf("%q: outcome %q grounded %v uncertain %v %q", tt.q, r.Outcome, r.Grounded, r.Uncertain, r.Answer)
		}
		if tt.outcome == "not_addressed" && !strings.Contains(out, `"citations": []`) {
			t.Errorf("%q: a refusal must carry an empty citation list: %s", tt.q, out)
		}
	}
}

// Documents of other kinds: a licence with numbered sections, a Markdown
// file, several at once; every message names the document.
func TestOtherDocuments(t *testing.T) {
	apache := filepath.Join("..", "..", "corpus", "testdata", "apache-2.0.txt")
	security := filepath.Join("..", "..", "corpus", "testdata", "security.md")
	code, out, errOut := cli(t, nil, "", "ask", "--corpus", apache, "Is there any warranty?")
	if code != 0 || !strings.Contains(out, "Apache License") || !strings.Contains(out, "[7¶1]") || strings.Contains(out, "declaration") {
		t.Errorf("ask apache: exit %d out %q err %q", code, out, errOut)
	}
	code, out, _ = cli(t, nil, "", "cite", "--corpus", apache, "6")
	if code != 0 || !strings.Contains(out, "Trademarks") {
		t.Errorf("cite apache 6: exit %d out %q", code, out)
	}
	code, out, _ = cli(t, nil, "", "ask", "--corpus", apache, "--title", "The Apache License", "What is the capital of France?")
	if code != 0 || !strings.HasPrefix(out, "The Apache License does not address this.") {
		t.Errorf("configured title: exit %d out %q", code, out)
	}
	code, out, errOut = cli(t, nil, "", "cite", "--corpus", apache, "--corpus", security, "apache:4(d)¶1")
	if code != 0 || !strings.Contains(out, "NOTICE") {
		t.Errorf("two documents: exit %d out %q err %q", code, out, errOut)
	}
	code, _, errOut = cli(t, map[string]string{"CITEBOT_MAX_PARAGRAPHS": "5"}, "", "ask", "--corpus", apache, "Is there any warranty?")
	if code != 1 || !strings.Contains(errOut, "the limit is 5") {
		t.Errorf("a document over CITEBOT_MAX_PARAGRAPHS: exit %d, stderr %q", code, errOut)
	}
	// A heading whose text is all gone is an error, not a panic.
	lic := filepath.Join(t.TempDir(), "lic2.md")
	os.WriteFile(lic, []byte("# T\n\nIntro para.\n\n## A\n\nSome text here.\n\n## B\n\n"), 0o644)
	code, _, errOut = cli(t, nil, "", "cite", "--corpus", lic, "2")
	if code != 1 || errOut == "" || strings.Contains(errOut, "corpus:") {
		t.Errorf("cite of an empty section: exit %d, stderr %q", code, errOut)
	}
	// A scraped page is cleaned, and the CLI says what was dropped.
	page := filepath.Join("..", "..", "corpus", "testdata", "news_page_en.txt")
	code, _, errOut = cli(t, nil, "", "ask", "--corpus", page, "what happened?")
	if code != 0 || !strings.Contains(errOut, "left out as web-page boilerplate") {
		t.Errorf("scraped page: exit %d, stderr %q", code, errOut)
	}
}

func TestCite(t *testing.T) {
	for _, label := range []string{"三(四)¶2", "3.4.2", "3(4)2", "三（四）2"} {
		code, out, errOut := cli(t, nil, "", "cite", label)
		if code != 0 || !strings.Contains(out, "[三(四)¶2]") {
			t.Errorf("cite %s: exit %d, out %q, err %q", label, code, out, errOut)
		}
	}
	code, out, _ := cli(t, nil, "", "cite", "--json", "3.4")
	var cs []struct{ Label string }
	if code != 0 || json.Unmarshal([]byte(out), &cs) != nil || len(cs) < 2 || cs[0].Label != "三(四)¶1" {
		t.Errorf("cite 3.4: exit %d, %s", code, out)
	}
	code, _, errOut := cli(t, nil, "", "cite", "三(十)")
	if code == 0 || !strings.Contains(errOut, "三(九)") {
		t.Errorf("unknown label: exit %d, stderr %q; want non-zero naming nearby labels", code, errOut)
	}
}

func TestChatPiped(t *testing.T) {
	in := "上合组织秘书处设在哪里?\n/cite 3.4.2\n\n/quit\n上合组织秘书处设在哪里?\n"
	code, out, errOut := cli(t, nil, in, "chat")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "[一¶7]") || !strings.Contains(out, "[三(四)¶2]") {
		t.Errorf("chat output lacks the answers:\n%s", out)
	}
	if strings.Count(out, "[一¶7]") > 2 {
		t.Error("chat kept reading after /quit")
	}
}

func TestCorpusFlagAndEnv(t *testing.T) {
	path := filepath.Join("testdata", "small.txt")
	for _, c := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"cite", "--corpus", path, "2(1)¶2"}, nil},
		{[]string{"cite", "2(1)¶2"}, map[string]string{"CITEBOT_CORPUS": path}},
	} {
		code, out, errOut := cli(t, c.env, "", c.args...)
		if code != 0 || !strings.Contains(out, "貿易便利化") {
			t.Errorf("%v: exit %d out %q err %q", c.args, code, out, errOut)
		}
	}
}

func TestEval(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "q.jsonl")
	cases := `{"id":"a","lang":"zh-Hans","kind":"paraphrase","question":"上合组织秘书处设在哪里?","gold":["一¶7"]}
{"id":"b","lang":"zh-Hans","kind":"section","question":"第三部分第六节讲了什么?","gold":["三(六)¶1"]}
{"id":"c","lang":"zh-Hant","kind":"unanswerable","question":"上合 成員國 互免簽證","gold":[]}
`
	if err := os.WriteFile(file, []byte(cases), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, nil, "", "eval", "--k", "3", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d output lines, want 3:\n%s", len(lines), out)
	}
	var o struct {
		ID        string   `json:"id"`
		Retrieved []string `json:"retrieved"`
		Grounded  bool     `json:"grounded"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &o); err != nil || o.ID != "b" || fmt.Sprint(o.Retrieved) != "[三(六)¶1 三(六)¶2 三(六)¶3]" {
		t.Errorf("section line = %s", lines[1])
	}
	for _, want := range []string{"recall@3", "MRR", "refused", "zh-Hans"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("summary lacks %q:\n%s", want, errOut)
		}
	}
	if code, _, errOut := cli(t, nil, "", "eval", filepath.Join(dir, "missing.jsonl")); code == 0 || !strings.Contains(errOut, "missing.jsonl") {
		t.Errorf("missing file: exit %d, %q", code, errOut)
	}
}

// With a chat model configured, ask --json reports the model's path; the key
// never reaches the output.
func TestAskWithModel(t *testing.T) {
	srv := oaitest.New(t, oaitest.WithKey("sk-cli-secret"), oaitest.Replies(oaitest.Text("秘书处设在北京[一¶7],另见[九¶9]。")))
	env := map[string]string{"OPENAI_BASE_URL": srv.URL(), "OPENAI_API_KEY": "sk-cli-secret", "CITEBOT_CHAT_MODEL": "m", "CITEBOT_LOG_LEVEL": "debug"}
	code, out, errOut := cli(t, env, "", "ask", "--json", "上合组织秘书处设在哪里?")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r askJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Mode != "llm" || r.Outcome != "answered" || r.Removed != 1 || len(r.Citations) != 1 || r.Citations[0].Label != "一¶7" {
		t.Errorf("reply %+v, want an llm answer citing 一¶7 with one citation removed", r)
	}
	if strings.Contains(out+errOut, "sk-cli-secret") {
		t.Error("the API key leaked into the output")
	}
	// The whole declaration fits the default budget: one answer, no rewrite.
	if chats := srv.Chats(); len(chats) != 1 || !strings.Contains(chats[0].User(), "whole document") {
		t.Errorf("%d requests; want one answer reading the whole document", len(chats))
	}
	// Under a small budget the question is rewritten first.
	env["CITEBOT_CONTEXT_TOKENS"] = "4000"
	if code, _, errOut := cli(t, env, "", "ask", "上合组织秘书处设在哪里?"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if chats := srv.Chats(); len(chats) != 3 {
		t.Errorf("%d requests in all, want a rewrite and an answer more", len(chats))
	}
}

// An embeddings server that answers with the wrong number of vectors stops
// the start with a clear error instead of misaligned vectors.
func TestEmbedServerWrongCount(t *testing.T) {
	srv := oaitest.New(t, oaitest.EmbedReplies(oaitest.WrongCount(-1)))
	env := map[string]string{"OPENAI_BASE_URL": srv.URL(), "CITEBOT_EMBED_MODEL": "e", "CITEBOT_DATA_DIR": t.TempDir()}
	code, _, errOut := cli(t, env, "", "ask", "上合组织秘书处设在哪里?")
	if code == 0 || !strings.Contains(errOut, "vector") {
		t.Errorf("exit %d, stderr %q; want a failure naming the vector count", code, errOut)
	}
}
