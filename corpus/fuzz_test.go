package corpus

import (
	"testing"
	"unicode/utf8"
)

// FuzzParse: Parse never panics, and every label of a parsed document
// resolves back to exactly its own paragraph.
func FuzzParse(f *testing.F) {
	f.Add([]byte("一、甲\n\n(一)乙\n\n段落。\n"))
	f.Add([]byte("# T\n\n## A\n\ntext\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse("fuzz", data)
		if err != nil {
			if d != nil {
				t.Fatal("document returned with an error")
			}
			return
		}
		if len(d.Paragraphs) == 0 {
			t.Fatal("no paragraphs and no error")
		}
		for _, p := range d.Paragraphs {
			if p.Text == "" || !utf8.ValidString(p.Text) {
				t.Fatalf("bad paragraph %q: %q", p.Label, p.Text)
			}
			ps, err := d.Resolve(p.Label)
			if err != nil || len(ps) != 1 || ps[0] != p {
				t.Fatalf("Resolve(%q) = %v, %v; want the paragraph itself", p.Label, ps, err)
			}
		}
		for _, s := range d.Sections {
			if s.Key == "" {
				continue
			}
			if _, err := d.Resolve(s.Key); err != nil {
				t.Fatalf("section key %q does not resolve: %v", s.Key, err)
			}
		}
		_, _ = d.Resolve(string(data[:min(len(data), 40)]))
		_, _ = FindRef(string(data))
	})
}
