package corpus

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseBadInput(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		err  error
	}{
		{"empty", nil, ErrEmpty},
		{"whitespace", []byte(" \n\t\r\n\u3000\n"), ErrEmpty},
		{"bom only", []byte("\uFEFF\n"), ErrEmpty},
		{"binary", []byte("PK\x03\x04\x00\x00text"), ErrBinary},
		{"invalid utf8", []byte("上合\xff\xfe組織。"), ErrInvalidUTF8},
		{"latin1", []byte("caf\xe9 cr\xe8me."), ErrInvalidUTF8},
		{"too large", make([]byte, MaxBytes+1), ErrTooLarge},
		{"only junk", []byte("首页 | 新闻 | 体育 | 财经 | 娱乐\n2021-09-18 09:21:00\n来源:新华社\n[责任编辑:王五]\n"), ErrNoParagraphs},
		{"only a title", []byte("A Title Without Body\n"), ErrNoParagraphs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse("bad.txt", tt.data)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Parse = %v, %v; want %v", d, err, tt.err)
			}
			if !strings.Contains(err.Error(), "bad.txt") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestParseLineEndingsAndBOM(t *testing.T) {
	want, err := Parse("x", DeclarationText())
	if err != nil {
		t.Fatal(err)
	}
	text := string(DeclarationText())
	variants := map[string]string{
		"crlf":     strings.ReplaceAll(text, "\n", "\r\n"),
		"bom":      "\uFEFF" + text,
		"bom crlf": "\uFEFF" + strings.ReplaceAll(text, "\n", "\r\n"),
		"cr":       strings.ReplaceAll(text, "\n", "\r"),
		"indented": "  " + strings.ReplaceAll(text, "\n", "\n\u3000 "),
	}
	for name, v := range variants {
		got, err := Parse("x", []byte(v))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if golden(got) != golden(want) {
			t.Errorf("%s: parse differs from the plain text", name)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	if err := os.WriteFile(good, DeclarationText(), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Load(good)
	if err != nil || len(d.Paragraphs) != 174 || d.Name != good {
		t.Fatalf("Load(good) = %d paragraphs, %v", len(d.Paragraphs), err)
	}

	// A 50 MB file, sparse so the test itself stays cheap; Load must refuse
	// it from its size alone.
	huge := filepath.Join(dir, "huge.txt")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()

	empty := filepath.Join(dir, "empty.txt")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		err  error
	}{
		{huge, ErrTooLarge},
		{empty, ErrEmpty},
		{filepath.Join(dir, "missing.txt"), os.ErrNotExist},
	}
	for _, tt := range tests {
		_, err := Load(tt.path)
		if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.path) {
			t.Errorf("Load(%s) = %v, want %v naming the file", tt.path, err, tt.err)
		}
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Load(dir) = %v", err)
	}
}

func TestParseFiles(t *testing.T) {
	d, err := ParseFiles([]File{
		{Name: "docs/Apache-2.0", Data: []byte(readFile(t, "testdata/apache-2.0.txt"))},
		{Name: "docs/security.md", Data: []byte(readFile(t, "testdata/security.md"))},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Parts) != 2 || d.Parts[0].Prefix != "apache" || d.Parts[1].Prefix != "security" {
		t.Fatalf("parts %+v", d.Parts)
	}
	if ps, err := d.Resolve("apache:4(d)¶1"); err != nil || len(ps) != 1 {
		t.Errorf("apache:4(d)¶1 = %v, %v", ps, err)
	}
	one, err := ParseFiles([]File{{Name: "a.txt", Data: []byte("Text.\n")}})
	if err != nil || one.Parts != nil || one.Paragraphs[0].Label != "¶1" {
		t.Errorf("one file: %+v, %v", one, err)
	}

	big := make([]byte, MaxBytes/2+1)
	for i := range big {
		big[i] = 'a'
	}
	bad := []struct {
		name  string
		files []File
		err   error
		names string
	}{
		{"none", nil, ErrNoFiles, ""},
		{"one empty", []File{{"ok.txt", []byte("Text.\n")}, {"empty.txt", nil}}, ErrEmpty, "empty.txt"},
		{"binary", []File{{"bin.txt", []byte("a\x00b")}}, ErrBinary, "bin.txt"},
		{"together too large", []File{{"a.txt", big}, {"b.txt", big}}, ErrTooLarge, "b.txt"},
	}
	for _, tt := range bad {
		d, err := ParseFiles(tt.files)
		if d != nil || !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.names) {
			t.Errorf("%s: ParseFiles = %v, %v; want %v naming %q", tt.name, d, err, tt.err, tt.names)
		}
	}
}

func TestLoadPaths(t *testing.T) {
	dir := t.TempDir()
	docs := filepath.Join(dir, "docs")
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(docs, "b-terms.md"), "# Terms\n\n## Use\n\nUse it well.\n")
	write(filepath.Join(docs, "a-faq.txt"), "FAQ\n\n1. Why?\n\nBecause.\n")
	write(filepath.Join(docs, "notes.pdf"), "not a document")
	write(filepath.Join(docs, "sub", "deep.txt"), "Not loaded.\n")
	extra := filepath.Join(dir, "extra.txt")
	write(extra, "Extra words.\n")
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}

	d, err := LoadPaths(docs, extra)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range d.Parts {
		got = append(got, p.Prefix+"="+filepath.Base(p.Name)+"="+p.Title)
	}
	if want := []string{"faq=a-faq.txt=FAQ", "terms=b-terms.md=Terms", "extra=extra.txt=extra"}; !slices.Equal(got, want) {
		t.Errorf("parts %q, want %q", got, want)
	}
	if ps, err := d.Resolve("faq:1"); err != nil || ps[0].Text != "Because." {
		t.Errorf("faq:1 = %v, %v", ps, err)
	}
	if single, err := LoadPaths(extra); err != nil || single.Parts != nil || single.Name != extra {
		t.Errorf("LoadPaths(one file) = %+v, %v", single, err)
	}

	huge := filepath.Join(dir, "huge.txt")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxBytes - 10); err != nil {
		t.Fatal(err)
	}
	f.Close()
	bad := []struct {
		paths []string
		err   error
		names string
	}{
		{nil, ErrNoFiles, ""},
		{[]string{empty}, ErrNoFiles, empty},
		{[]string{filepath.Join(dir, "missing")}, os.ErrNotExist, "missing"},
		{[]string{docs, huge}, ErrTooLarge, huge},
	}
	for _, tt := range bad {
		d, err := LoadPaths(tt.paths...)
		if d != nil || !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.names) {
			t.Errorf("LoadPaths(%q) = %v, %v; want %v naming %q", tt.paths, d, err, tt.err, tt.names)
		}
	}
}

// Default skips the scraped-page check; the declaration must parse to the
// same document either way.
func TestDefaultIsParse(t *testing.T) {
	want, err := Parse("embedded", declaration)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(Default(), want) {
		t.Error("Default() differs from Parse of the embedded declaration")
	}
}

// With no paths the configured corpus is the embedded declaration; with
// some, it is what LoadPaths makes of them, errors included.
func TestConfigured(t *testing.T) {
	if d, err := Configured(); err != nil || d != Default() {
		t.Errorf("Configured() = %v, %v; want the embedded declaration", d, err)
	}
	d, err := Configured("testdata/security.md")
	if err != nil || d.Name != "testdata/security.md" || d.Title != "Security" {
		t.Errorf("Configured(security.md) = %+v, %v", d, err)
	}
	if _, err := Configured("testdata/missing.md"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Configured(missing) err = %v, want ErrNotExist", err)
	}
}
