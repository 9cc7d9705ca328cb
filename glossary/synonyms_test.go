package glossary

import (
	"slices"
	"sync"
	"testing"
)

func TestSynonyms(t *testing.T) {
	for _, c := range []struct{ zh, want string }{
		{"电商", "电子商务"},   // both "e-commerce"
		{"医护人员", "医务人员"}, // both "medical personnel"
		{"铲除", "根除"},     // both "eradicate"
		{"掐断", "脱钩"},     // both "disconnect"
	} {
		if got := Default().Synonyms(c.zh); !slices.Contains(got, c.want) {
			t.Errorf("Synonyms(%s) = %v, want it to contain %s", c.zh, got, c.want)
		}
	}
}

func TestSynonymsFilters(t *testing.T) {
	// 电商 is also a weak rendering of "negotiate telegram"; weak fragments
	// must not make synonyms.
	for _, s := range Default().Synonyms("电商") {
		if s == "电商" {
			t.Error("Synonyms returns the word itself")
		}
		if len([]rune(s)) < 2 {
			t.Errorf("single character %q returned", s)
		}
	}
	if got := Default().Synonyms("不是一个词语啊"); got != nil {
		t.Errorf("unknown word: got %v, want nil", got)
	}
	if n := len(Default().Synonyms("建立")); n > synMax {
		t.Errorf("got %d synonyms, cap is %d", n, synMax)
	}
}

func TestIsWord(t *testing.T) {
	if !Default().IsWord("秘书长") || Default().IsWord("秘书长是谁啊") {
		t.Error("IsWord: want 秘书长 a word and a sentence not")
	}
}

func TestSynonymsConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); _ = Default().Synonyms("疫苗"); _ = Default().IsWord("签证") }()
	}
	wg.Wait()
}

func TestGlosses(t *testing.T) {
	g := Default()
	for _, c := range []struct{ zh, want string }{
		{"军力", "military power"},
		{"优势", "advantage"},
		{"邻居", "neighbor"},
	} {
		var texts []string
		for _, x := range g.Glosses(c.zh) {
			texts = append(texts, x.Text)
		}
		if !slices.Contains(texts, c.want) {
			t.Errorf("Glosses(%s) = %v, want %q among them", c.zh, texts, c.want)
		}
	}
	if got := g.Glosses("不是一个词语啊"); got != nil {
		t.Errorf("unknown word: got %v, want nil", got)
	}
}

func TestRenderings(t *testing.T) {
	g := Default()
	var zh []string
	for _, x := range g.Renderings("militari") { // the Snowball stem of "military"
		zh = append(zh, x.Text)
	}
	if !slices.Contains(zh, "军事") {
		t.Errorf("Renderings(militari) = %v, want 军事 among them", zh)
	}
	if got := g.Renderings("zzzz"); len(got) != 0 {
		t.Errorf("unknown stem: got %v", got)
	}
}

// Words of one family share renderings; a weakly rendered clipped word
// borrows its full form's, never a shorter word's inside it.
func TestRenderingsOfRelatives(t *testing.T) {
	g := Default()
	tests := []struct {
		stem      string
		want, not string
	}{
		{"covid", "新冠肺炎", ""},     // covid19's; covid alone is only 长新冠
		{"legit", "合法", ""},       // legitim's
		{"neighbour", "邻居", "嘶"},  // neighbor's, and not neigh's
		{"secretariat", "秘书", ""}, // secretari's, from the usual six letters
	}
	for _, tt := range tests {
		var zh []string
		for _, x := range g.Renderings(tt.stem) {
			zh = append(zh, x.Text)
		}
		if !slices.Contains(zh, tt.want) {
			t.Errorf("Renderings(%s) = %v, want %s among them", tt.stem, zh, tt.want)
		}
		if tt.not != "" && slices.Contains(zh, tt.not) {
			t.Errorf("Renderings(%s) = %v, want no %s", tt.stem, zh, tt.not)
		}
	}
}
