package upload

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/citebot/citebot/corpus"
)

func TestSaveLoadRemove(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if _, ok, err := Load(dir); ok || err != nil {
		t.Fatalf("empty dir: ok %v err %v", ok, err)
	}
	files := []corpus.File{{Name: "/tmp/x/a.md", Data: []byte("# A\n\ntext")}, {Name: "b.txt", Data: []byte("二")}}
	if err := Save(dir, files); err != nil {
		t.Fatal(err)
	}
	got, ok, err := Load(dir)
	if err != nil || !ok || len(got) != 2 || got[0].Name != "a.md" || string(got[1].Data) != "二" {
		t.Fatalf("Load = %+v, %v, %v", got, ok, err)
	}
	if err := Save(dir, []corpus.File{{Name: "bad.txt", Data: []byte{0xff}}}); err == nil {
		t.Error("saving invalid UTF-8 succeeded")
	}
	if err := Remove(dir); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := Load(dir); ok {
		t.Error("upload still there after Remove")
	}
}

func TestLegacyAndBadFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, legacyName), []byte("一、總則\n\n文字。"), 0o644)
	got, ok, err := Load(dir)
	if err != nil || !ok || len(got) != 1 || !strings.Contains(string(got[0].Data), "總則") {
		t.Fatalf("legacy: %+v, %v, %v", got, ok, err)
	}
	os.WriteFile(filepath.Join(dir, Name), []byte("{not json"), 0o644)
	if _, ok, err := Load(dir); !ok || err == nil {
		t.Fatalf("corrupt upload: ok %v err %v, want an error", ok, err)
	}
	to, err := SetAside(dir, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil || !strings.HasSuffix(to, ".bad-20260102T030405Z") {
		t.Fatalf("SetAside = %q, %v", to, err)
	}
	names, _ := os.ReadDir(dir)
	var got2 []string
	for _, n := range names {
		got2 = append(got2, n.Name())
	}
	if !slices.Contains(got2, filepath.Base(to)) || slices.Contains(got2, Name) {
		t.Errorf("files after SetAside: %v", got2)
	}
}

// Every kind of damaged upload is reported by Load (or, for a legacy text
// file, left to the parser, which refuses it) and can be set aside so that
// the next start does not trip on it.
func TestBadUploadsAreSetAside(t *testing.T) {
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		setup func(dir string) error
		// loadErr is whether Load itself fails; otherwise it returns the
		// file and corpus.ParseFiles refuses it.
		loadErr bool
	}{
		{"not JSON", func(d string) error { return os.WriteFile(filepath.Join(d, Name), []byte("{"), 0o644) }, true},
		{"no documents", func(d string) error { return os.WriteFile(filepath.Join(d, Name), []byte("[]"), 0o644) }, true},
		{"a directory", func(d string) error { return os.Mkdir(filepath.Join(d, Name), 0o755) }, true},
		{"legacy empty", func(d string) error { return os.WriteFile(filepath.Join(d, legacyName), nil, 0o644) }, false},
		{"legacy binary", func(d string) error {
			return os.WriteFile(filepath.Join(d, legacyName), []byte("\x00\x01\x02PK\x03\x04"), 0o644)
		}, false},
		{"legacy invalid UTF-8", func(d string) error {
			return os.WriteFile(filepath.Join(d, legacyName), []byte("成員國\xff\xfe"), 0o644)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := tc.setup(dir); err != nil {
				t.Fatal(err)
			}
			files, ok, err := Load(dir)
			if !ok {
				t.Fatal("Load did not see the upload")
			}
			if tc.loadErr != (err != nil) {
				t.Fatalf("Load error %v, want one: %v", err, tc.loadErr)
			}
			if err == nil {
				if _, perr := corpus.ParseFiles(files); perr == nil {
					t.Fatal("the parser accepted a damaged upload")
				}
			}
			to, err := SetAside(dir, now)
			if err != nil || !strings.HasSuffix(to, ".bad-20260506T070809Z") {
				t.Fatalf("SetAside = %q, %v", to, err)
			}
			if _, ok, err := Load(dir); ok || err != nil {
				t.Errorf("after SetAside: ok %v, err %v; want no upload", ok, err)
			}
		})
	}
}

// A Stamp changes with the upload, and is zero without one.
func TestStamp(t *testing.T) {
	dir := t.TempDir()
	if s := StampOf(dir); s != (Stamp{}) {
		t.Errorf("no upload: stamp %+v, want zero", s)
	}
	if err := Save(dir, []corpus.File{{Name: "a.md", Data: []byte("# A\n\nOne.\n")}}); err != nil {
		t.Fatal(err)
	}
	first := StampOf(dir)
	if first == (Stamp{}) {
		t.Fatal("an upload has a zero stamp")
	}
	if err := Save(dir, []corpus.File{{Name: "a.md", Data: []byte("# A\n\nOne, and two.\n")}}); err != nil {
		t.Fatal(err)
	}
	if StampOf(dir) == first {
		t.Error("a new upload kept the old stamp")
	}
	if err := Remove(dir); err != nil {
		t.Fatal(err)
	}
	if s := StampOf(dir); s != (Stamp{}) {
		t.Errorf("after Remove: stamp %+v, want zero", s)
	}
}
