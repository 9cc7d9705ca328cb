package glossary

import (
	"strings"
	"testing"
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
	text := strings.Repeat("成员国支持和平利用核能,打击恐怖主义、毒品贩运和国际金融机构合作。", 200)
	known := func(zh string) bool { return strings.Contains(text, zh) }
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		g.TranslateIn(benchQuestions[i%len(benchQuestions)], known)
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(embedded); err != nil {
			b.Fatal(err)
		}
	}
}
