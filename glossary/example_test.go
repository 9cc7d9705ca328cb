package glossary_test

import (
	"fmt"
	"strings"

	"github.com/citebot/citebot/glossary"
)

func ExampleGlossary_Translate() {
	g := glossary.Default()
	q := "Does the declaration mention nuclear energy?"
	if glossary.IsEnglish(q) {
		ts := g.Translate(q)
		fmt.Println(ts[0].From, "→", ts[0].Zh)
	}
	// Output: nuclear energy → 核能
}

func ExampleGlossary_TranslateIn() {
	text := "成员国支持和平利用核能,打击恐怖主义。"
	known := func(zh string) bool { return strings.Contains(text, zh) }
	for _, t := range glossary.Default().TranslateIn("peaceful uses of nuclear energy against terrorism", known) {
		fmt.Println(t.From, "→", t.Zh)
	}
	// Output:
	// peaceful → 和平
	// uses → 利用
	// nuclear energy → 核能
	// terrorism → 恐怖主义
}

func ExampleIsEnglish() {
	fmt.Println(glossary.IsEnglish("What does the SCO say about drug trafficking?"))
	fmt.Println(glossary.IsEnglish("上合组织如何打击贩毒?"))
	// Output:
	// true
	// false
}
