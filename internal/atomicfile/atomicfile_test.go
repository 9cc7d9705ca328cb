package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
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
