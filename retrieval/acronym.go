package retrieval

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/corpus"
)

// minAcronym is the shortest initialism expanded: two letters are too
// often a word or an abbreviation of something else ("it", "us", "ca").
const minAcronym = 3

// maxAcronym is the longest initialism read: longer runs of capitalised
// words are lists of names, not one name.
const maxAcronym = 6

// expansions maps the initialisms of a document's capitalised phrases to
// the phrases, folded: "GNU General Public License" gives gpl (and ggpl),
// so that a question about "the GPL" finds the document that only ever
// writes the name out. A phrase is two or more capitalised words, minor
// words allowed between them ("Universal Declaration of Human Rights");
// of phrases sharing an initialism the most frequent is kept.
func expansions(doc *corpus.Document) map[string]string {
	count := map[string]map[string]int{}
	add := func(words []string) {
		// Every run of minAcronym or more capitalised words within the
		// phrase: the name may be part of it ("GNU General Public License").
		eachInitialism(words, isCapitalised, minAcronym, func(a string, from, to int) {
			if count[a] == nil {
				count[a] = map[string]int{}
			}
			count[a][analysis.Fold(strings.Join(words[from:to], " "))]++
		})
	}
	for _, p := range doc.Paragraphs {
		var run []string
		flush := func() {
			for len(run) > 0 && !isCapitalised(run[len(run)-1]) {
				run = run[:len(run)-1]
			}
			if len(run) >= minAcronym {
				add(run)
			}
			run = run[:0]
		}
		end := 0
		for tok := range analysis.Tokens(p.Text) {
			if strings.TrimSpace(p.Text[end:tok.Start]) != "" {
				flush() // punctuation between
			}
			end = tok.Start + len(tok.Text)
			switch {
			case tok.Kind == analysis.Word && isCapitalised(tok.Text):
				run = append(run, tok.Text)
			case tok.Kind == analysis.Word && len(run) > 0 && minorWords[strings.ToLower(tok.Text)]:
				run = append(run, tok.Text)
			default:
				flush()
			}
		}
		flush()
	}
	out := map[string]string{}
	for a, phrases := range count {
		best, most := "", 0
		for ph, n := range phrases {
			if n > most || n == most && ph < best {
				best, most = ph, n
			}
		}
		out[a] = best
	}
	return out
}

// eachInitialism calls fn with the initials, lower case, of every run of
// words that starts and ends on a word that counts, holding least to
// maxAcronym such words, and with the run's bounds (words[from:to]); words
// that do not count stand inside a run without an initial.
func eachInitialism(words []string, counts func(string) bool, least int, fn func(initials string, from, to int)) {
	for i := range words {
		if !counts(words[i]) {
			continue
		}
		var initials strings.Builder
		n := 0
		for j := i; j < len(words) && n < maxAcronym; j++ {
			if !counts(words[j]) {
				continue
			}
			initials.WriteRune(unicode.ToLower(firstRune(words[j])))
			if n++; n >= least {
				fn(initials.String(), i, j+1)
			}
		}
	}
}

// minorWords may stand inside a capitalised phrase.
var minorWords = map[string]bool{"of": true, "and": true, "for": true, "the": true, "on": true, "in": true}

// isCapitalised reports a word that starts with a capital letter and is
// not all capitals: an initialism is not spelt out by another one.
func isCapitalised(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r) && strings.ToUpper(w) != w
}
