package corpus

import (
	"errors"
	"os"
	"path/filepath"
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
