// Package glossary translates English questions into Chinese search terms so
// citebot can retrieve over the Chinese declaration without an LLM. It is
// classic dictionary-based cross-language query translation: the question is
// tokenised and normalised, multi-word phrases are matched before single
// words, and each English unit is rendered by a few ranked Chinese words from
// a reverse index of CC-CEDICT (see data/ and LICENSE-CEDICT.md).
package glossary

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/glossary/internal/tables"
	"github.com/citebot/citebot/glossary/internal/textnorm"
)

//go:generate go run ./internal/gen -out data/en2zh.tsv.gz -tables data/en2zh.tables -chars data/chars.tsv

// embedded holds the tables of data/en2zh.tsv.gz (see tables.go): the
// TSV is the generator's reviewable output, the tables the form that
// loads without parsing. A test checks that they agree.
//
//go:embed data/en2zh.tables
var embedded string

const (
	// maxPhrase is the longest English phrase (in content words) tried.
	maxPhrase = 6
	// perUnit caps the Chinese candidates kept for one English unit: past a
	// few, renderings are mostly noise that dilutes the query.
	perUnit = 4
	// relFloor drops candidates far weaker than a unit's best rendering.
	relFloor = 0.6
	// variantFactor discounts matches found only through a derived form
	// (trafficking→traffic): the base word may have drifted in meaning.
	variantFactor = 0.9
	// phraseMin: see textnorm.PhraseMin.
	phraseMin = textnorm.PhraseMin
	// weakWord is the best weight below which a word is also tried as a
	// closed compound (cybercrime = cyber + crime): such words are often
	// missing from the dictionary or glossed only in a narrow sense.
	weakWord = 0.5
	// minPart is the shortest compound part tried; shorter splits find
	// spurious words (to+get+her).
	minPart = 4
	// singleMin is the weight a single character needs to stand in, under
	// TranslateIn, for a unit none of whose words the text has.
	singleMin = 0.5
	// bigramFactor discounts a bigram that stands in for an unknown word.
	bigramFactor = 0.6
)

// Term is one Chinese search term proposed for an English question.
type Term struct {
	Zh     string  // Simplified Chinese word
	Weight float64 // 0..1, confidence that this is a good rendering
	From   string  // the English word or phrase it renders
}

// Glossary maps English words and phrases to Chinese terms.
type Glossary struct {
	// t holds every key's candidates, best first, and the indexes over
	// them, read in place (see tables.go).
	t *tables.Tables
}

// cand is one rendering of a key: a Chinese word and its weight.
type cand = tables.Cand

var (
	defOnce sync.Once
	def     *Glossary
)

// Default returns the glossary of the embedded CC-CEDICT index. Its tables
// are read in place, so the first call costs microseconds, not a parse. It
// is safe for concurrent use.
func Default() *Glossary {
	defOnce.Do(func() {
		t, err := tables.Open(embedded)
		g := &Glossary{t: t}
		if err != nil {
			// The data is embedded at build time and checked by tests; a
			// failure here is a broken build, not a runtime condition.
			panic(fmt.Sprintf("glossary: embedded data: %v", err))
		}
		def = g
	})
	return def
}

// Load parses a gzip'd index in the generator's format (see internal/gen)
// and builds its tables in memory, which takes a few hundred milliseconds
// for the whole dictionary.
func Load(gz []byte) (*Glossary, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("open gzip: %w", err)
	}
	defer zr.Close()
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	text := string(raw)
	m := make(map[string][]cand, strings.Count(text, "\n"))
	line := 0
	for rest := text; rest != ""; {
		var l string
		l, rest, _ = strings.Cut(rest, "\n")
		line++
		key, list, ok := strings.Cut(l, "\t")
		if !ok || key == "" || list == "" {
			return nil, fmt.Errorf("line %d: want key and candidates", line)
		}
		cs := make([]cand, 0, strings.Count(list, "\t")+1)
		if err := eachCand(list, func(zh string, w float32) { cs = append(cs, cand{Text: zh, W: w}) }); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		m[key] = cs
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("empty index")
	}
	t, err := tables.Open(tables.Build(m))
	if err != nil {
		return nil, err
	}
	return &Glossary{t: t}, nil
}

// MarshalBinary returns the glossary's tables: the form the default
// glossary is embedded in (data/en2zh.tables), which internal/gen writes.
func (g *Glossary) MarshalBinary() ([]byte, error) { return []byte(g.t.Data()), nil }

// eachCand calls f for every "zh weight" field of a tab-separated list.
func eachCand(list string, f func(zh string, w float32)) error {
	for list != "" {
		var field string
		field, list, _ = strings.Cut(list, "\t")
		zh, ws, ok := strings.Cut(field, " ")
		w, err := strconv.Atoi(ws)
		if !ok || err != nil || zh == "" || w < 1 || w > 100 {
			return fmt.Errorf("bad candidate %q", field)
		}
		f(zh, float32(w)/100)
	}
	return nil
}

// get returns a key's candidates, best first, or nil.
func (g *Glossary) get(key string) []cand {
	id, ok := g.t.Key(key)
	if !ok {
		return nil
	}
	return g.t.KeyCands(id)
}

// Len reports the number of English keys in the glossary.
func (g *Glossary) Len() int { return g.t.Keys() }

// IsEnglish reports whether question is mostly Latin letters, so the caller
// knows to translate it; it is analysis.MostlyLatin, the one rule every
// package uses.
func IsEnglish(question string) bool { return analysis.MostlyLatin(question) }

// Translate proposes Chinese search terms for an English question, a few per
// English unit, best first within a unit. It is empty when the question has
// no English content words (e.g. a Chinese question).
func (g *Glossary) Translate(question string) []Term {
	return g.translate(question, nil)
}

// TranslateIn is Translate restricted to a vocabulary: known reports whether
// a simplified Chinese string occurs in the searched text. Candidates the text
// lacks are dropped before the per-unit cap, so a rarer but present rendering
// replaces a common absent one; a long candidate the text lacks is replaced
// by those of its bigrams the text has, at a lower weight.
func (g *Glossary) TranslateIn(question string, known func(zh string) bool) []Term {
	return g.translate(question, known)
}

// unit is one matched English word or phrase and its candidates.
type unit struct {
	from  string
	cands []cand
	scale float32
}

func (g *Glossary) translate(q string, known func(string) bool) []Term {
	var out []Term
	seen := map[string]int{}
	for _, u := range g.units(q, known) {
		var picked []Term
		add := func(zh string, w float32) {
			for i := range picked {
				if picked[i].Zh == zh {
					picked[i].Weight = max(picked[i].Weight, weight(w))
					return
				}
			}
			picked = append(picked, Term{Zh: zh, Weight: weight(w), From: u.from})
		}
		var single []cand
		for _, c := range u.cands {
			w := c.W * u.scale
			n := utf8.RuneCountInString(c.Text)
			switch {
			case known == nil:
				add(c.Text, w)
			case n == 1:
				// Any text "contains" most single characters, so a known
				// single character is no evidence; keep it as a last resort.
				if known(c.Text) {
					single = append(single, cand{Text: c.Text, W: w})
				}
			case known(c.Text):
				add(c.Text, w)
			case n >= 3:
				for _, b := range knownBigrams(c.Text, known) {
					add(b, w*bigramFactor)
				}
			}
		}
		if len(picked) == 0 && len(single) > 0 && single[0].W >= singleMin {
			add(single[0].Text, single[0].W)
		}
		sort.SliceStable(picked, func(i, j int) bool { return picked[i].Weight > picked[j].Weight })
		for i, t := range picked {
			if i == perUnit || t.Weight < relFloor*picked[0].Weight {
				break
			}
			if j, dup := seen[t.Zh]; dup {
				if t.Weight > out[j].Weight {
					out[j].Weight = t.Weight
				}
				continue
			}
			seen[t.Zh] = len(out)
			out = append(out, t)
		}
	}
	return out
}

// weight rounds a stored float32 weight to the data's two-digit precision,
// so callers see 0.79 rather than 0.7900000214576721.
func weight(w float32) float64 { return math.Round(float64(w)*100) / 100 }

// usable reports whether the text has any rendering among cs (or enough of
// a long one's bigrams to stand in for it).
func usable(cs []cand, known func(string) bool) bool {
	if known == nil {
		return true
	}
	for _, c := range cs {
		n := utf8.RuneCountInString(c.Text)
		if n >= 2 && known(c.Text) || n >= 3 && knownBigrams(c.Text, known) != nil {
			return true
		}
	}
	return false
}

// knownBigrams returns zh's character bigrams that the text contains, or nil
// unless more than half of them are known: one shared bigram of a long idiom
// (or the 事人 of 当事人) is more likely coincidence than a rendering.
func knownBigrams(zh string, known func(string) bool) []string {
	rs := []rune(zh)
	var ok []string
	for i := 0; i+2 <= len(rs); i++ {
		if b := string(rs[i : i+2]); known(b) {
			ok = append(ok, b)
		}
	}
	if 2*len(ok) <= len(rs)-1 {
		return nil
	}
	return ok
}

// units splits a question into English units, longest phrase first. With a
// vocabulary, a phrase none of whose renderings the text has is skipped in
// favour of its words ("organized crime" → 打黑 is absent, but "crime" →
// 犯罪 is there).
func (g *Glossary) units(q string, known func(string) bool) []unit {
	toks := textnorm.Tokenize(q)
	// Content words in order; a question word between two of them breaks a
	// phrase (it is not part of what is asked about), a function word does
	// not (the index drops function words from glosses too).
	type word struct {
		tok   textnorm.Token
		brk   bool
		parts []string // hyphenated pieces, tried when the whole is unknown
	}
	var ws []word
	brk := true
	for _, t := range toks {
		if t.Break {
			brk = true
		}
		if acr := acronym(t.Raw); acr != "" {
			if g.has("^" + acr) {
				t.Word = "^" + acr
				ws = append(ws, word{tok: t, brk: true})
				brk = true // acronyms stand alone
				continue
			}
		}
		if textnorm.Question[t.Word] {
			brk = true
			continue
		}
		if textnorm.Function[t.Word] || isNumber(t.Word) {
			continue // numbers are written as digits in the Chinese text too
		}
		w := word{tok: t, brk: brk}
		if strings.Contains(t.Raw, "-") && !g.has(t.Word) {
			for _, p := range strings.Split(strings.ToLower(t.Raw), "-") {
				p = textnorm.Fold(p)
				if p != "" && !textnorm.Function[p] && !textnorm.Question[p] {
					w.parts = append(w.parts, p)
				}
			}
		}
		ws = append(ws, w)
		brk = false
	}

	var us []unit
	for i := 0; i < len(ws); {
		if strings.HasPrefix(ws[i].tok.Word, "^") {
			us = append(us, unit{from: ws[i].tok.Raw, cands: g.get(ws[i].tok.Word), scale: 1})
			i++
			continue
		}
		// Longest phrase first: a phrase may not cross a break or acronym.
		n := 1
		for n < maxPhrase && i+n < len(ws) && !ws[i+n].brk && !strings.HasPrefix(ws[i+n].tok.Word, "^") {
			n++
		}
		matched := false
		for m := n; m >= 2; m-- {
			words := make([]string, m)
			raws := make([]string, m)
			for k := 0; k < m; k++ {
				words[k], raws[k] = ws[i+k].tok.Word, ws[i+k].tok.Raw
			}
			if cs, scale := g.lookupPhrase(words); cs != nil && usable(cs, known) {
				us = append(us, unit{from: strings.Join(raws, " "), cands: cs, scale: scale})
				i += m
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		w := ws[i]
		cs := g.lookupWord(w.tok.Word)
		if cs != nil {
			us = append(us, unit{from: w.tok.Raw, cands: cs, scale: 1})
		}
		switch {
		case cs == nil && len(w.parts) > 0:
			for _, p := range w.parts {
				if cs := g.lookupWord(p); cs != nil {
					us = append(us, unit{from: p, cands: cs, scale: variantFactor})
				}
			}
		case cs == nil || cs[0].W < weakWord:
			us = append(us, g.splitCompound(w.tok.Raw)...)
		}
		i++
	}
	return us
}

func (g *Glossary) has(key string) bool { _, ok := g.t.Key(key); return ok }

// acronym returns the acronym a raw word spells (SCO, UN, ICTs→ICT), or "".
func acronym(raw string) string {
	if textnorm.IsAcronym(raw) {
		return raw
	}
	if n := len(raw); n >= 3 && raw[n-1] == 's' && textnorm.IsAcronym(raw[:n-1]) {
		return raw[:n-1]
	}
	return ""
}

// splitCompound splits a closed compound into two dictionary words, the
// longest known first part winning, or returns nil. Both parts must have a
// confident rendering, since a forced split is weaker evidence than a word.
func (g *Glossary) splitCompound(raw string) []unit {
	if strings.ContainsAny(raw, "-'") || len(raw) < 2*minPart {
		return nil
	}
	lower := strings.ToLower(raw)
	for i := len(lower) - minPart; i >= minPart; i-- {
		a, b := lower[:i], lower[i:]
		if textnorm.Function[a] || textnorm.Function[b] {
			continue
		}
		ca, cb := g.lookupWord(textnorm.Fold(a)), g.lookupWord(textnorm.Fold(b))
		if ca == nil || cb == nil || ca[0].W < weakWord || cb[0].W < weakWord {
			continue
		}
		return []unit{
			{from: raw[:i], cands: ca, scale: variantFactor},
			{from: raw[i:], cands: cb, scale: variantFactor},
		}
	}
	return nil
}

// lookupPhrase finds a multi-word key, trying base forms of the last word
// (the head of an English noun phrase is where inflection shows).
func (g *Glossary) lookupPhrase(words []string) ([]cand, float32) {
	key := strings.Join(words, " ")
	if cs := g.get(key); cs != nil && cs[0].W >= phraseMin {
		return cs, 1
	}
	last := words[len(words)-1]
	prefix := strings.TrimSuffix(key, last)
	inf, der := textnorm.Variants(last)
	for _, v := range append(inf, der...) {
		if cs := g.get(prefix + v); cs != nil && cs[0].W*variantFactor >= phraseMin {
			return cs, variantFactor
		}
	}
	return nil, 0
}

// lookupWord merges the candidates of a word and of its inflectional base
// forms (trafficking, traffic): the inflected form alone is often only in a
// few narrow glosses, while the base form carries the common renderings.
// Derived base forms (commitment→commit) are tried only for unknown words.
func (g *Glossary) lookupWord(w string) []cand {
	cs := g.get(w)
	inf, der := textnorm.Variants(w)
	if cs == nil {
		inf = append(inf, der...)
	}
	if len(inf) == 0 {
		return cs
	}
	best := map[string]float32{}
	var order []string
	put := func(zh string, x float32) {
		if old, ok := best[zh]; !ok {
			order = append(order, zh)
			best[zh] = x
		} else if x > old {
			best[zh] = x
		}
	}
	for _, c := range cs {
		put(c.Text, c.W)
	}
	for _, v := range inf {
		for _, c := range g.get(v) {
			put(c.Text, c.W*variantFactor)
		}
	}
	if len(order) == 0 {
		return nil
	}
	out := make([]cand, len(order))
	for i, zh := range order {
		out[i] = cand{Text: zh, W: best[zh]}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].W > out[j].W })
	return out
}

func isNumber(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
