package glossary

import (
	"sort"
	"sync"
	"unicode/utf8"
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
)

type synIndex struct {
	keys []string           // English keys whose candidates include a word
	inv  map[string][]int32 // Chinese word → indexes into keys
}

var (
	synOnce sync.Once
	syn     *synIndex
)

// synonyms builds the zh→English inverse of the default glossary once, on
// first use; sync.Once makes that safe under concurrent callers.
func synonyms() *synIndex {
	synOnce.Do(func() {
		g := Default()
		s := &synIndex{inv: make(map[string][]int32, 1<<17)}
		for k, cs := range g.m {
			if k == "" || k[0] == '^' {
				continue // acronyms (SCO, UN) group unrelated expansions
			}
			idx := int32(-1)
			for _, c := range cs {
				if idx < 0 {
					idx = int32(len(s.keys))
					s.keys = append(s.keys, k)
				}
				s.inv[c.zh] = append(s.inv[c.zh], idx)
			}
		}
		syn = s
	})
	return syn
}

// IsWord reports whether zh (Simplified Chinese) is a word of the glossary's
// CC-CEDICT lexicon, i.e. a rendering of some English key. Callers use it to
// segment Chinese text into words.
func IsWord(zh string) bool {
	_, ok := synonyms().inv[zh]
	return ok
}

// Synonyms returns near-synonyms of the Simplified Chinese word zh: the other
// words that CC-CEDICT renders by an English key zh is rendered by, both with
// weight at least synMinWeight, best first (by the weaker of the two
// weights), at most synMax, never zh itself and never a single character (a
// character alone is too ambiguous to stand for a word). It returns nil for
// words the lexicon does not know. It is safe for concurrent use.
func Synonyms(zh string) []string {
	s := synonyms()
	g := Default()
	score := map[string]float32{}
	for _, ki := range s.inv[zh] {
		cs := g.m[s.keys[ki]]
		var own float32
		for _, c := range cs {
			if c.zh == zh {
				own = c.w
				break
			}
		}
		if own < synMinWeight {
			continue
		}
		for _, c := range cs {
			if c.zh == zh || c.w < synMinWeight || utf8.RuneCountInString(c.zh) < 2 {
				continue
			}
			if w := min(own, c.w); w > score[c.zh] {
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
