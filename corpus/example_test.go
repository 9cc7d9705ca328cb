package corpus_test

import (
	"errors"
	"fmt"

	"github.com/citebot/citebot/corpus"
)

func ExampleParse() {
	page := []byte(`Home | News | World | Sport | Business | Tech
Published: 2023-03-04 10:15
Share this article

Tea Rules

1. Brewing

Use water just off the boil.

Steep for three minutes.

2. Serving

Serve in warm cups.

Editor: Jane Doe
`)
	doc, err := corpus.Parse("tea.html.txt", page)
	if err != nil {
		panic(err)
	}
	fmt.Println("title:", doc.Title)
	for _, p := range doc.Paragraphs {
		fmt.Printf("%s [%s] %s\n", p.Label, p.Section, p.Text)
	}
	// Output:
	// title: Tea Rules
	// 1¶1 [1. Brewing] Use water just off the boil.
	// 1¶2 [1. Brewing] Steep for three minutes.
	// 2¶1 [2. Serving] Serve in warm cups.
}

func ExampleDocument_Resolve() {
	doc := corpus.Default()
	for _, ref := range []string{"三（四）2", "3.4.2", "1.7"} {
		ps, _ := doc.Resolve(ref)
		fmt.Println(ref, "→", ps[0].Label, ps[0].Section)
	}
	whole, _ := doc.Resolve("第三部分第六节")
	fmt.Println("三(六) has", len(whole), "paragraphs")

	_, err := doc.Resolve("三(十)")
	var unknown *corpus.UnknownRefError
	if errors.As(err, &unknown) {
		fmt.Println(unknown.Nearest)
	}
	// Output:
	// 三（四）2 → 三(四)¶2 三、安全領域 › (四)禁毒合作
	// 3.4.2 → 三(四)¶2 三、安全領域 › (四)禁毒合作
	// 1.7 → 一¶7 一、上合組織的建立、發展建設和主要原則
	// 三(六) has 3 paragraphs
	// [三(九) 三(八) 三(七)]
}

func ExampleFindRef() {
	r, ok := corpus.FindRef("What does section 4(11) of the declaration cover?")
	fmt.Println(r, ok)
	_, ok = corpus.FindRef("上合组织成立20周年之际有什么成果?")
	fmt.Println(ok)
	// Output:
	// 4(11) true
	// false
}

func ExampleLoadPaths() {
	doc, err := corpus.LoadPaths("testdata/apache-2.0.txt", "testdata/security.md")
	if err != nil {
		panic(err)
	}
	for _, p := range doc.Parts {
		fmt.Printf("%s: %s\n", p.Prefix, p.Title)
	}
	ps, _ := doc.Resolve("apache: section 4(d)")
	fmt.Println(ps[0].Label, ps[0].Doc, ps[0].Section)

	_, err = doc.Resolve("1")
	var ambiguous *corpus.UnknownRefError
	if errors.As(err, &ambiguous) {
		fmt.Println(ambiguous.Nearest)
	}
	// Output:
	// apache: Apache License, Version 2.0, January 2004
	// security: Security
	// apache:4(d)¶1 apache 4. Redistribution. › (d)
	// [apache:1 security:1]
}
