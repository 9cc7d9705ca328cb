// Package atomicfile writes files so that a crash or a full disk never leaves
// a half-written file where a reader looks: the data goes to a temporary file
// beside the target, is synced, and is renamed over it.
package atomicfile

import (
	"os"
	"path/filepath"
)

// TempPattern is the name pattern of the temporary files Write creates beside
// a target named base; a reader may delete leftovers matching it.
func TempPattern(base string) string { return base + ".tmp-*" }

// Write replaces path with data, readable by all (0644). The directory must exist.
func Write(path string, data []byte) error {
	dir, base := filepath.Split(path)
	tmp, err := os.CreateTemp(dir, TempPattern(base))
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	ok = true
	// Make the rename itself durable; not every platform can sync a directory.
	if d, err := os.Open(filepath.Clean(dir)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
