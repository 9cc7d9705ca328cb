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
