package glossary

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/citebot/citebot/analysis"
)

// charsData is data/chars.tsv: each single character's own first glosses
// in CC-CEDICT (internal/gen -chars).
//
//go:embed data/chars.tsv
var charsData string

// charLines maps a character to its line of glosses in charsData, built on
// first use: only a Chinese question on a document in another language
// reads it.
var charLines = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, strings.Count(charsData, "\n"))
	for line := range strings.Lines(charsData) {
		c, gs, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		if ok {
			m[c] = gs
		}
	}
	return m
})

// CharacterGlosses returns the glosses of the single Chinese character zh
// as CC-CEDICT gives them, commonest sense first, with their stems: 改 "to
// change", "to alter". The glossary's own inverse cannot say this: it
// renders an English word by the words that render it best, and a
// character loses "change" to 改变 and 变化. It returns nil for a function
// word, whose commonest sense is an English stop word (我 "I", 没 "have
// not"), and for anything but a character CC-CEDICT defines.
func (g *Glossary) CharacterGlosses(zh string) []StemmedGloss {
	if utf8.RuneCountInString(zh) != 1 {
		return nil
	}
	line, ok := charLines()[zh]
	if !ok {
		return nil
	}
	var out []StemmedGloss
	for part := range strings.SplitSeq(line, " | ") {
		ws, text, ok := strings.Cut(part, " ")
		w, err := strconv.ParseFloat(ws, 32)
		if !ok || err != nil {
			continue
		}
		// As the index's keys do, without the infinitive's "to".
		text = strings.TrimPrefix(text, "to ")
		sg := StemmedGloss{Gloss: Gloss{Text: text, Weight: float32(w)}}
		for tok := range analysis.Tokens(strings.ToLower(text)) {
			if tok.Kind != analysis.Word {
				continue
			}
			if st, ok := analysis.EnglishStemmer.Term(tok.Text); ok {
				sg.Stems = append(sg.Stems, st)
			}
		}
		if len(sg.Stems) == 0 {
			if len(out) == 0 {
				// Its commonest sense is a function word ("I", "have
				// not", "to"): so is the character, whatever its rarer
				// senses (没 "drowned").
				return nil
			}
			continue
		}
		if !strings.ContainsRune(text, ' ') {
			sg.Whole = sg.Stems[0]
		}
		out = append(out, sg)
	}
	return out
}
