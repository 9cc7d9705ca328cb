package textnorm

import (
	"slices"
	"testing"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"commitments", "commitment"},
		{"countries", "country"},
		{"taxes", "tax"},
		{"churches", "church"},
		{"classes", "class"},
		{"states", "state"},
		{"status", "status"},
		{"analysis", "analysis"},
		{"economics", "economics"},
		{"news", "news"},
		{"gas", "gas"},
		{"us", "us"},
		{"class", "class"},
		{"drug", "drug"},
		{"women", "woman"},
		{"crises", "crisis"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVariants(t *testing.T) {
	tests := []struct {
		in       string
		inf, der string // one expected member of each group ("" = group empty)
	}{
		{"trafficking", "traffic", ""},
		{"planned", "plan", ""},
		{"characterized", "characterize", ""},
		{"justified", "justify", ""},
		{"cooperation", "cooperate", ""},
		{"organization", "organize", ""},
		{"commitment", "", "commit"},
		{"effectively", "", "effective"},
		{"terrorism", "", ""},
	}
	for _, tt := range tests {
		inf, der := Variants(tt.in)
		if tt.inf == "" && len(inf) > 0 || tt.inf != "" && !slices.Contains(inf, tt.inf) {
			t.Errorf("Variants(%q) inflections = %v, want %q", tt.in, inf, tt.inf)
		}
		if tt.der == "" && len(der) > 0 || tt.der != "" && !slices.Contains(der, tt.der) {
			t.Errorf("Variants(%q) derivations = %v, want %q", tt.in, der, tt.der)
		}
	}
}

func TestTokenize(t *testing.T) {
	type tok struct {
		word    string
		acronym bool
		brk     bool
	}
	tests := []struct {
		in   string
		want []tok
	}{
		{"SCO members' commitments", []tok{{"sco", true, true}, {"member", false, false}, {"commitment", false, false}}},
		{"people's well-being, non-proliferation", []tok{{"people", false, true}, {"wellbeing", false, false}, {"nonproliferation", false, true}}},
		{"上合组织 and UN", []tok{{"and", false, true}, {"un", true, false}}},
		{"drugs; arms", []tok{{"drug", false, true}, {"arms", false, true}}},
		{"-- 'quoted' --", []tok{{"quoted", false, true}}},
	}
	for _, tt := range tests {
		got := Tokenize(tt.in)
		var g []tok
		for _, x := range got {
			g = append(g, tok{x.Word, x.Acronym, x.Break})
		}
		if !slices.Equal(g, tt.want) {
			t.Errorf("Tokenize(%q) = %v, want %v", tt.in, g, tt.want)
		}
	}
}

func TestIsAcronym(t *testing.T) {
	for w, want := range map[string]bool{"SCO": true, "UN": true, "COVID19": false, "G20": true, "A": false, "Un": false, "un": false, "ABCDEFG": false} {
		if got := IsAcronym(w); got != want {
			t.Errorf("IsAcronym(%q) = %v, want %v", w, got, want)
		}
	}
}
