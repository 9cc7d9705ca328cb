package embeddings

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// A snapshot is a fitted Space and its Fit written out, so that a document
// the program ships is loaded at start rather than fitted: fitting the
// declaration is most of `citebot ask`'s index build (about 20 ms of a cold
// process on the CI machine, reading the glossary for every word), while
// its snapshot is read in place, its strings slices of the embedded data.

// snapshotMagic starts every snapshot; its version changes with the format.
const snapshotMagic = "citebot fit 1\n"

// ErrSnapshotMismatch is returned by LoadFit for a snapshot of other texts
// or another dimension: the caller fits the texts instead.
var ErrSnapshotMismatch = errors.New("snapshot is of other texts")

// snapshotKey identifies the folded texts and dimension a snapshot is of.
func snapshotKey(folded []string, dim int) [sha256.Size]byte {
	h := sha256.New()
	var b [binary.MaxVarintLen64]byte
	h.Write(b[:binary.PutUvarint(b[:], uint64(dim))])
	for _, t := range folded {
		h.Write(b[:binary.PutUvarint(b[:], uint64(len(t)))])
		h.Write([]byte(t))
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// Snapshot writes the Fit, its Space and its texts' words, as a snapshot
// for LoadFit; folded are the texts it was fitted to. The same Fit always
// gives the same bytes, so a snapshot kept in the repository can be tested
// for being current.
func (f *Fit) Snapshot(folded []string) ([]byte, error) {
	s := f.s
	if len(folded) != len(f.ids) {
		return nil, fmt.Errorf("snapshot: %d texts for a fit of %d", len(folded), len(f.ids))
	}
	var e snapEncoder
	e.b = append(e.b, snapshotMagic...)
	key := snapshotKey(folded, s.dim)
	e.b = append(e.b, key[:]...)
	e.uvar(s.dim)
	e.uvar(s.n)
	e.uvar(len(s.vocab))
	for _, w := range s.vocab {
		e.str(w)
	}
	for i := range s.vocab {
		e.uvar(int(s.df[i]))
		e.f64(s.weight[i])
		e.uvar(int(s.bucket[i]))
		e.bool(s.sign[i])
	}
	// Gloss coordinates and paraphrased stems are English stems, most
	// shared by many words: each is written once and named by number.
	keys := map[string]int{}
	var names []string
	for _, cs := range s.vecs {
		for _, c := range cs {
			names = append(names, c.key)
		}
	}
	for st := range s.paraphrasedBy {
		names = append(names, st)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	e.uvar(len(names))
	for i, k := range names {
		keys[k] = i
		e.str(k)
	}
	for _, cs := range s.vecs {
		e.uvar(len(cs))
		for _, c := range cs {
			e.uvar(keys[c.key])
			e.f64(c.w)
		}
	}
	e.uvar(len(s.byCoord))
	for _, k := range slices.Sorted(maps.Keys(s.byCoord)) {
		e.uvar(keys[k])
		e.uvar(len(s.byCoord[k]))
		for _, at := range s.byCoord[k] {
			e.uvar(int(at.word))
			e.f32(at.w)
		}
	}
	for i, nbs := range s.nbrs {
		e.uvar(len(nbs))
		for j, nb := range nbs {
			id := s.nbrIDs[i][j].id
			if s.vocab[id] != nb.Word {
				return nil, fmt.Errorf("snapshot: neighbour %q of %q is not a document word", nb.Word, s.vocab[i])
			}
			e.uvar(int(id))
			e.f64(nb.Sim)
		}
	}
	var forms []form
	for _, fs := range s.forms {
		forms = append(forms, fs...)
	}
	slices.SortFunc(forms, func(a, b form) int { return strings.Compare(a.text, b.text) })
	e.uvar(len(forms))
	for _, fm := range forms {
		e.str(fm.text)
		e.uvar(int(fm.id))
	}
	e.uvar(len(s.paraphrasedBy))
	for _, st := range slices.Sorted(maps.Keys(s.paraphrasedBy)) {
		e.uvar(keys[st])
		e.uvar(len(s.paraphrasedBy[st]))
		for _, ws := range s.paraphrasedBy[st] {
			e.uvar(int(ws.id))
			e.f64(ws.sim)
		}
	}
	for _, ids := range f.ids {
		e.uvar(len(ids))
		for _, id := range ids {
			e.uvar(int(id))
		}
	}
	return e.b, nil
}

// LoadFit reads a snapshot written by Fit.Snapshot. It is the Space
// and Fit FitFolded(lex, folded, dim) would return, provided lex is the
// lexicon the snapshot was fitted with, which only the caller can know;
// a snapshot of other texts or another dimension is ErrSnapshotMismatch.
// The Space's strings are slices of data, which is kept alive.
func LoadFit(lex Lexicon, data string, folded []string, dim int) (*Space, *Fit, error) {
	if dim <= 0 {
		dim = DefaultDim
	}
	d := snapDecoder{s: data}
	if !strings.HasPrefix(d.s, snapshotMagic) || len(d.s) < len(snapshotMagic)+sha256.Size {
		return nil, nil, errors.New("load snapshot: not a snapshot of this version")
	}
	d.s = d.s[len(snapshotMagic):]
	key := d.s[:sha256.Size]
	d.s = d.s[sha256.Size:]
	gotDim, n := d.uvar(), d.uvar()
	if gotDim != dim || n != len(folded) {
		return nil, nil, ErrSnapshotMismatch
	}
	k := snapshotKey(folded, dim)
	if key != string(k[:]) {
		return nil, nil, ErrSnapshotMismatch
	}
	s := &Space{lex: lex, dim: dim, n: n}
	nv := d.count(1)
	s.vocab = make([]string, nv)
	s.index = make(map[string]int32, nv)
	for i := range s.vocab {
		s.vocab[i] = d.str()
		s.index[s.vocab[i]] = int32(i)
	}
	s.df = make([]int32, nv)
	s.weight = make([]float64, nv)
	s.bucket = make([]int32, nv)
	s.sign = make([]bool, nv)
	for i := range nv {
		s.df[i] = int32(d.uvar())
		s.weight[i] = d.f64()
		s.bucket[i] = int32(d.uvar())
		s.sign[i] = d.bool()
	}
	names := make([]string, d.count(1))
	for i := range names {
		names[i] = d.str()
	}
	s.vecs = make([][]coord, nv)
	for i := range s.vecs {
		if c := d.count(2); c > 0 {
			s.vecs[i] = make([]coord, c)
			for j := range s.vecs[i] {
				s.vecs[i][j] = coord{d.name(names), d.f64()}
			}
		}
	}
	nc := d.count(2)
	s.byCoord = make(map[string][]wordAt, nc)
	for range nc {
		k := d.name(names)
		ws := make([]wordAt, d.count(2))
		for j := range ws {
			ws[j] = wordAt{d.id(nv), d.f32()}
		}
		s.byCoord[k] = ws
	}
	s.nbrs = make([][]Neighbour, nv)
	s.nbrIDs = make([][]wordSim, nv)
	for i := range nv {
		c := d.count(2)
		s.nbrs[i] = make([]Neighbour, c)
		s.nbrIDs[i] = make([]wordSim, c)
		for j := range c {
			id, sim := d.id(nv), d.f64()
			s.nbrs[i][j] = Neighbour{Word: s.vocab[id], Sim: sim}
			s.nbrIDs[i][j] = wordSim{id, sim}
		}
	}
	s.forms = map[byte][]form{}
	for range d.count(2) {
		text, id := d.str(), d.id(nv)
		if text == "" {
			d.fail()
			break
		}
		s.forms[text[0]] = append(s.forms[text[0]], form{text, id})
	}
	np := d.count(2)
	s.paraphrasedBy = make(map[string][]wordSim, np)
	for range np {
		st := d.name(names)
		ws := make([]wordSim, d.count(2))
		for j := range ws {
			ws[j] = wordSim{d.id(nv), d.f64()}
		}
		s.paraphrasedBy[st] = ws
	}
	fit := &Fit{s: s, ids: make([][]int32, n)}
	for i := range fit.ids {
		ids := make([]int32, d.count(1))
		for j := range ids {
			ids[j] = d.id(nv)
		}
		fit.ids[i] = ids
	}
	if d.err != nil || d.s != "" {
		return nil, nil, errors.New("load snapshot: damaged")
	}
	s.byInitial = map[byte][]int32{}
	for i, w := range s.vocab {
		if w != "" && w[0] < 0x80 {
			s.byInitial[w[0]] = append(s.byInitial[w[0]], int32(i))
		}
	}
	s.scratch.New = func() any { return &scratch{acc: make([]float64, len(s.vocab))} }
	return s, fit, nil
}

type snapEncoder struct{ b []byte }

func (e *snapEncoder) uvar(x int) { e.b = binary.AppendUvarint(e.b, uint64(x)) }
func (e *snapEncoder) str(s string) {
	e.uvar(len(s))
	e.b = append(e.b, s...)
}
func (e *snapEncoder) f64(x float64) {
	e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(x))
}
func (e *snapEncoder) f32(x float32) {
	e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(x))
}
func (e *snapEncoder) bool(x bool) {
	if x {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

// snapDecoder reads a snapshot; past its first error it returns zeros,
// and every count is bounded by the bytes left, so a damaged snapshot
// fails rather than allocates without end.
type snapDecoder struct {
	s   string
	err error
}

func (d *snapDecoder) fail() {
	if d.err == nil {
		d.err = errors.New("damaged")
	}
	d.s = ""
}

func (d *snapDecoder) uvar() int {
	var x uint64
	for shift := 0; shift < 64; shift += 7 {
		if d.s == "" {
			d.fail()
			return 0
		}
		c := d.s[0]
		d.s = d.s[1:]
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			if x > math.MaxInt32 {
				d.fail()
				return 0
			}
			return int(x)
		}
	}
	d.fail()
	return 0
}

// count reads a count of items of at least size bytes each.
func (d *snapDecoder) count(size int) int {
	c := d.uvar()
	if c*size > len(d.s) {
		d.fail()
		return 0
	}
	return c
}

func (d *snapDecoder) str() string {
	n := d.count(1)
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}

// id reads a vocabulary number below n.
func (d *snapDecoder) id(n int) int32 {
	x := d.uvar()
	if x >= n {
		d.fail()
		return 0
	}
	return int32(x)
}

// name reads the number of one of names.
func (d *snapDecoder) name(names []string) string {
	x := d.uvar()
	if x >= len(names) {
		d.fail()
		return ""
	}
	return names[x]
}

func (d *snapDecoder) f64() float64 {
	if len(d.s) < 8 {
		d.fail()
		return 0
	}
	var x uint64
	for i := 7; i >= 0; i-- {
		x = x<<8 | uint64(d.s[i])
	}
	d.s = d.s[8:]
	return math.Float64frombits(x)
}

func (d *snapDecoder) f32() float32 {
	if len(d.s) < 4 {
		d.fail()
		return 0
	}
	x := uint32(d.s[0]) | uint32(d.s[1])<<8 | uint32(d.s[2])<<16 | uint32(d.s[3])<<24
	d.s = d.s[4:]
	return math.Float32frombits(x)
}

func (d *snapDecoder) bool() bool {
	if d.s == "" {
		d.fail()
		return false
	}
	c := d.s[0]
	d.s = d.s[1:]
	if c > 1 {
		d.fail()
	}
	return c == 1
}
