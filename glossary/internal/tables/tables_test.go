package tables

import (
	"slices"
	"testing"
)

func TestBuildOpen(t *testing.T) {
	m := map[string][]Cand{
		"nuclear energy": {{"核能", 1}},
		"nuclear":        {{"核", 0.6}, {"核子", 0.5}},
		"energy":         {{"能源", 0.9}, {"能量", 0.9}},
		"energies":       {{"能量", 0.95}},
		"^UN":            {{"联合国", 0.95}},
	}
	tb, err := Open(Build(m))
	if err != nil {
		t.Fatal(err)
	}
	if tb.Keys() != 5 {
		t.Errorf("Keys = %d, want 5", tb.Keys())
	}
	id, ok := tb.Key("energy")
	if !ok || !slices.Equal(tb.KeyCands(id), m["energy"]) {
		t.Errorf("energy: %v %v", ok, tb.KeyCands(id))
	}
	if _, ok := tb.Key("energ"); ok {
		t.Error("found a key that is not there")
	}
	zh, ok := tb.Zh("能量")
	if !ok {
		t.Fatal("能量 not found")
	}
	from, to := tb.Glosses(zh)
	var got []string
	for i := from; i < to; i++ {
		k, _ := tb.Gloss(i)
		got = append(got, tb.KeyText(k))
	}
	if !slices.Equal(got, []string{"energies", "energy"}) {
		t.Errorf("glosses of 能量 = %v, want energies then energy (by weight)", got)
	}
	if !tb.IsWord("能量") || tb.IsWord("联合国") || tb.IsWord("能") || tb.IsWord("") {
		t.Error("IsWord: want 能量 a word; 联合国 (only an acronym's), 能 and the empty string not")
	}
	// An acronym's renderings are words, but not glosses.
	if zh, ok := tb.Zh("联合国"); !ok {
		t.Error("联合国 not found")
	} else if from, to := tb.Glosses(zh); from != to {
		t.Error("an acronym key is a gloss")
	}
	st, ok := tb.Stem("energi")
	if !ok || !tb.HasRenderings(st) {
		t.Fatal("stem energi has no renderings")
	}
	// energy and energies share the stem: their renderings merged, best
	// weight first, ties by word.
	if got := tb.StemRenderings(st); !slices.Equal(got, []Cand{{"能量", 0.95}, {"能源", 0.9}}) {
		t.Errorf("renderings of energi = %v", got)
	}
	// The renderings of keys using the stem: nuclear energy 1, energy 2,
	// energies 1.
	if got := tb.StemDF(st); got != 4 {
		t.Errorf("df(energi) = %d, want 4", got)
	}
	var stems []string
	kid, _ := tb.Key("nuclear energy")
	tb.KeyStems(kid, func(s string) { stems = append(stems, s) })
	if !slices.Equal(stems, []string{"nuclear", "energi"}) {
		t.Errorf("stems of nuclear energy = %v", stems)
	}
	if _, ok := tb.KeyWholeStem(kid); ok {
		t.Error("a phrase has a whole stem")
	}
}

func TestOpenRejectsBadData(t *testing.T) {
	good := Build(map[string][]Cand{"energy": {{"能源", 0.9}}})
	for _, bad := range []string{"", "CBGLOSS1", "NOTMAGIC" + good[8:], good[:len(good)-4]} {
		if _, err := Open(bad); err == nil {
			t.Errorf("Open accepted %d bytes of bad data", len(bad))
		}
	}
}
