package corpus

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func mustParse(t testing.TB, name, text string) *Document {
	t.Helper()
	d, err := Parse(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDocPrefixes(t *testing.T) {
	tests := []struct {
		names []string
		want  []string
	}{
		{[]string{"/usr/share/common-licenses/Apache-2.0", "docs/security.md"}, []string{"apache", "security"}},
		{[]string{"GPL-2", "GPL-3", "Apache-2.0"}, []string{"gpl-2", "gpl-3", "apache"}},
		{[]string{"a/notes.txt", "b/notes.txt"}, []string{"notes", "notes-2"}},
		{[]string{"2021-report.txt", "宣言.txt", "---.md"}, []string{"report", "宣言", "doc"}},
		{[]string{"Very-Long-Document-Name-Indeed.txt", "very-long-other.txt"}, []string{"very-long-docume", "very-long-other"}},
	}
	for _, tt := range tests {
		got := docPrefixes(tt.names)
		if !slices.Equal(got, tt.want) {
			t.Errorf("docPrefixes(%q) = %q, want %q", tt.names, got, tt.want)
		}
		for _, p := range got {
			if len([]rune(p)) > maxPrefixRunes+1 {
				t.Errorf("prefix %q is too long", p)
			}
		}
	}
}

func TestMerge(t *testing.T) {
	apache, err := Load("testdata/apache-2.0.txt")
	if err != nil {
		t.Fatal(err)
	}
	security, err := Load("testdata/security.md")
	if err != nil {
		t.Fatal(err)
	}
	decl := Default()
	m := Merge(apache, security, decl)

	if got := len(m.Paragraphs); got != len(apache.Paragraphs)+len(security.Paragraphs)+len(decl.Paragraphs) {
		t.Errorf("%d paragraphs", got)
	}
	wantParts := []Part{{"apache", apache.Name, apache.Title}, {"security", security.Name, security.Title}, {"embedded", "embedded", decl.Title}}
	if !slices.Equal(m.Parts, wantParts) {
		t.Errorf("Parts = %+v", m.Parts)
	}
	if m.Name != "testdata/apache-2.0.txt, testdata/security.md, embedded" || !strings.Contains(m.Title, "Apache License") || !strings.Contains(m.Title, "; Security; ") || m.Lang != "" {
		t.Errorf("Name %q Title %q Lang %q", m.Name, m.Title, m.Lang)
	}
	if p, ok := m.Paragraph("apache:4(d)¶1"); !ok || p.Doc != "apache" || p.Key != "apache:4(d)" || !strings.HasPrefix(p.Text, `If the Work includes a "NOTICE"`) {
		t.Errorf("apache:4(d)¶1 = %+v, %v", p, ok)
	}
	checkResolvable(t, m)

	tests := []struct {
		ref   string
		first string // "" for an ambiguous reference
		n     int
	}{
		{"apache:4(d)¶1", "apache:4(d)¶1", 1},
		{"apache:4", "apache:4¶1", 6},
		{"apache: section 4", "apache:4¶1", 6},
		{"APACHE:4(d)", "apache:4(d)¶1", 1},
		{"apache:¶1", "apache:¶1", 1},
		{"apache: preamble 2", "apache:¶2", 1},
		{"embedded:序言¶3", "embedded:序言¶3", 1},
		{"embedded:3.4.2", "embedded:三(四)¶2", 1},
		{"三(四)¶2", "embedded:三(四)¶2", 1},            // only the declaration has it
		{"4(d)", "apache:4(d)¶1", 1},                // only Apache has clauses
		{"apache:appendix", "apache:Appendix¶1", 5}, // named sections keep their names
		{"apache-2.0:4(d)", "apache:4(d)¶1", 1},     // the file's name, as loaded
		{"Apache-2.0.txt:4(d)¶1", "apache:4(d)¶1", 1},
		{"security.md:1", "security:1¶1", 6},
		{"4", "", 0}, // all three have a section 4
		{"¶1", "", 0},
	}
	for _, tt := range tests {
		ps, err := m.Resolve(tt.ref)
		if tt.first == "" {
			var ue *UnknownRefError
			if !errors.As(err, &ue) || len(ue.Nearest) < 2 {
				t.Errorf("Resolve(%q) = %v, %v; want an ambiguity", tt.ref, labelsOf(ps), err)
				continue
			}
			for _, c := range ue.Nearest {
				if _, err := m.Resolve(c); err != nil || !strings.Contains(c, ":") {
					t.Errorf("candidate %q for %q: %v", c, tt.ref, err)
				}
			}
			continue
		}
		if err != nil || len(ps) != tt.n || ps[0].Label != tt.first {
			t.Errorf("Resolve(%q) = %v, %v; want %d from %s", tt.ref, labelsOf(ps), err, tt.n, tt.first)
		}
	}
	// A prefix naming no document suggests where the rest lands, else
	// the prefixes there are.
	for _, tt := range []struct {
		ref     string
		nearest []string
	}{
		{"gpl:4(d)", []string{"apache:4(d)"}},
		{"gpl:4(d)¶1", []string{"apache:4(d)¶1"}},
		{"gpl:三(四)¶2", []string{"embedded:三(四)¶2"}},
		{"gpl:4", []string{"apache:4", "security:4", "embedded:四"}},
		{"gpl:preamble", []string{"apache:", "embedded:序言"}},
	} {
		_, err := m.Resolve(tt.ref)
		var ue *UnknownRefError
		if !errors.As(err, &ue) || !slices.Equal(ue.Nearest, tt.nearest) {
			t.Errorf("Resolve(%q) = %v; want nearest %q", tt.ref, err, tt.nearest)
		}
	}
	if _, _, err := m.ResolveRef(Ref{Doc: "gpl", Path: []int{4, 4}}); err == nil || !strings.Contains(err.Error(), "apache:4(d)") {
		t.Errorf("ResolveRef(gpl:4(d)) = %v; want a suggestion of apache:4(d)", err)
	}
	_, err = m.Resolve("4")
	if err == nil || !strings.Contains(err.Error(), "apache:4") || !strings.Contains(err.Error(), "security:4") || !strings.Contains(err.Error(), "embedded:四") {
		t.Errorf("ambiguous 4: %v", err)
	}

	r, ok := FindRef("what does apache:4(d) require?")
	if !ok {
		t.Fatal("FindRef missed apache:4(d)")
	}
	if ps, title, err := m.ResolveRef(r); err != nil || ps[0].Label != "apache:4(d)¶1" || title != "4. Redistribution. › (d)" {
		t.Errorf("ResolveRef(%+v) = %v, %q, %v", r, labelsOf(ps), title, err)
	}
	if _, _, err := m.ResolveRef(Ref{Path: []int{3, 4}, Para: 2}); err != nil {
		t.Errorf("ResolveRef(3(4)¶2) in a merged corpus: %v", err)
	}
	for _, l := range m.Labels() {
		if !strings.Contains(l, ":") {
			t.Fatalf("label %q has no document prefix", l)
		}
	}
}

func TestMergeEdges(t *testing.T) {
	a := mustParse(t, "a.txt", "1. One.\n\nText one.\n")
	b := mustParse(t, "b.md", "# B\n\n## Two\n\nText two.\n")
	if got := Merge(a); got != a {
		t.Error("Merge of one document is not that document")
	}
	if got := Merge(); len(got.Paragraphs) != 0 {
		t.Error("Merge of nothing has paragraphs")
	}
	ab := Merge(a, b)
	c := mustParse(t, "c.txt", "Plain text.\n")
	abc := Merge(ab, c) // a merged input is split, not prefixed twice
	var prefixes []string
	for _, p := range abc.Parts {
		prefixes = append(prefixes, p.Prefix)
	}
	if !slices.Equal(prefixes, []string{"a", "b", "c"}) {
		t.Errorf("prefixes %q", prefixes)
	}
	if _, ok := abc.Paragraph("a:1¶1"); !ok {
		t.Errorf("labels %q", abc.Labels())
	}
	checkResolvable(t, abc)
	parts := ab.split()
	if len(parts) != 2 || parts[0].Paragraphs[0].Label != "1¶1" || parts[1].Title != "B" || parts[1].Paragraphs[0].Label != "1¶1" {
		t.Errorf("split = %+v", parts)
	}
}
