package retrieval

import (
	"slices"
	"testing"

	"github.com/citebot/citebot/analysis"
)

// A document is called by the initials of its title's words, stop words
// left out; a question using them names the document.
func TestAcronyms(t *testing.T) {
	tests := []struct {
		title string
		want  []string // among the acronyms
		not   []string
	}{
		{"Mozilla Public License Version 2.0", []string{"mpl", "mplv"}, []string{"m", "2"}},
		{"GNU General Public License", []string{"gpl", "ggpl"}, []string{"gl"}},
		{"Universal Declaration of Human Rights", []string{"udhr", "hr"}, []string{"udohr", "ofhr"}},
		{"The Apache License", []string{"al"}, []string{"tal"}},
		{"上海合作组织", nil, []string{""}},
	}
	for _, tt := range tests {
		got := acronyms(analysis.Fold(tt.title))
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("acronyms(%q) = %v, want %q among them", tt.title, got, w)
			}
		}
		for _, w := range tt.not {
			if slices.Contains(got, w) {
				t.Errorf("acronyms(%q) = %v, want no %q", tt.title, got, w)
			}
		}
	}
}
