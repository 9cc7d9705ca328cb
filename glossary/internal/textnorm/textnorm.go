// Package textnorm holds the English normalisation shared by the glossary's
// generator and its runtime lookup. Both sides must normalise identically, or
// a question's words would never meet the dictionary's keys; keeping the code
// in one place makes that a property of the build rather than of discipline.
package textnorm

import (
	"strings"
	"unicode"
)

// PhraseMin is the weight a multi-word key's best rendering needs for the
// glossary to use it instead of the phrase's words: a phrase found only as a
// fragment of a longer gloss ("member state" in "member of the State
// Council") is weaker evidence than its words' own renderings. The generator
// drops phrase keys below it, so both sides must agree.
const PhraseMin = 0.7

// Token is one English word of a text.
type Token struct {
	// Word is the lower-cased, hyphen-less, plural-folded form used as a
	// lookup key.
	Word string
	// Raw is the word as written (case kept), for acronym detection.
	Raw string
	// Acronym is true for all-capital words of 2–6 letters such as SCO or UN;
	// they are looked up case-sensitively so that "US" is not "us".
	Acronym bool
	// Break is true when punctuation separates this token from the previous
	// one, so phrases are not matched across clause boundaries.
	Break bool
}

// Tokenize splits s into English word tokens. Letters, digits and inner
// hyphens/apostrophes form words; possessive 's is dropped; anything else
// (CJK included) separates words, and punctuation other than spaces marks a
// phrase break.
func Tokenize(s string) []Token {
	var out []Token
	var cur []rune
	pendingBreak := false
	flush := func() {
		// Trim hyphens and apostrophes that do not sit inside a word.
		w := strings.Trim(string(cur), "-'’")
		cur = cur[:0]
		if w == "" {
			return
		}
		w = strings.ReplaceAll(w, "’", "'")
		if strings.HasSuffix(w, "'s") {
			w = w[:len(w)-2]
		}
		w = strings.ReplaceAll(w, "'", "")
		if w == "" {
			return
		}
		out = append(out, Token{
			// Hyphens are spelling, not meaning: CC-CEDICT writes both
			// non-proliferation and nonproliferation.
			Word:    Fold(strings.ToLower(strings.ReplaceAll(w, "-", ""))),
			Raw:     w,
			Acronym: IsAcronym(w),
			Break:   pendingBreak || len(out) == 0,
		})
		pendingBreak = false
	}
	for _, r := range s {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			cur = append(cur, r)
		case unicode.IsLetter(r) && unicode.In(r, unicode.Latin):
			cur = append(cur, r)
		case (r == '-' || r == '\'' || r == '’') && len(cur) > 0:
			cur = append(cur, r)
		default:
			flush()
			if !unicode.IsSpace(r) {
				pendingBreak = true
			}
		}
	}
	flush()
	return out
}

// IsAcronym reports whether w looks like an acronym: 2–6 characters, all
// upper-case letters or digits, starting with a letter (SCO, UN, G20).
func IsAcronym(w string) bool {
	if len(w) < 2 || len(w) > 6 || w[0] < 'A' || w[0] > 'Z' {
		return false
	}
	for _, r := range w {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// pluralExceptions end in s but are not plurals (or fold badly).
var pluralExceptions = map[string]bool{
	"news": true, "series": true, "species": true, "status": true, "bus": true,
	"gas": true, "lens": true, "always": true, "perhaps": true, "whereas": true,
	"thus": true, "yes": true, "this": true, "his": true, "its": true, "was": true,
	"has": true, "does": true, "is": true, "as": true, "us": true, "plus": true,
	"bias": true, "atlas": true, "canvas": true, "chaos": true, "ethos": true,
	"means": true, "arms": true, "headquarters": true, "crossroads": true,
	"aids": true, "covid": true, "ones": true, "whose": true, "across": true,
	"overseas": true, "afterwards": true, "towards": true, "upwards": true,
}

// irregular holds the irregular plurals likely in questions and glosses.
var irregular = map[string]string{
	"women": "woman", "men": "man", "children": "child", "feet": "foot",
	"teeth": "tooth", "mice": "mouse", "geese": "goose", "criteria": "criterion",
	"phenomena": "phenomenon", "businessmen": "businessman", "analyses": "analysis",
	"crises": "crisis", "bases": "base", "theses": "thesis",
}

// Fold reduces an English plural to its singular with a few conservative
// rules (countries→country, taxes→tax, commitments→commitment). It is applied
// to both dictionary keys and questions, so an imperfect fold still matches as
// long as it is deterministic; the rules only avoid folds that would merge
// unrelated words (status, analysis, economics).
func Fold(w string) string {
	if s, ok := irregular[w]; ok {
		return s
	}
	if len(w) <= 3 || pluralExceptions[w] || !strings.HasSuffix(w, "s") {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "zzes"),
		strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"):
		return w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"),
		strings.HasSuffix(w, "ics"), strings.HasSuffix(w, "'s"):
		return w
	}
	return w[:len(w)-1]
}

// Variants proposes base forms for a word, best first, in two groups.
// Inflections (trafficking→traffic, characterized→characterize,
// cooperation→cooperate) keep the meaning; derivations (commitment→commit,
// security→secure) may shift it, so callers should use them only when the word itself is unknown.
// Over-generation costs a failed map lookup, not a wrong match.
func Variants(w string) (inflections, derivations []string) {
	add := func(v *[]string, s string) {
		if len(s) < 3 || s == w {
			return
		}
		for _, x := range *v {
			if x == s {
				return
			}
		}
		*v = append(*v, s)
	}
	inf := func(s string) { add(&inflections, s) }
	der := func(s string) { add(&derivations, s) }
	// stripped tries a stem after removing -ing/-ed: as is, with e restored,
	// with a doubled consonant undone, and trafficking→traffic.
	stripped := func(b string) {
		inf(b)
		inf(b + "e")
		n := len(b)
		if n >= 4 && b[n-1] == b[n-2] && !strings.ContainsRune("aeiouls", rune(b[n-1])) {
			inf(b[:n-1]) // planned→plan
		}
		if strings.HasSuffix(b, "ck") {
			inf(b[:n-1])
		}
	}
	switch {
	case strings.HasSuffix(w, "ing") && len(w) > 5:
		stripped(w[:len(w)-3])
	case strings.HasSuffix(w, "ied"):
		inf(w[:len(w)-3] + "y")
	case strings.HasSuffix(w, "ed") && len(w) > 4:
		inf(w[:len(w)-1]) // characterized→characterize
		stripped(w[:len(w)-2])
	// -ation names the action of its verb (cooperation is cooperating), and
	// Chinese mostly uses one word for both, so it counts as an inflection.
	case strings.HasSuffix(w, "ization"), strings.HasSuffix(w, "isation"):
		inf(w[:len(w)-7] + "ize")
		inf(w[:len(w)-7] + "ise")
	case strings.HasSuffix(w, "ation"):
		b := w[:len(w)-5]
		inf(b + "ate") // cooperation→cooperate
		inf(b + "e")   // preparation→prepare
		inf(b)         // information→inform
	case strings.HasSuffix(w, "tion"):
		der(w[:len(w)-3]) // protection→protect
		der(w[:len(w)-3] + "e")
	case strings.HasSuffix(w, "ment"):
		der(w[:len(w)-4])
	case strings.HasSuffix(w, "ily") && len(w) > 5:
		der(w[:len(w)-3] + "y")
	case strings.HasSuffix(w, "ly") && len(w) > 5:
		der(w[:len(w)-2])
	case strings.HasSuffix(w, "ity"):
		der(w[:len(w)-3])
		der(w[:len(w)-3] + "e")
	}
	return inflections, derivations
}

// Function holds English function words: they carry no content in a
// dictionary gloss or a question. The gloss fillers sb/sth/etc are CC-CEDICT
// conventions.
var Function = set(`a an the of to in on at by for from with without into onto upon about as
and or nor but if than then so such that this these those there here it its
be is are was were been being am do does did done doing have has had having
can could may might must shall should will would not no
i me my we our us you your he him his she her they them their one one's oneself
some any all each every both either neither other another own same very too
also just only even still yet again more most less much many few
sb sth sb's sth's someone something somebody someplace etc esp e.g i.e usu fig lit
up down out off over under between among through during before after while
whether which what who whom whose when where why how`)

// Question holds words that only frame a question about a document: question
// words, auxiliaries, light verbs whose meaning sits in their object ("make
// commitments"), and verbs of saying/describing whose object is the
// document's speech act rather than its content ("How is X characterized in
// the declaration?" asks about X). Nouns naming the document itself are here
// for the same reason: every paragraph is "in the declaration".
var Question = set(`what which who whom whose when where why how
tell explain list give show find
make makes made take takes took get gets got put puts
say says said mention mentions mentioned describe describes described
characterize characterized characterise characterised
cover covers covered discuss discussed
refer refers referred regard regarding stated
declaration document text section paragraph part chapter article clause
according`)

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(s) {
		m[f] = true
		m[Fold(f)] = true
	}
	return m
}
