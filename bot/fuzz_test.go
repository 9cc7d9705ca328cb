package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/retrieval"
)

// FuzzAskAndCite runs the whole path a loaded document takes — parse,
// index, ask, cite — on generated documents: nothing may panic, a question
// gets a reply or a clear error, and every paragraph can be cited by its
// own label and gives back exactly itself.
//
//	go test -fuzz=FuzzAskAndCite -fuzztime=60s ./bot
func FuzzAskAndCite(f *testing.F) {
	seeds := []struct{ doc, q string }{
		{"# Terms\n\nIntro.\n\n## 1. Warranty\n\nNo warranty.\n\n## 2. Floods\n\nFlood damage is not covered.\n", "is there a warranty?"},
		{"一、總則\n\n秘書處設在北京。\n\n(一)合作\n\n成員國加強合作。\n", "秘书处在哪里"},
		{"   1. Definitions.\n\n      \"License\" shall mean the terms.\n\n   2. Grant. Subject to the terms, you may copy.\n\n   (a) You must give a copy.\n", "can i copy it?"},
		{"Section 3\n\nArticle 12 text.\n\n第十二条 用人单位应当支付工资。\n\nAPPENDIX: How to apply\n\nCopyright [yyyy].\n", "第十二条"},
		{"plain text without structure\nsecond line\n\nanother paragraph", "¶2"},
		{"# T\n\nIntro para.\n\n## A\n\nSome text here.\n\n## B\n\n", "2"},
		{"```\n# not a heading\ncode\n```\n\n- item one\n- item two\n", "what about code?"},
	}
	for _, s := range seeds {
		f.Add(s.doc, s.q)
	}
	f.Fuzz(func(t *testing.T, text, q string) {
		doc, err := corpus.Parse("fuzz.md", []byte(text))
		if err != nil {
			return // refused with an error: the contract for bad input
		}
		lib, err := retrieval.NewLibrary(context.Background(), doc, retrieval.LocalEmbedder, retrieval.Options{Lexicon: lexicon})
		if err != nil {
			t.Fatalf("index of a parsed document failed: %v", err)
		}
		b, err := New(Config{Searcher: lib, RatePerMinute: -1})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		r := b.Handle(ctx, Request{Kind: KindAsk, Text: q}, nil)
		if r.Err == nil && r.Answer == "" {
			t.Errorf("ask %q: an empty reply without an error", q)
		}
		if r.Err != nil && (r.Answer == "" || strings.Contains(r.Answer, "panic")) {
			t.Errorf("ask %q: error reply %q", q, r.Answer)
		}
		for _, p := range doc.Paragraphs {
			c := b.Handle(ctx, Request{Kind: KindCite, Text: p.Label}, nil)
			if c.Err != nil || len(c.Citations) != 1 || c.Citations[0].Label != p.Label || c.Citations[0].Text != p.Text {
				t.Fatalf("cite %q: %v %+v, want exactly that paragraph", p.Label, c.Err, c.Citations)
			}
		}
		for _, s := range doc.Sections {
			if s.Key == "" {
				continue
			}
			if c := b.Handle(ctx, Request{Kind: KindCite, Text: s.Key}, nil); c.Err == nil && len(c.Citations) == 0 {
				t.Fatalf("cite section %q: no passages and no error", s.Key)
			}
		}
	})
}
