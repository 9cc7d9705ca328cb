package anchor

import (
	"net/url"
	"testing"
)

func TestAnchor(t *testing.T) {
	tests := []struct {
		label, id, fragment string
	}{
		{"一¶7", "一¶7", "#%E4%B8%80%C2%B67"},
		{"三(四)¶2", "三(四)¶2", "#%E4%B8%89%28%E5%9B%9B%29%C2%B62"},
		{"apache:4(d)¶1", "apache:4(d)¶1", "#apache%3A4%28d%29%C2%B61"},
		{"Exhibit A¶1", "Exhibit_A¶1", "#Exhibit_A%C2%B61"},
	}
	for _, tt := range tests {
		if got := ID(tt.label); got != tt.id {
			t.Errorf("ID(%q) = %q, want %q", tt.label, got, tt.id)
		}
		got := Fragment(tt.label)
		if got != tt.fragment {
			t.Errorf("Fragment(%q) = %q, want %q", tt.label, got, tt.fragment)
		}
		// What a browser does before matching ids: decode the fragment.
		if dec, err := url.PathUnescape(got[1:]); err != nil || dec != tt.id {
			t.Errorf("Fragment(%q) decodes to %q (%v), want the id %q", tt.label, dec, err, tt.id)
		}
	}
}

func TestURL(t *testing.T) {
	tests := []struct{ base, want string }{
		{"", ""},
		{"https://cite.example.org", "https://cite.example.org/#%E4%B8%80%C2%B67"},
		{"https://cite.example.org/sco/", "https://cite.example.org/sco/#%E4%B8%80%C2%B67"},
	}
	for _, tt := range tests {
		if got := URL(tt.base, "一¶7"); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.base, got, tt.want)
		}
	}
}
