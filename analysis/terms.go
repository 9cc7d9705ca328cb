package analysis

import (
	"unicode"
	"unicode/utf8"
)

// Terms splits folded text into the terms every scorer shares:
//   - a run of Chinese characters gives each character and each pair of
//     neighbouring characters (Lucene's CJK bigrams, no dictionary needed);
//   - a word of an alphabetic script gives its Snowball stem, unless it is a
//     stop word of the text's language ("the", "de", "и");
//   - a number, or a word mixing letters and digits ("covid19"), is kept as
//     it is written.
//
// Punctuation separates runs. The stemmer's language is chosen once for the
// whole text (see StemmerFor), so a paragraph and a question are each
// analysed in their own language.
//
// Fold the text first: Terms does not change script, width or case.
func Terms(folded string) []string {
	terms := make([]string, 0, utf8.RuneCountInString(folded))
	var st Stemmer
	for tok := range Tokens(folded) {
		switch tok.Kind {
		case HanRun:
			var prev rune
			for _, r := range tok.Text {
				terms = append(terms, string(r))
				if prev != 0 {
					terms = append(terms, string([]rune{prev, r}))
				}
				prev = r
			}
		case Word:
			if st == nil {
				st = StemmerFor(folded)
			}
			if t, ok := st.Term(tok.Text); ok {
				terms = append(terms, t)
			}
		case Number:
			terms = append(terms, tok.Text)
		}
	}
	return terms
}

// EachTerm calls f with every term of folded text, in the order and with
// the values of Terms, without allocating: a Chinese character or pair is a
// substring of folded. Indexing 100,000 paragraphs makes 45 million terms;
// as fresh strings they were a third of the lexical index's build.
func EachTerm(folded string, f func(term string)) {
	var st Stemmer
	for tok := range Tokens(folded) {
		switch tok.Kind {
		case HanRun:
			prev := -1
			for i, r := range tok.Text {
				n := utf8.RuneLen(r)
				f(tok.Text[i : i+n])
				if prev >= 0 {
					f(tok.Text[prev : i+n])
				}
				prev = i
			}
		case Word:
			if st == nil {
				st = StemmerFor(folded)
			}
			if t, ok := st.Term(tok.Text); ok {
				f(t)
			}
		case Number:
			f(tok.Text)
		}
	}
}

// IsBigram reports whether a term from Terms is a pair of Chinese characters.
func IsBigram(term string) bool {
	r, n := utf8.DecodeRuneInString(term)
	return n > 0 && IsHan(r) && utf8.RuneCountInString(term) == 2
}

// IsHan reports whether r is a Chinese character (Han script).
func IsHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// Kind says what a token is.
type Kind int

// The kinds of Token.
const (
	HanRun Kind = iota // a run of Chinese characters
	Word               // a word of an alphabetic script, possibly with digits
	Number             // digits only
)

// Token is a run of text of one kind: a Chinese run, a word or a number.
type Token struct {
	Text string
	Kind Kind
	// Start is the byte offset of Text in the tokenised string.
	Start int
}

// Tokens yields the tokens of s in order. Letters and digits glued together
// form one word; an apostrophe inside a word joins it ("don't" stays one
// word for the stop list), a hyphen does not ("apache-licensed" is two
// words, as Lucene's standard tokenizer has it: each half can match).
func Tokens(s string) func(yield func(Token) bool) {
	return func(yield func(Token) bool) {
		start, kind := -1, Kind(-1)
		digitsOnly := true
		emit := func(end int) bool {
			if start < 0 {
				return true
			}
			t := Token{Text: s[start:end], Kind: kind, Start: start}
			if kind == Word && digitsOnly {
				t.Kind = Number
			}
			start, kind, digitsOnly = -1, -1, true
			return yield(t)
		}
		for i, r := range s {
			var k Kind
			switch {
			case IsHan(r):
				k = HanRun
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				k = Word
			case unicode.Is(unicode.Mn, r) && kind == Word:
				// A combining mark belongs to the letter before it; alone
				// (an emoji's variation selector) it is no word.
				continue
			case (r == '\'' || r == '’') && kind == Word && joins(s, i+utf8.RuneLen(r)):
				continue
			default:
				if !emit(i) {
					return
				}
				continue
			}
			if k != kind {
				if !emit(i) {
					return
				}
				start, kind = i, k
			}
			if k == Word && !unicode.IsDigit(r) {
				digitsOnly = false
			}
		}
		emit(len(s))
	}
}

// joins reports whether the rune at byte offset i of s continues a word, so
// that the apostrophe or hyphen before it is inside the word.
func joins(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
