package glossary

import (
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/citebot/citebot/analysis"
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

// inverse is the zh→English side of a glossary, built on first use.
type inverse struct {
	keys []string           // English keys whose candidates include a word
	inv  map[string][]int32 // Chinese word → indexes into keys
}

func (g *Glossary) inverse() *inverse {
	g.invOnce.Do(func() {
		s := &inverse{inv: make(map[string][]int32, 1<<17)}
		for k, cs := range g.m {
			if k == "" || k[0] == '^' {
				continue // acronyms (SCO, UN) group unrelated expansions
			}
			idx := int32(len(s.keys))
			s.keys = append(s.keys, k)
			for _, c := range cs {
				s.inv[c.zh] = append(s.inv[c.zh], idx)
			}
		}
		g.inv = s
	})
	return g.inv
}

// IsWord reports whether zh (Simplified Chinese) is a word of the glossary's
// CC-CEDICT lexicon, i.e. a rendering of some English key. Callers use it to
// segment Chinese text into words.
func (g *Glossary) IsWord(zh string) bool {
	_, ok := g.inverse().inv[zh]
	return ok
}

// own returns the weight with which the key's candidates render zh.
func own(cs []cand, zh string) float32 {
	for _, c := range cs {
		if c.zh == zh {
			return c.w
		}
	}
	return 0
}

// Synonyms returns near-synonyms of the Simplified Chinese word zh: the other
// words that CC-CEDICT renders by an English key zh is rendered by, both with
// weight at least synMinWeight, best first (by the weaker of the two
// weights), at most synMax, never zh itself and never a single character (a
// character alone is too ambiguous to stand for a word). It returns nil for
// words the lexicon does not know. It is safe for concurrent use.
func (g *Glossary) Synonyms(zh string) []string {
	s := g.inverse()
	score := map[string]float32{}
	for _, ki := range s.inv[zh] {
		cs := g.m[s.keys[ki]]
		mine := own(cs, zh)
		if mine < synMinWeight {
			continue
		}
		for _, c := range cs {
			if c.zh == zh || c.w < synMinWeight || utf8.RuneCountInString(c.zh) < 2 {
				continue
			}
			if w := min(mine, c.w); w > score[c.zh] {
				score[c.zh] = w
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
	s := g.inverse()
	var out []Gloss
	for _, ki := range s.inv[zh] {
		key := s.keys[ki]
		out = append(out, Gloss{Text: key, Weight: own(g.m[key], zh)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Weight != out[j].Weight {
			return out[i].Weight > out[j].Weight
		}
		return out[i].Text < out[j].Text
	})
	if len(out) > maxGlosses {
		out = out[:maxGlosses]
	}
	return out
}

// Renderings returns the Chinese words that render the English word whose
// Snowball stem is stem ("warranti" → 保证, 担保 …), best first, at most
// perUnit. The stem index is built on first use, so a process that never
// sees English pays nothing for it.
func (g *Glossary) Renderings(stem string) []Gloss {
	g.stemOnce.Do(func() {
		g.stems = map[string][]cand{}
		for k, cs := range g.m {
			if k == "" || k[0] == '^' || !isSingleWord(k) {
				continue
			}
			st, ok := analysis.EnglishStemmer.Term(k)
			if !ok {
				continue
			}
			g.stems[st] = mergeCands(g.stems[st], cs)
		}
		g.stemList = make([]string, 0, len(g.stems))
		for st := range g.stems {
			g.stemList = append(g.stemList, st)
		}
		sort.Strings(g.stemList)
	})
	cs := g.stems[stem]
	if acr := g.m["^"+strings.ToUpper(stem)]; len(acr) > 0 && len(stem) <= 6 {
		// An acronym (SCO, UN) stems to itself in lower case.
		cs = mergeCands(acr, cs)
	}
	out := make([]Gloss, 0, perUnit)
	for _, c := range cs[:min(len(cs), perUnit)] {
		out = append(out, Gloss{Text: c.zh, Weight: c.w})
	}
	// Words of one family that Snowball leaves apart (secretariat,
	// secretary) share most of their letters; the relatives' renderings
	// follow the word's own, weaker.
	for _, rel := range g.relatives(stem) {
		for _, c := range g.stems[rel][:min(len(g.stems[rel]), perUnit)] {
			out = append(out, Gloss{Text: c.zh, Weight: c.w * relativeFactor})
		}
	}
	return out
}

const (
	// minShared is the shortest common beginning that makes two stems
	// relatives, and relativeShare the share of the shorter stem it must
	// cover: "secretari" and "secretariat" share 9 letters of 9.
	minShared     = 6
	relativeShare = 0.8
	// relativeFactor discounts a relative's renderings.
	relativeFactor = 0.8
	maxRelatives   = 3
)

// relatives returns the other stems sharing most of stem's beginning.
func (g *Glossary) relatives(stem string) []string {
	if len(stem) < minShared {
		return nil
	}
	prefix := stem[:minShared]
	var out []string
	for i := sort.SearchStrings(g.stemList, prefix); i < len(g.stemList) && strings.HasPrefix(g.stemList[i], prefix) && len(out) < maxRelatives; i++ {
		other := g.stemList[i]
		if other == stem {
			continue
		}
		n := 0
		for n < len(other) && n < len(stem) && other[n] == stem[n] {
			n++
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
	g.rarityOnce.Do(func() {
		g.glossDF = map[string]int32{}
		for k, cs := range g.m {
			if k == "" || k[0] == '^' {
				continue
			}
			for _, w := range strings.Fields(k) {
				if st, ok := analysis.EnglishStemmer.Term(w); ok {
					g.glossDF[st] += int32(len(cs))
				}
			}
		}
		for _, d := range g.glossDF {
			g.glossN += float64(d)
		}
	})
	d, ok := g.glossDF[stem]
	if !ok || g.glossN == 0 {
		return 0, false
	}
	return math.Log(g.glossN/float64(d)) / math.Log(g.glossN), true
}

func isSingleWord(k string) bool {
	for i := 0; i < len(k); i++ {
		if k[i] == ' ' {
			return false
		}
	}
	return true
}

// mergeCands merges two candidate lists, keeping each word's best weight,
// best first.
func mergeCands(a, b []cand) []cand {
	best := map[string]float32{}
	for _, c := range a {
		best[c.zh] = max(best[c.zh], c.w)
	}
	for _, c := range b {
		best[c.zh] = max(best[c.zh], c.w)
	}
	out := make([]cand, 0, len(best))
	for zh, w := range best {
		out = append(out, cand{zh, w})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].w != out[j].w {
			return out[i].w > out[j].w
		}
		return out[i].zh < out[j].zh
	})
	return out
}
