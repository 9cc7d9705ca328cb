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
		if got := Synonyms(c.zh); !slices.Contains(got, c.want) {
			t.Errorf("Synonyms(%s) = %v, want it to contain %s", c.zh, got, c.want)
		}
	}
}

func TestSynonymsFilters(t *testing.T) {
	// 电商 is also a weak rendering of "negotiate telegram"; weak fragments
	// must not make synonyms.
	for _, s := range Synonyms("电商") {
		if s == "电商" {
			t.Error("Synonyms returns the word itself")
		}
		if len([]rune(s)) < 2 {
			t.Errorf("single character %q returned", s)
		}
	}
	if got := Synonyms("不是一个词语啊"); got != nil {
		t.Errorf("unknown word: got %v, want nil", got)
	}
	if n := len(Synonyms("建立")); n > synMax {
		t.Errorf("got %d synonyms, cap is %d", n, synMax)
	}
}

func TestIsWord(t *testing.T) {
	if !IsWord("秘书长") || IsWord("秘书长是谁啊") {
		t.Error("IsWord: want 秘书长 a word and a sentence not")
	}
}

func TestSynonymsConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); _ = Synonyms("疫苗"); _ = IsWord("签证") }()
	}
	wg.Wait()
}
