package retrieval

import (
	"unicode/utf8"

	"github.com/citebot/citebot/embeddings"
	"github.com/citebot/citebot/glossary"
)

// Lexicon is the bilingual dictionary retrieval reads meaning from: the
// glosses that place words in a shared space of meaning (see
// embeddings.Space), and the translation of an English question into the
// search terms of a Chinese document. A test can pass a tiny one; nil means
// no dictionary, and then only words the document itself uses are matched.
type Lexicon interface {
	embeddings.Lexicon
	// Translate proposes Chinese search terms for an English question,
	// keeping those the document uses (known).
	Translate(question string, known func(term string) bool) []Term
}

// Term is a weighted search term proposed by a Lexicon.
type Term struct {
	Text   string
	Weight float64
}

// GlossaryLexicon is the Lexicon over the embedded CC-CEDICT glossary, the
// offline default.
type GlossaryLexicon struct{ Glossary *glossary.Glossary }

// IsWord reports whether zh is a word of the glossary.
func (l GlossaryLexicon) IsWord(zh string) bool { return l.Glossary.IsWord(zh) }

// Senses returns zh's English glosses; a single character's are its own
// (see StemmedSenses).
func (l GlossaryLexicon) Senses(zh string) []embeddings.Sense {
	if utf8.RuneCountInString(zh) == 1 {
		gs := l.Glossary.CharacterGlosses(zh)
		out := make([]embeddings.Sense, len(gs))
		for i, g := range gs {
			out[i] = embeddings.Sense{Gloss: g.Text, Weight: g.Weight}
		}
		return out
	}
	return senses(l.Glossary.Glosses(zh))
}

// StemmedSenses returns zh's English glosses with their words' stems. A
// single character's are its own senses in CC-CEDICT: the glossary's
// inverse gives a character only the English words no compound renders
// better, 发 "hair" and never "to send out".
func (l GlossaryLexicon) StemmedSenses(zh string) []embeddings.StemmedSense {
	var gs []glossary.StemmedGloss
	if utf8.RuneCountInString(zh) == 1 {
		gs = l.Glossary.CharacterGlosses(zh)
	} else {
		gs = l.Glossary.StemmedGlosses(zh)
	}
	out := make([]embeddings.StemmedSense, len(gs))
	for i, g := range gs {
		out[i] = embeddings.StemmedSense{Sense: embeddings.Sense{Gloss: g.Text, Weight: g.Weight}, Stems: g.Stems, Whole: g.Whole}
	}
	return out
}

// Renderings returns the Chinese renderings of the English word with this stem.
func (l GlossaryLexicon) Renderings(stem string) []embeddings.Sense {
	return senses(l.Glossary.Renderings(stem))
}

// Rarity says how specific the English word with this stem is.
func (l GlossaryLexicon) Rarity(stem string) (float64, bool) { return l.Glossary.Rarity(stem) }

// Translate proposes the glossary's renderings of question that the
// document uses (known).
func (l GlossaryLexicon) Translate(question string, known func(string) bool) []Term {
	terms := l.Glossary.TranslateIn(question, known)
	out := make([]Term, len(terms))
	for i, x := range terms {
		out[i] = Term{Text: x.Zh, Weight: x.Weight}
	}
	return out
}

func senses(gs []glossary.Gloss) []embeddings.Sense {
	out := make([]embeddings.Sense, len(gs))
	for i, g := range gs {
		out[i] = embeddings.Sense{Gloss: g.Text, Weight: g.Weight}
	}
	return out
}

// noLexicon knows no meanings: only the document's own words match, and
// without a dictionary every pair of Chinese characters counts as a word,
// the way Lucene's CJK analyzer indexes text.
type noLexicon struct{}

func (noLexicon) IsWord(zh string) bool                      { return utf8.RuneCountInString(zh) == 2 }
func (noLexicon) Senses(string) []embeddings.Sense           { return nil }
func (noLexicon) Renderings(string) []embeddings.Sense       { return nil }
func (noLexicon) Translate(string, func(string) bool) []Term { return nil }
func (noLexicon) Rarity(string) (float64, bool)              { return 0, false }
