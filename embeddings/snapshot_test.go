package embeddings

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/citebot/citebot/analysis"
)

// snapshotTexts mix the scripts, so that every part of a Space is written:
// Chinese words' glosses, English stems and their paraphrases, and the
// written forms kept for the typo search.
var snapshotTexts = append(append([]string{}, spaceTexts...),
	"Forfeiture of any bug bounty.",
	"Subscribe to receive security notifications.",
	"Report bugs privately; winners get a prize.",
)

func fitSnapshotTexts(t *testing.T, dim int) ([]string, *Space, *Fit) {
	t.Helper()
	lex := tinyLexicon{"悬赏": {{"bounti", 0.9}, {"a reward offered", 1}}, "奖品": {{"prize", 0.9}}}
	for k, v := range spaceLex {
		lex[k] = v
	}
	folded := make([]string, len(snapshotTexts))
	for i, tx := range snapshotTexts {
		folded[i] = analysis.Fold(tx)
	}
	s, fit := FitFolded(lex, folded, dim)
	return folded, s, fit
}

// A loaded snapshot is the Space and Fit fitting gives: field for field,
// and in what it answers.
func TestSnapshotRoundTrip(t *testing.T) {
	folded, s, fit := fitSnapshotTexts(t, 64)
	data, err := fit.Snapshot(folded)
	if err != nil {
		t.Fatal(err)
	}
	again, err := fit.Snapshot(folded)
	if err != nil || string(again) != string(data) {
		t.Fatal("two snapshots of one fit differ")
	}
	ls, lfit, err := LoadFit(s.lex, string(data), folded, 64)
	if err != nil {
		t.Fatal(err)
	}
	// %v prints nil and empty slices alike, maps in key order and floats
	// exactly, which is the equality that matters here.
	fields := func(s *Space, f *Fit) []string {
		return []string{
			fmt.Sprint(s.dim, s.n, s.vocab, s.index, s.df, s.weight, s.bucket, s.sign),
			fmt.Sprint(s.vecs), fmt.Sprint(s.byCoord), fmt.Sprint(s.nbrs), fmt.Sprint(s.nbrIDs),
			fmt.Sprint(s.byInitial), fmt.Sprint(s.forms), fmt.Sprint(s.paraphrasedBy), fmt.Sprint(f.ids),
		}
	}
	want, got := fields(s, fit), fields(ls, lfit)
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("field group %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
	for _, w := range []string{"军事", "优势", "reward", "reciev", "bug", "weather", "合作"} {
		if a, b := fmt.Sprint(s.Neighbours(w)), fmt.Sprint(ls.Neighbours(w)); a != b {
			t.Errorf("Neighbours(%s) = %s loaded, %s fitted", w, b, a)
		}
	}
	qs := []string{"军力强吗", "is there a reward", "秘书处在哪"}
	a, _ := s.Embed(context.Background(), qs)
	b, _ := ls.Embed(context.Background(), qs)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("the loaded Space embeds questions differently")
	}
	rows := make([]string, lfit.Len())
	lfit.EachVector(func(i int, v []float32) { rows[i] = fmt.Sprint(v) })
	fit.EachVector(func(i int, v []float32) {
		if rows[i] != fmt.Sprint(v) {
			t.Errorf("text %d: the loaded Fit's vector differs", i)
		}
	})
}

// A snapshot is only ever of its own texts and dimension, and a damaged one
// is an error, never a panic or a Space that answers wrongly.
func TestSnapshotRefused(t *testing.T) {
	folded, s, fit := fitSnapshotTexts(t, 64)
	data, err := fit.Snapshot(folded)
	if err != nil {
		t.Fatal(err)
	}
	other := append([]string{"另一段文字"}, folded[1:]...)
	for name, tc := range map[string]struct {
		texts []string
		dim   int
	}{
		"other texts":     {other, 64},
		"fewer texts":     {folded[1:], 64},
		"other dimension": {folded, 128},
	} {
		if _, _, err := LoadFit(s.lex, string(data), tc.texts, tc.dim); !errors.Is(err, ErrSnapshotMismatch) {
			t.Errorf("%s: err = %v, want ErrSnapshotMismatch", name, err)
		}
	}
	for n := range len(data) {
		if _, _, err := LoadFit(s.lex, string(data[:n]), folded, 64); err == nil {
			t.Fatalf("a snapshot cut at byte %d of %d loaded", n, len(data))
		}
	}
	if _, _, err := LoadFit(s.lex, string(data)+"x", folded, 64); err == nil {
		t.Error("a snapshot with trailing bytes loaded")
	}
	// Flipping any byte after the key must not panic; most flips are
	// caught, a flipped float may not be.
	for i := len(snapshotMagic) + 32; i < len(data); i++ {
		bad := []byte(string(data))
		bad[i] ^= 0xff
		LoadFit(s.lex, string(bad), folded, 64)
	}
}
