// Package atomicfile writes files so that a crash or a full disk never leaves
// a half-written file where a reader looks: the data goes to a temporary file
// beside the target, is synced, and is renamed over it.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
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

// RemoveStale deletes the temporary files Write leaves in dir when the
// process is killed between creating one and renaming it (regular files
// whose names match TempPattern of any name), and returns their paths. A
// missing dir has none. Call it at start. Files younger than StaleAfter
// are kept: they may belong to a write in flight in another process using
// the same directory.
func RemoveStale(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("remove stale temporary files: %w", err)
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		if ok, _ := filepath.Match(TempPattern("*"), e.Name()); !ok || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < StaleAfter {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, path)
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("remove stale temporary files: %w", err)
	}
	return removed, nil
}

// StaleAfter is the age past which RemoveStale takes a temporary file for
// a leftover: a write takes milliseconds.
const StaleAfter = time.Minute
