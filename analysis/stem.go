package analysis

import (
	"strings"
	"sync"
	"unicode"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/french"
	"github.com/kljensen/snowball/hungarian"
	"github.com/kljensen/snowball/norwegian"
	"github.com/kljensen/snowball/russian"
	"github.com/kljensen/snowball/spanish"
	"github.com/kljensen/snowball/swedish"
)

// Stemmer turns a folded word of an alphabetic script into an index term.
type Stemmer interface {
	// Term returns the word's stem, or ok=false for a stop word.
	Term(word string) (stem string, ok bool)
	// Name is the Snowball language's name ("english").
	Name() string
}

// snowballLang is one Snowball language: its stemmer and stop list.
type snowballLang struct {
	name  string
	stem  func(string, bool) string
	stop  func(string) bool
	memo  sync.Map // word → stem; a document's vocabulary is bounded
	latin bool
}

func (l *snowballLang) Name() string { return l.name }

func (l *snowballLang) Term(word string) (string, bool) {
	w := strings.ReplaceAll(strings.ReplaceAll(word, "’", "'"), "-", "")
	if strings.HasSuffix(w, "n't") {
		return "", false // can't, won't, don't: negated auxiliaries
	}
	if i := strings.IndexByte(w, '\''); i > 0 && l.stop(w[:i]) {
		return "", false // who's, they're, it'll
	}
	if l.stop(w) || l.stop(strings.ReplaceAll(w, "'", "")) {
		return "", false
	}
	if v, ok := l.memo.Load(w); ok {
		return v.(string), true
	}
	s := w
	// Snowball's stemmers expect a word of letters; mixed tokens such as
	// "covid19" or "x86" are names and are kept whole.
	if !strings.ContainsFunc(w, unicode.IsDigit) {
		s = l.stem(w, true)
	}
	s = strings.ReplaceAll(s, "'", "")
	if s == "" {
		s = w
	}
	l.memo.Store(w, s)
	return s, true
}

// languages are the Snowball languages the analysis supports, English first:
// it is the default when a text gives no evidence.
var languages = []*snowballLang{
	{name: "english", stem: english.Stem, stop: englishStop, latin: true},
	{name: "french", stem: french.Stem, stop: french.IsStopWord, latin: true},
	{name: "spanish", stem: spanish.Stem, stop: spanish.IsStopWord, latin: true},
	{name: "swedish", stem: swedish.Stem, stop: swedish.IsStopWord, latin: true},
	{name: "norwegian", stem: norwegian.Stem, stop: norwegian.IsStopWord, latin: true},
	{name: "hungarian", stem: hungarian.Stem, stop: hungarian.IsStopWord, latin: true},
	{name: "russian", stem: russian.Stem, stop: russian.IsStopWord},
}

// englishStop is the stemmer's English stop list with the words of the
// Snowball project's own list that it lacks.
func englishStop(w string) bool {
	switch w {
	case "would", "could", "ought", "cannot":
		return true
	}
	return english.IsStopWord(w)
}

// EnglishStemmer is the English Snowball stemmer with its stop words.
var EnglishStemmer Stemmer = languages[0]

var russianLang = languages[len(languages)-1]

// textStemmer stems a Cyrillic word as Russian and any other word in the
// Latin-script language chosen for the text.
type textStemmer struct{ latin *snowballLang }

func (t textStemmer) Name() string { return t.latin.name }

func (t textStemmer) Term(word string) (string, bool) {
	if r := []rune(word)[0]; unicode.Is(unicode.Cyrillic, r) {
		return russianLang.Term(word)
	}
	return t.latin.Term(word)
}

// StemmerFor picks the Snowball language of a folded text's words: the one
// whose stop words the text uses most (stop words are the most frequent
// words of every language, so a sentence or two decides), English when none
// is used. Cyrillic words are stemmed as Russian whatever the vote.
func StemmerFor(folded string) Stemmer {
	var votes [8]int
	for tok := range Tokens(folded) {
		if tok.Kind != Word {
			continue
		}
		for i, l := range languages {
			if l.latin && l.stop(tok.Text) {
				votes[i]++
			}
		}
	}
	best := 0
	for i := range languages {
		if votes[i] > votes[best] {
			best = i
		}
	}
	return textStemmer{latin: languages[best]}
}
