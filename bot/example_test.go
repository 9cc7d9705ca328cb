package bot_test

import (
	"context"
	"fmt"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/retrieval"
)

func ExampleBot_Handle() {
	lib, err := retrieval.NewLibrary(context.Background(), corpus.Default(), retrieval.LocalEmbedder, retrieval.Options{})
	if err != nil {
		panic(err)
	}
	b, err := bot.New(bot.Config{Searcher: lib})
	if err != nil {
		panic(err)
	}
	r := b.Handle(context.Background(), bot.Request{Kind: bot.KindCite, Text: "3.4.2"}, nil)
	fmt.Println(r.Mode, r.Citations[0].Label, r.Citations[0].Section)

	r = b.Handle(context.Background(), bot.Request{Kind: bot.KindAsk, Text: "上合组织秘书处设在哪里?", UserID: "u1"}, nil)
	fmt.Println(r.Mode, r.Grounded, r.Citations[0].Label)
	// Output:
	// cite 三(四)¶2 三、安全領域 › (四)禁毒合作
	// extractive true 一¶7
}
