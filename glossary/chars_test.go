package glossary

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCharacterGlosses(t *testing.T) {
	g := Default()
	tests := []struct {
		zh    string
		first string // the first gloss's text, "" for none
		whole string // its whole stem
		stems []string
	}{
		{"改", "change", "chang", []string{"chang"}},
		{"发", "send out", "", []string{"send"}},
		{"删", "delete", "delet", []string{"delet"}},
		{"我", "", "", nil}, // "I; me; my": a function word
		{"没", "", "", nil}, // "have not; not; drowned"
		{"改变", "", "", nil},
		{"a", "", "", nil},
		{"", "", "", nil},
	}
	for _, tt := range tests {
		gs := g.CharacterGlosses(tt.zh)
		if tt.first == "" {
			if gs != nil {
				t.Errorf("CharacterGlosses(%q) = %+v, want none", tt.zh, gs)
			}
			continue
		}
		if len(gs) == 0 {
			t.Errorf("CharacterGlosses(%q) = none, want %q first", tt.zh, tt.first)
			continue
		}
		if f := gs[0]; f.Text != tt.first || f.Whole != tt.whole || !slices.Equal(f.Stems, tt.stems) || f.Weight != 1 {
			t.Errorf("CharacterGlosses(%q)[0] = %+v, want %q (whole %q, stems %q, weight 1)", tt.zh, f, tt.first, tt.whole, tt.stems)
		}
	}
}

// The characters file is what CharacterGlosses reads: one character a
// line, sorted, each gloss weighted in (0, 1].
func TestCharactersFile(t *testing.T) {
	var prev string
	n := 0
	for line := range strings.Lines(charsData) {
		n++
		c, gs, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		if !ok || utf8.RuneCountInString(c) != 1 || c <= prev {
			t.Fatalf("line %d: %q: want one character, tab, glosses, sorted", n, line)
		}
		prev = c
		for part := range strings.SplitSeq(gs, " | ") {
			ws, text, ok := strings.Cut(part, " ")
			w, err := strconv.ParseFloat(ws, 64)
			if !ok || err != nil || w <= 0 || w > 1 || text == "" {
				t.Fatalf("line %d: gloss %q: want a weight in (0, 1] and a text", n, part)
			}
		}
	}
	if n < 5000 {
		t.Errorf("%d characters, want CC-CEDICT's thousands", n)
	}
}
