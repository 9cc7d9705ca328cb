package atomicfile

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	for _, data := range []string{"first", "second, longer"} {
		if err := Write(path, []byte(data)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != data {
			t.Fatalf("read %q, %v; want %q", got, err, data)
		}
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, %v; want 0644", st.Mode(), err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, TempPattern("f.txt")))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	if err := Write(filepath.Join(dir, "missing", "f.txt"), []byte("x")); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

// A kill between CreateTemp and Rename leaves a temporary file behind;
// RemoveStale deletes those, and only those, at the next start.
func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	keep := map[string]string{
		"uploaded-corpus.json": "kept",
		"feedback.jsonl":       "kept",
		"notes.tmp":            "not ours: no dash",
	}
	stale := []string{"uploaded-corpus.json.tmp-123456", "feedback.jsonl.tmp-9"}
	for name, data := range keep {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * StaleAfter)
	for _, name := range append(stale, "fresh.json.tmp-77") {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
		if name != "fresh.json.tmp-77" {
			if err := os.Chtimes(path, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A fresh one may be another process's write in flight.
	keep["fresh.json.tmp-77"] = "in flight"
	// A directory matching the pattern is not a temporary file of Write.
	if err := os.Mkdir(filepath.Join(dir, "cache.tmp-1"), 0o755); err != nil {
		t.Fatal(err)
	}
	removed, err := RemoveStale(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != len(stale) {
		t.Errorf("removed %v, want %v", removed, stale)
	}
	entries, _ := os.ReadDir(dir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	for _, name := range stale {
		if slices.Contains(left, name) {
			t.Errorf("%s is still there", name)
		}
	}
	for name := range keep {
		if !slices.Contains(left, name) {
			t.Errorf("%s was removed", name)
		}
	}
	if !slices.Contains(left, "cache.tmp-1") {
		t.Error("a directory was removed")
	}
	if removed, err := RemoveStale(filepath.Join(dir, "missing")); err != nil || len(removed) != 0 {
		t.Errorf("missing dir: %v, %v", removed, err)
	}
}
