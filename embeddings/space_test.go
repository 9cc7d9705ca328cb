package embeddings

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
)

// tinyLexicon is a dictionary of a few words, enough to test meaning.
type tinyLexicon map[string][]Sense

func (l tinyLexicon) IsWord(zh string) bool         { _, ok := l[zh]; return ok }
func (l tinyLexicon) Senses(zh string) []Sense      { return l[zh] }
func (l tinyLexicon) Rarity(string) (float64, bool) { return 0, false }
func (l tinyLexicon) Renderings(stem string) []Sense {
	var out []Sense
	for zh, ss := range l {
		for _, s := range ss {
			if s.Gloss == stem {
				out = append(out, Sense{Gloss: zh, Weight: s.Weight})
			}
		}
	}
	slices.SortFunc(out, func(a, b Sense) int {
		if a.Gloss < b.Gloss {
			return -1
		}
		return 1
	})
	return out
}

var spaceLex = tinyLexicon{
	"军力":  {{"military power", 0.96}},
	"军事":  {{"military affair", 0.96}, {"military", 0.92}},
	"优势":  {{"superiority", 0.9}, {"advantage", 0.83}},
	"便宜":  {{"cheap", 0.9}, {"advantage", 0.54}},
	"邻国":  {{"neighboring country", 0.9}},
	"合作":  {{"cooperate", 1}, {"work together", 1}},
	"秘书处": {{"secretariat", 0.9}},
	"北京":  {{"beijing", 0.95}},
}

var spaceTexts = []string{
	"不謀求在毗鄰地區的單方面軍事優勢。",
	"秘書處設在北京。",
	"成員國加強合作。",
}

func TestSpaceWords(t *testing.T) {
	s := NewSpace(spaceLex, spaceTexts, 64)
	tests := []struct {
		in   string
		want []string
	}{
		{"军事优势", []string{"军事", "优势"}},
		{"设在北京的秘书处", []string{"北京", "秘书处"}},
		// Stems without stop words; numbers as they are.
		{"the military advantages of 2021", []string{"militari", "advantag", "2021"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := s.Words(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSpaceNeighbours(t *testing.T) {
	s := NewSpace(spaceLex, spaceTexts, 64)
	tests := []struct {
		word, near string
		min        float64
	}{
		{"军力", "军事", NearSim},       // meet on "military"
		{"便宜", "优势", NearSim},       // meet on "advantage"
		{"militari", "军事", 0.9},     // an English word at its rendering
		{"secretariat", "秘书处", 0.8}, // … whatever the other glosses
		{"军事", "军事", 1},             // a document word is its own nearest
	}
	for _, tt := range tests {
		nbs := s.Neighbours(tt.word)
		i := slices.IndexFunc(nbs, func(n Neighbour) bool { return n.Word == tt.near })
		if i < 0 || nbs[i].Sim < tt.min {
			t.Errorf("Neighbours(%s) = %v, want %s at %.2f or more", tt.word, nbs, tt.near, tt.min)
		}
	}
	if nbs := s.Neighbours("合作"); slices.ContainsFunc(nbs, func(n Neighbour) bool { return n.Word == "军事" }) {
		t.Errorf("Neighbours(合作) = %v: unrelated words must not be near", nbs)
	}
	if nbs := s.Neighbours("不存在"); len(nbs) != 0 {
		t.Errorf("a word the lexicon does not know has neighbours %v", nbs)
	}
}

// Two English words are near when one's Chinese rendering glosses the
// other, from either side: a question's "reward" meets the document's
// "bounty" through 悬赏, a rendering of bounty whose gloss says reward,
// though no rendering of reward is glossed bounty.
func TestSpaceParaphrases(t *testing.T) {
	lex := tinyLexicon{
		"悬赏": {{"bounti", 0.9}, {"a reward offered", 1}},
		"奖品": {{"prize", 0.9}, {"award", 0.8}},
		"天气": {{"weather", 1}},
	}
	s := NewSpace(lex, []string{"Forfeiture of any bug bounty.", "Winners get a prize."}, 64)
	tests := []struct {
		word, near string // near "" is none
	}{
		{"reward", "bounti"}, // bounty's rendering glosses reward
		{"award", "prize"},   // award's rendering glosses prize
		{"weather", ""},      // a rendering that glosses no document word
	}
	for _, tt := range tests {
		nbs := s.Neighbours(tt.word)
		i := slices.IndexFunc(nbs, func(n Neighbour) bool { return n.Word == tt.near })
		if tt.near == "" && len(nbs) > 0 || tt.near != "" && (i < 0 || nbs[i].Sim < NearSim) {
			t.Errorf("Neighbours(%s) = %v, want %q", tt.word, nbs, tt.near)
		}
	}
}

// A misspelt word is near the document word within an edit or two: of its
// stem, or of the word as written when Snowball cannot stem the misspelling.
func TestSpaceMisspellings(t *testing.T) {
	s := NewSpace(spaceLex, []string{"Subscribe to receive security notifications.", "Report bugs privately."}, 64)
	tests := []struct {
		word, near string // near "" is none
	}{
		{"reciev", "receiv"},     // recieve: one transposition of the stem
		{"notificaton", "notif"}, // notificatons: two edits from "notifications"
		{"reprot", "report"},     // a transposition
		{"bgus", "bug"},          // bugs, as written
		{"bgs", ""},              // too short to correct
		{"notarize", ""},         // too far from anything
	}
	for _, tt := range tests {
		nbs := s.Neighbours(tt.word)
		found := slices.ContainsFunc(nbs, func(n Neighbour) bool { return n.Word == tt.near })
		if tt.near == "" && len(nbs) > 0 || tt.near != "" && !found {
			t.Errorf("Neighbours(%s) = %v, want %q", tt.word, nbs, tt.near)
		}
	}
}

func TestSpaceVectors(t *testing.T) {
	s := NewSpace(spaceLex, spaceTexts, 64)
	fitted := s.Fitted()
	vecs, err := s.Embed(context.Background(), append(slices.Clone(spaceTexts), "军力上占便宜", "。,"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range spaceTexts {
		if !slices.Equal(fitted[i], vecs[i]) {
			t.Errorf("Fitted()[%d] differs from Embed", i)
		}
		if n := norm(vecs[i]); math.Abs(n-1) > 1e-5 {
			t.Errorf("vector %d norm %.6f, want 1", i, n)
		}
	}
	// The colloquial question shares no word with the first text and is
	// nearest to it all the same.
	q := vecs[len(spaceTexts)]
	best, bestSim := -1, 0.0
	for i := range spaceTexts {
		if d := dot(q, vecs[i]); d > bestSim {
			best, bestSim = i, d
		}
	}
	if best != 0 {
		t.Errorf("nearest text = %d, want 0", best)
	}
	// Punctuation alone embeds to the zero vector, not NaN.
	for _, x := range vecs[len(vecs)-1] {
		if x != 0 {
			t.Fatal("empty text embedded to a non-zero vector")
		}
	}
}

func TestSpaceEmbedCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewSpace(spaceLex, spaceTexts, 0).Embed(ctx, spaceTexts); err == nil {
		t.Error("Embed with a cancelled context succeeded")
	}
}

func norm(v []float32) float64 { return math.Sqrt(dot(v, v)) }

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func ExampleSpace_Neighbours() {
	s := NewSpace(spaceLex, spaceTexts, 0)
	for _, n := range s.Neighbours("军力") {
		fmt.Printf("%s %.2f\n", n.Word, n.Sim)
	}
	// Output: 军事 0.65
}

// A word the document writes another way, with the same glosses, weighs in
// a match as the document's word does; the judgement's weight and other
// words are left alone.
func TestMatchWeight(t *testing.T) {
	lex := tinyLexicon{
		"吸烟": {{"to smoke", 1}},
		"抽烟": {{"to smoke", 1}},
		"电梯": {{"elevator", 1}},
		"香烟": {{"cigarette", 1}, {"to smoke", 0.3}},
	}
	s := NewSpace(lex, []string{"禁止吸烟。", "吸烟有害。", "吸烟区。", "电梯内禁止吸烟。"}, 64)
	tests := []struct {
		word      string
		wantMatch float64
	}{
		{"抽烟", s.Weight("吸烟")}, // the document's 吸烟 written another way
		{"电梯", s.Weight("电梯")}, // a document word
		{"香烟", s.Weight("香烟")}, // near 吸烟, not the same
	}
	for _, tt := range tests {
		if got := s.MatchWeight(tt.word); math.Abs(got-tt.wantMatch) > 1e-9 {
			t.Errorf("MatchWeight(%s) = %.3f, want %.3f", tt.word, got, tt.wantMatch)
		}
	}
	if s.Weight("抽烟") <= s.Weight("电梯") {
		t.Errorf("Weight(抽烟) = %.3f, want above Weight(电梯) = %.3f: the judgement still counts it as rare", s.Weight("抽烟"), s.Weight("电梯"))
	}
}
