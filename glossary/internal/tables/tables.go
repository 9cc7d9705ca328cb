// Package tables is the form the glossary is embedded in: flat arrays read
// in place, with every index the runtime needs computed when the data is
// generated. The glossary opens it; internal/gen writes it.
package tables

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/citebot/citebot/analysis"
)

// The glossary is embedded as tables that are read in place: one string of
// little-endian uint32 arrays and one blob of text, with every index the
// runtime needs (the English keys, the zh→English inverse, the Snowball
// stems with their renderings and gloss frequencies) computed when the data
// is generated. Opening it reads a header; nothing is decompressed, parsed
// or hashed at start-up. Parsing the gzip'd TSV instead took 80–180 ms, the
// inverse index 70–130 ms and the stem index 200 ms on the 2-core machine,
// most of a `citebot ask`; the tables cost a few page faults.
//
// Layout: the magic, then nSections uint32 byte offsets (section i spans
// [off[i], off[i+1]), the last offset being the end), then the sections.
// Every section but the blob is a uint32 array. Candidate lists pack an id
// and a weight (1..100) into one uint32: id<<weightBits | weight.
const (
	magic      = "CBGLOSS1"
	weightBits = 7
	weightMask = 1<<weightBits - 1
)

// The sections of the tables.
const (
	secBlob       = iota // every string: keys, Chinese words, stems
	secKeyStr            // [nKeys+1] blob offsets of the sorted English keys
	secKeyCand           // [nKeys+1] offsets into secFwd
	secFwd               // a key's renderings, best first: zh id, weight
	secZhStr             // [nZh+1] blob offsets of the sorted Chinese words
	secZhInv             // [nZh+1] offsets into secInv
	secInv               // a word's glosses (non-acronym keys), best first: key id, weight
	secZhHash            // open-addressing table of Chinese words by fnv32a (see zhSlot)
	secStemStr           // [nStems+1] blob offsets of the sorted stems
	secStemDF            // [nStems] renderings of keys using the stem (0: none)
	secStemRend          // [nStems+1] offsets into secRend
	secRend              // a stem's best PerStem renderings: zh id, weight
	secMeta              // [2] glossN as float64 bits, low word first
	secKeyStems          // [nKeys+1] offsets into secKeyStemIDs
	secKeyStemIDs        // the stems of a key's words (analysis.Tokens' words), in order
	secKeyWhole          // [nKeys] the stem of a one-word key, plus one; 0 for none
	nSections
)

// Tables is an opened set of glossary tables.
type Tables struct {
	s               string
	off             [nSections + 1]int
	nKeys, nZh, nSt int
	zhMask          uint32
	glossN          float64
}

// Cand is one rendering: a Chinese word (or, in a word's glosses, an
// English key) and its weight in 0..1.
type Cand struct {
	Text string
	W    float32
}

// Open checks the header of data and returns its view. The data is not
// copied.
func Open(data string) (*Tables, error) {
	head := len(magic) + 4*(nSections+1)
	if len(data) < head || data[:len(magic)] != magic {
		return nil, errors.New("not glossary tables")
	}
	t := &Tables{s: data}
	for i := range t.off {
		p := len(magic) + 4*i
		t.off[i] = int(uint32(data[p]) | uint32(data[p+1])<<8 | uint32(data[p+2])<<16 | uint32(data[p+3])<<24)
		if t.off[i] < head || t.off[i] > len(data) || i > 0 && t.off[i] < t.off[i-1] || i > 1 && (t.off[i]-t.off[i-1])%4 != 0 {
			return nil, fmt.Errorf("glossary tables: bad offset of section %d", i)
		}
	}
	if t.off[secBlob+1]%4 != 0 || t.off[nSections] != len(data) {
		return nil, errors.New("glossary tables: bad layout")
	}
	t.nKeys = t.len(secKeyStr) - 1
	t.nZh = t.len(secZhStr) - 1
	t.nSt = t.len(secStemStr) - 1
	hash := t.len(secZhHash)
	if t.nKeys < 0 || t.nZh < 0 || t.nSt < 0 || t.len(secKeyCand) != t.nKeys+1 || t.len(secZhInv) != t.nZh+1 ||
		t.len(secStemDF) != t.nSt || t.len(secStemRend) != t.nSt+1 || t.len(secMeta) != 2 || hash == 0 || hash&(hash-1) != 0 ||
		t.len(secKeyStems) != t.nKeys+1 || t.len(secKeyWhole) != t.nKeys {
		return nil, errors.New("glossary tables: inconsistent section sizes")
	}
	// Every offset and id inside the sections is checked on the way in
	// (Build writes them; the embedded tables are compared with a fresh
	// Build in the tests), not on every read.
	t.zhMask = uint32(hash - 1)
	t.glossN = math.Float64frombits(uint64(t.u32(secMeta, 0)) | uint64(t.u32(secMeta, 1))<<32)
	return t, nil
}

// Data returns the tables as written.
func (t *Tables) Data() string { return t.s }

// Keys is the number of English keys.
func (t *Tables) Keys() int { return t.nKeys }

// Key returns the id of an English key.
func (t *Tables) Key(k string) (int, bool) { return t.lowerBound(secKeyStr, t.nKeys, k) }

// KeyText returns the English key with this id.
func (t *Tables) KeyText(id int) string { return t.str(secKeyStr, id) }

// KeyCands returns the renderings of key id, best first.
func (t *Tables) KeyCands(id int) []Cand { return t.cands(secFwd, secZhStr, secKeyCand, id) }

// KeyStems calls f with the Snowball stem of each word of key id, in order
// (the words analysis.Tokens finds, stop words left out): what placing a
// Chinese word at its glosses reads of them.
func (t *Tables) KeyStems(id int, f func(stem string)) {
	from, to := t.span(secKeyStems, id)
	for k := from; k < to; k++ {
		f(t.str(secStemStr, int(t.u32(secKeyStemIDs, k))))
	}
}

// KeyWholeStem is the Snowball stem of key id when it is one word (no
// space) that is no stop word; ok is false otherwise.
func (t *Tables) KeyWholeStem(id int) (stem string, ok bool) {
	v := t.u32(secKeyWhole, id)
	if v == 0 {
		return "", false
	}
	return t.str(secStemStr, int(v-1)), true
}

// Zh returns the id of a Chinese word. It is the hot path of segmenting a
// document (every substring of two to four characters is looked up), so it
// hashes rather than searches.
func (t *Tables) Zh(w string) (int, bool) {
	id, _, ok := t.zh(w)
	return id, ok
}

// IsWord reports whether w is a Chinese word with glosses (the rendering
// of a key other than an acronym), reading only the hash table for most
// strings that are not.
func (t *Tables) IsWord(w string) bool {
	_, glossed, ok := t.zh(w)
	return ok && glossed
}

// A slot of the hash table packs the word's id plus one (zhIDBits), a
// fingerprint of its hash (the bits above), and whether it has glosses
// (the top bit): a probe compares the word itself only when the
// fingerprints agree, and IsWord needs nothing but the slot.
const (
	zhIDBits  = 18
	zhIDMask  = 1<<zhIDBits - 1
	zhFPMask  = 1<<(31-zhIDBits) - 1
	zhGlossed = 1 << 31
)

func zhSlot(id int, h uint32, glossed bool) uint32 {
	v := uint32(id+1) | (h>>(32-(31-zhIDBits)))<<zhIDBits
	if glossed {
		v |= zhGlossed
	}
	return v
}

func (t *Tables) zh(w string) (id int, glossed, ok bool) {
	h := fnv32a(w)
	fp := h >> (32 - (31 - zhIDBits))
	for i := h & t.zhMask; ; i = (i + 1) & t.zhMask {
		v := t.u32(secZhHash, int(i))
		if v == 0 {
			return 0, false, false
		}
		if (v>>zhIDBits)&zhFPMask == fp && t.str(secZhStr, int(v&zhIDMask)-1) == w {
			return int(v&zhIDMask) - 1, v&zhGlossed != 0, true
		}
	}
}

// Glosses returns the range of word id's glosses (its non-acronym keys),
// best first by weight, then by key; read them with Gloss.
func (t *Tables) Glosses(id int) (from, to int) { return t.span(secZhInv, id) }

// Gloss returns gloss i of a range from Glosses: the key's id and the
// weight with which it renders the word.
func (t *Tables) Gloss(i int) (key int, w float32) {
	v := t.u32(secInv, i)
	return int(v >> weightBits), float32(v&weightMask) / 100
}

// Stems is the number of Snowball stems.
func (t *Tables) Stems() int { return t.nSt }

// Stem returns the id of a Snowball stem, or the id of the first stem
// after it in byte order and false.
func (t *Tables) Stem(st string) (int, bool) { return t.lowerBound(secStemStr, t.nSt, st) }

// StemText returns the stem with this id.
func (t *Tables) StemText(id int) string { return t.str(secStemStr, id) }

// StemRenderings returns the best renderings (at most the PerStem kept) of
// the one-word keys with stem id, best first; none for a stem only
// phrases use.
func (t *Tables) StemRenderings(id int) []Cand { return t.cands(secRend, secZhStr, secStemRend, id) }

// HasRenderings reports whether a one-word key has stem id.
func (t *Tables) HasRenderings(id int) bool {
	from, to := t.span(secStemRend, id)
	return from < to
}

// StemDF is the number of renderings of keys that use stem id; 0 when no
// key does.
func (t *Tables) StemDF(id int) uint32 { return t.u32(secStemDF, id) }

// GlossN is the sum of StemDF over every stem.
func (t *Tables) GlossN() float64 { return t.glossN }

// len is the number of uint32 in section sec.
func (t *Tables) len(sec int) int { return (t.off[sec+1] - t.off[sec]) / 4 }

// u32 reads element i of section sec.
func (t *Tables) u32(sec, i int) uint32 {
	p := t.off[sec] + 4*i
	s := t.s[p : p+4]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// str returns string i of a string section (secKeyStr, secZhStr, secStemStr).
func (t *Tables) str(sec, i int) string {
	b := t.off[secBlob]
	return t.s[b+int(t.u32(sec, i)) : b+int(t.u32(sec, i+1))]
}

// span returns the range of entries of item i of an offsets section.
func (t *Tables) span(sec, i int) (from, to int) { return int(t.u32(sec, i)), int(t.u32(sec, i+1)) }

// lowerBound returns the first of the n sorted strings of sec not below s,
// and whether it is s.
func (t *Tables) lowerBound(sec, n int, s string) (int, bool) {
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.str(sec, m) < s {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < n && t.str(sec, lo) == s
}

// cands decodes the packed entries of item id of the offsets section offs
// into section sec, naming them by the strings of section strs.
func (t *Tables) cands(sec, strs, offs, id int) []Cand {
	from, to := t.span(offs, id)
	if from == to {
		return nil
	}
	out := make([]Cand, to-from)
	for j := range out {
		v := t.u32(sec, from+j)
		out[j] = Cand{Text: t.str(strs, int(v>>weightBits)), W: float32(v&weightMask) / 100}
	}
	return out
}

func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// PerStem is how many renderings are kept per stem: the glossary's PerStem,
// the most it reads of one stem's list.
const PerStem = 4

// Build computes the tables of a key → renderings map (best first): the
// form the glossary embeds (see internal/gen) and what Load builds in
// memory. It stems every English key, which takes a few hundred
// milliseconds for the whole dictionary.
func Build(m map[string][]Cand) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	zhSet := map[string]bool{}
	for _, cs := range m {
		for _, c := range cs {
			zhSet[c.Text] = true
		}
	}
	zhs := make([]string, 0, len(zhSet))
	for z := range zhSet {
		zhs = append(zhs, z)
	}
	slices.Sort(zhs)
	zhID := make(map[string]int, len(zhs))
	for i, z := range zhs {
		zhID[z] = i
	}
	pack := func(id int, w float32) uint32 {
		return uint32(id)<<weightBits | uint32(math.Round(float64(w)*100))&weightMask
	}

	// The inverse: each Chinese word's non-acronym keys, by weight (the
	// weight of the word's first place in the key's list) and key.
	type gl struct {
		key int
		w   float32
	}
	inv := make([][]gl, len(zhs))
	for ki, k := range keys {
		if k == "" || k[0] == '^' {
			continue // acronyms (SCO, UN) group unrelated expansions
		}
		seen := map[string]bool{}
		for _, c := range m[k] {
			if !seen[c.Text] {
				seen[c.Text] = true
				inv[zhID[c.Text]] = append(inv[zhID[c.Text]], gl{ki, c.W})
			}
		}
	}
	for _, l := range inv {
		slices.SortStableFunc(l, func(a, b gl) int {
			if a.w != b.w {
				if a.w > b.w {
					return -1
				}
				return 1
			}
			return a.key - b.key
		})
	}

	// The stems: renderings of the one-word keys by their Snowball stem,
	// and how many renderings use each stem among all keys' words.
	rend := map[string][]Cand{}
	df := map[string]uint32{}
	for _, k := range keys {
		if k == "" || k[0] == '^' {
			continue
		}
		cs := m[k]
		if isSingleWord(k) {
			if st, ok := analysis.EnglishStemmer.Term(k); ok {
				rend[st] = mergeCands(rend[st], cs)
			}
		}
		for _, w := range strings.Fields(k) {
			if st, ok := analysis.EnglishStemmer.Term(w); ok {
				df[st] += uint32(len(cs))
			}
		}
	}
	// What placing a word at its glosses reads of each key: the stems of
	// its words, and of the whole key when it is one word.
	keyStems := make([][]string, len(keys))
	keyWhole := make([]string, len(keys))
	stemSet := map[string]bool{}
	for ki, k := range keys {
		for tok := range analysis.Tokens(k) {
			if tok.Kind != analysis.Word {
				continue
			}
			if st, ok := analysis.EnglishStemmer.Term(tok.Text); ok {
				keyStems[ki] = append(keyStems[ki], st)
				stemSet[st] = true
			}
		}
		if !strings.ContainsRune(k, ' ') {
			if st, ok := analysis.EnglishStemmer.Term(k); ok {
				keyWhole[ki] = st
				stemSet[st] = true
			}
		}
	}
	for st := range rend {
		stemSet[st] = true
	}
	var glossN float64
	for st, d := range df {
		stemSet[st] = true
		glossN += float64(d)
	}
	stems := make([]string, 0, len(stemSet))
	for st := range stemSet {
		stems = append(stems, st)
	}
	slices.Sort(stems)

	var sec [nSections][]uint32
	var blob strings.Builder
	strs := func(dst int, ss []string) {
		for _, s := range ss {
			sec[dst] = append(sec[dst], uint32(blob.Len()))
			blob.WriteString(s)
		}
		sec[dst] = append(sec[dst], uint32(blob.Len()))
	}
	strs(secKeyStr, keys)
	strs(secZhStr, zhs)
	strs(secStemStr, stems)
	for _, k := range keys {
		sec[secKeyCand] = append(sec[secKeyCand], uint32(len(sec[secFwd])))
		for _, c := range m[k] {
			sec[secFwd] = append(sec[secFwd], pack(zhID[c.Text], c.W))
		}
	}
	sec[secKeyCand] = append(sec[secKeyCand], uint32(len(sec[secFwd])))
	for _, l := range inv {
		sec[secZhInv] = append(sec[secZhInv], uint32(len(sec[secInv])))
		for _, x := range l {
			sec[secInv] = append(sec[secInv], pack(x.key, x.w))
		}
	}
	sec[secZhInv] = append(sec[secZhInv], uint32(len(sec[secInv])))
	// A load of at most a half keeps a failed lookup (most of them: most
	// substrings are no word) to a probe or two.
	size := 1
	for size < 2*len(zhs) {
		size *= 2
	}
	if len(zhs) >= zhIDMask {
		panic(fmt.Sprintf("glossary tables: %d Chinese words, the hash table holds %d", len(zhs), zhIDMask-1))
	}
	sec[secZhHash] = make([]uint32, size)
	for i, z := range zhs {
		h := fnv32a(z)
		at := h & uint32(size-1)
		for sec[secZhHash][at] != 0 {
			at = (at + 1) & uint32(size-1)
		}
		sec[secZhHash][at] = zhSlot(i, h, len(inv[i]) > 0)
	}
	for _, st := range stems {
		sec[secStemDF] = append(sec[secStemDF], df[st])
		sec[secStemRend] = append(sec[secStemRend], uint32(len(sec[secRend])))
		cs := rend[st]
		// The glossary reads at most PerStem of a stem's list, also after
		// merging an acronym's list in front of it: a later candidate can
		// never overtake the first PerStem (merging only raises weights,
		// and ties go to the smaller word, as they did here).
		for _, c := range cs[:min(len(cs), PerStem)] {
			sec[secRend] = append(sec[secRend], pack(zhID[c.Text], c.W))
		}
	}
	sec[secStemRend] = append(sec[secStemRend], uint32(len(sec[secRend])))
	bits := math.Float64bits(glossN)
	sec[secMeta] = []uint32{uint32(bits), uint32(bits >> 32)}
	stemID := make(map[string]uint32, len(stems))
	for i, st := range stems {
		stemID[st] = uint32(i)
	}
	for ki := range keys {
		sec[secKeyStems] = append(sec[secKeyStems], uint32(len(sec[secKeyStemIDs])))
		for _, st := range keyStems[ki] {
			sec[secKeyStemIDs] = append(sec[secKeyStemIDs], stemID[st])
		}
		whole := uint32(0)
		if keyWhole[ki] != "" {
			whole = stemID[keyWhole[ki]] + 1
		}
		sec[secKeyWhole] = append(sec[secKeyWhole], whole)
	}
	sec[secKeyStems] = append(sec[secKeyStems], uint32(len(sec[secKeyStemIDs])))

	for blob.Len()%4 != 0 {
		blob.WriteByte(0)
	}
	head := len(magic) + 4*(nSections+1)
	out := make([]byte, 0, head+blob.Len()+4*len(sec[secFwd])*4)
	out = append(out, magic...)
	off := head
	offs := make([]uint32, 0, nSections+1)
	for i := range nSections {
		offs = append(offs, uint32(off))
		if i == secBlob {
			off += blob.Len()
		} else {
			off += 4 * len(sec[i])
		}
	}
	offs = append(offs, uint32(off))
	for _, o := range offs {
		out = binary.LittleEndian.AppendUint32(out, o)
	}
	for i := range nSections {
		if i == secBlob {
			out = append(out, blob.String()...)
			continue
		}
		for _, v := range sec[i] {
			out = binary.LittleEndian.AppendUint32(out, v)
		}
	}
	return string(out)
}

// mergeCands merges two candidate lists, keeping each word's best weight,
// best first, ties by word.
func mergeCands(a, b []Cand) []Cand {
	best := map[string]float32{}
	for _, c := range a {
		best[c.Text] = max(best[c.Text], c.W)
	}
	for _, c := range b {
		best[c.Text] = max(best[c.Text], c.W)
	}
	out := make([]Cand, 0, len(best))
	for zh, w := range best {
		out = append(out, Cand{Text: zh, W: w})
	}
	slices.SortFunc(out, func(a, b Cand) int {
		if a.W != b.W {
			if a.W > b.W {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Text, b.Text)
	})
	return out
}

// MergeCands merges two candidate lists the way the stem index does.
func MergeCands(a, b []Cand) []Cand { return mergeCands(a, b) }

func isSingleWord(k string) bool { return !strings.Contains(k, " ") }
