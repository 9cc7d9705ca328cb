package glossary

import (
	"os"
	"testing"

	"github.com/citebot/citebot/glossary/internal/tables"
)

var benchQuestions = []string{
	"What commitments do SCO members make as parties to the Nuclear Non-Proliferation Treaty?",
	"Why do member states worry about propaganda that justifies terrorism?",
	"Which new international convention on cybercrime do member states welcome?",
	"How does the declaration describe the dangers of illicit drug trafficking?",
	"How is innovation characterized in the declaration?",
	"Where does the declaration mention cooperating with international financial institutions, and for what purposes?",
}

func BenchmarkTranslate(b *testing.B) {
	g := Default()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		g.Translate(benchQuestions[i%len(benchQuestions)])
	}
}

func BenchmarkTranslateIn(b *testing.B) {
	g := Default()
	// Callers look terms up in a precomputed vocabulary, so the benchmark
	// does too: it measures the glossary, not a substring scan.
	text := []rune("成员国支持和平利用核能,打击恐怖主义、毒品贩运和国际金融机构合作,承诺遵守不扩散核武器条约。")
	vocab := map[string]bool{}
	for i := range text {
		for j := i + 1; j <= len(text) && j <= i+8; j++ {
			vocab[string(text[i:j])] = true
		}
	}
	known := func(zh string) bool { return vocab[zh] }
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		g.TranslateIn(benchQuestions[i%len(benchQuestions)], known)
	}
}

// BenchmarkLoad parses the gzip'd TSV and builds its tables, as Load does
// for a glossary that is not the embedded one.
func BenchmarkLoad(b *testing.B) {
	raw, err := os.ReadFile("data/en2zh.tsv.gz")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Load(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen opens the embedded tables, which is all Default does.
func BenchmarkOpen(b *testing.B) {
	for b.Loop() {
		if _, err := tables.Open(embedded); err != nil {
			b.Fatal(err)
		}
	}
}
