package glossary

import (
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/citebot/citebot/glossary/internal/tables"
)

// Near-synonyms through the English pivot: two Chinese words that CC-CEDICT
// glosses with the same English word or phrase (电商 and 电子商务 are both
// "e-commerce", 掐断 and 断开 both "disconnect") mean about the same thing.
// The reverse index already groups the Chinese renderings of every English
// key, so inverting it once gives each Chinese word its keys, and the other
// renderings of those keys are its synonyms.
const (
	// synMinWeight is the weight both words need in a shared key. Weak
	// candidates are renderings of a fragment of a longer gloss (电商 under
	// "negotiate telegram"), which says nothing about meaning.
	synMinWeight = 0.6
	// synMax caps the synonyms returned: past a dozen they drift into
	// loosely related words.
	synMax = 12
	// maxGlosses caps the glosses Glosses returns: a common word's later
	// senses are rare ones, and they would pull it towards unrelated words.
	maxGlosses = 12
)

// glosses returns the inverse entries of zh: its non-acronym keys with the
// weights they render it by, best first; ok is false for no word.
func (g *Glossary) glosses(zh string) (from, to int, ok bool) {
	id, ok := g.t.Zh(zh)
	if !ok {
		return 0, 0, false
	}
	from, to = g.t.Glosses(id)
	return from, to, from < to
}

// IsWord reports whether zh (Simplified Chinese) is a word of the glossary's
// CC-CEDICT lexicon, i.e. a rendering of some English key. Callers use it to
// segment Chinese text into words.
func (g *Glossary) IsWord(zh string) bool { return g.t.IsWord(zh) }

// Synonyms returns near-synonyms of the Simplified Chinese word zh: the other
// words that CC-CEDICT renders by an English key zh is rendered by, both with
// weight at least synMinWeight, best first (by the weaker of the two
// weights), at most synMax, never zh itself and never a single character (a
// character alone is too ambiguous to stand for a word). It returns nil for
// words the lexicon does not know. It is safe for concurrent use.
func (g *Glossary) Synonyms(zh string) []string {
	from, to, _ := g.glosses(zh)
	score := map[string]float32{}
	for i := from; i < to; i++ {
		key, mine := g.t.Gloss(i)
		cs := g.t.KeyCands(key)
		if mine < synMinWeight {
			continue
		}
		for _, c := range cs {
			if c.Text == zh || c.W < synMinWeight || utf8.RuneCountInString(c.Text) < 2 {
				continue
			}
			if w := min(mine, c.W); w > score[c.Text] {
				score[c.Text] = w
			}
		}
	}
	if len(score) == 0 {
		return nil
	}
	out := make([]string, 0, len(score))
	for w := range score {
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool {
		if score[out[i]] != score[out[j]] {
			return score[out[i]] > score[out[j]]
		}
		return out[i] < out[j]
	})
	if len(out) > synMax {
		out = out[:synMax]
	}
	return out
}

// Gloss is an English word or phrase a Chinese word renders, or a Chinese
// word an English one translates to.
type Gloss struct {
	// Text is the gloss: an English key as the glossary stores it (lower
	// case, plurals folded, function words dropped: "take unfair
	// advantage"), or a Chinese word.
	Text string
	// Weight is how well the rendering fits, 0..1.
	Weight float32
}

// Glosses returns the English glosses of the Simplified Chinese word zh,
// best first, at most maxGlosses: the word's coordinates in a space of
// English words, where 军力 ("military power") and 军事 ("military") meet.
// It returns nil for words the lexicon does not know.
func (g *Glossary) Glosses(zh string) []Gloss {
	// The tables keep each word's glosses in this order: by weight, then
	// by key.
	from, to, ok := g.glosses(zh)
	if !ok {
		return nil
	}
	out := make([]Gloss, min(to-from, maxGlosses))
	for j := range out {
		key, w := g.t.Gloss(from + j)
		out[j] = Gloss{Text: g.t.KeyText(key), Weight: w}
	}
	return out
}

// StemmedGloss is a gloss with the Snowball stems of its words.
type StemmedGloss struct {
	Gloss
	// Stems are the analysis.EnglishStemmer stems of the words that
	// analysis.Tokens finds in Text, stop words left out, in order.
	Stems []string
	// Whole is the stem of Text when Text is one word and no stop word,
	// else "".
	Whole string
}

// StemmedGlosses returns Glosses(zh) with the stems of each gloss, which
// the glossary computes when it is generated: a meaning space placing a
// document's words at their glosses would otherwise stem every word of
// every gloss (a sixth of building the declaration's index, more at the
// first start, when no stem is remembered yet).
func (g *Glossary) StemmedGlosses(zh string) []StemmedGloss {
	from, to, ok := g.glosses(zh)
	if !ok {
		return nil
	}
	out := make([]StemmedGloss, min(to-from, maxGlosses))
	stems := make([]string, 0, 3*len(out)) // one array for every gloss's stems
	for j := range out {
		key, w := g.t.Gloss(from + j)
		sg := StemmedGloss{Gloss: Gloss{Text: g.t.KeyText(key), Weight: w}}
		at := len(stems)
		g.t.KeyStems(key, func(st string) { stems = append(stems, st) })
		sg.Stems = stems[at:len(stems):len(stems)]
		sg.Whole, _ = g.t.KeyWholeStem(key)
		out[j] = sg
	}
	return out
}

// Renderings returns the Chinese words that render the English word whose
// Snowball stem is stem ("warranti" → 保证, 担保 …), best first, at most
// perUnit. The stem index is built on first use, so a process that never
// sees English pays nothing for it.
func (g *Glossary) Renderings(stem string) []Gloss {
	cs := g.stemRenderings(stem)
	if acr := g.get("^" + strings.ToUpper(stem)); len(acr) > 0 && len(stem) <= 6 {
		// An acronym (SCO, UN) stems to itself in lower case.
		cs = tables.MergeCands(acr, cs)
	}
	out := make([]Gloss, 0, perUnit)
	for _, c := range cs[:min(len(cs), perUnit)] {
		out = append(out, Gloss{Text: c.Text, Weight: c.W})
	}
	// Words of one family that Snowball leaves apart (secretariat,
	// secretary) share most of their letters; the relatives' renderings
	// follow the word's own, weaker.
	shared := minShared
	if len(cs) == 0 || cs[0].W < weakRendering {
		// A word the dictionary renders only weakly ("covid": 长新冠, long
		// covid) leans on its family from a shorter beginning (covid19:
		// 新冠肺炎).
		shared = minSharedWeak
	}
	for _, rel := range g.relatives(stem, shared) {
		for _, c := range g.stemRenderings(rel) {
			out = append(out, Gloss{Text: c.Text, Weight: c.W * relativeFactor})
		}
	}
	return out
}

const (
	// minShared is the shortest common beginning that makes two stems
	// relatives, and relativeShare the share of the shorter stem it must
	// cover: "secretari" and "secretariat" share 9 letters of 9.
	minShared     = 6
	minSharedWeak = 5
	// weakRendering is the best rendering's weight below which a word's
	// own renderings are weak.
	weakRendering = 0.5
	relativeShare = 0.8
	// relativeFactor discounts a relative's renderings.
	relativeFactor = 0.8
	maxRelatives   = 3
)

// stemRenderings returns the best perUnit renderings of the one-word keys
// with this Snowball stem, best first.
func (g *Glossary) stemRenderings(stem string) []cand {
	id, ok := g.t.Stem(stem)
	if !ok {
		return nil
	}
	return g.t.StemRenderings(id)
}

// relatives returns the other stems sharing most of stem's beginning.
func (g *Glossary) relatives(stem string, shared int) []string {
	if len(stem) < shared {
		return nil
	}
	prefix := stem[:shared]
	var out []string
	i, _ := g.t.Stem(prefix)
	for ; i < g.t.Stems() && len(out) < maxRelatives; i++ {
		other := g.t.StemText(i)
		if !strings.HasPrefix(other, prefix) {
			break
		}
		if other == stem || !g.t.HasRenderings(i) {
			continue // the word itself, or a stem of phrases' words only
		}
		n := 0
		for n < len(other) && n < len(stem) && other[n] == stem[n] {
			n++
		}
		if n < minShared && len(other) < len(stem) {
			// From a short beginning only longer words are family: the
			// clipped form's full one (legit, legitim), never a shorter
			// word inside it (neighbour, neigh).
			continue
		}
		if float64(n) >= relativeShare*float64(min(len(other), len(stem))) && abs(len(other)-len(stem)) <= 4 {
			out = append(out, other)
		}
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Rarity says how specific the English word with this Snowball stem is, in
// [0,1]: its inverse frequency among the dictionary's glosses, relative to
// the rarest. "work" glosses hundreds of Chinese words and is general;
// "warranty" glosses a few. ok is false for a stem no gloss uses.
func (g *Glossary) Rarity(stem string) (float64, bool) {
	id, ok := g.t.Stem(stem)
	if !ok {
		return 0, false
	}
	d, n := g.t.StemDF(id), g.t.GlossN()
	if d == 0 || n == 0 {
		return 0, false
	}
	return math.Log(n/float64(d)) / math.Log(n), true
}
