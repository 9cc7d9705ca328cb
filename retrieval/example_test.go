package retrieval_test

import (
	"context"
	"fmt"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/retrieval"
)

func ExampleIndex_Search() {
	ctx := context.Background()
	doc := corpus.Default()
	emb, _ := retrieval.LocalEmbedder(ctx, doc)
	ix, err := retrieval.Build(ctx, doc, emb, retrieval.Options{})
	if err != nil {
		panic(err)
	}
	res, _ := ix.Search(context.Background(), "上合组织秘书处设在哪里?", 3)
	fmt.Println(res.Grounded, res.Hits[0].Paragraph.Label)

	res, _ = ix.Search(context.Background(), "第三部分第六节讲了什么?", 5)
	fmt.Println(res.Section, len(res.Hits))
	// Output:
	// true 一¶7
	// 三、安全領域 › (六)打擊有組織犯罪和反腐敗 3
}
