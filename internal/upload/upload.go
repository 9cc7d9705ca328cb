// Package upload keeps the corpus an admin uploaded through /reload in the
// data directory, so that it survives a restart: one JSON file holding
// every uploaded document, written atomically.
package upload

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
	"unicode/utf8"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/internal/atomicfile"
)

// Name is the file in the data directory that holds the upload.
const Name = "uploaded-corpus.json"

// legacyName held a single uploaded document in earlier versions; it is
// still read.
const legacyName = "uploaded-corpus.txt"

// file is one document as stored.
type file struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

// Save keeps files as the upload in dir, replacing any earlier one.
func Save(dir string, files []corpus.File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save upload: %w", err)
	}
	out := make([]file, len(files))
	for i, f := range files {
		if !utf8.Valid(f.Data) {
			return fmt.Errorf("save upload: %s is not UTF-8 text", f.Name)
		}
		out[i] = file{Name: filepath.Base(f.Name), Text: string(f.Data)}
	}
	data, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("save upload: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, Name), data); err != nil {
		return fmt.Errorf("save upload: %w", err)
	}
	if err := os.Remove(filepath.Join(dir, legacyName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("save upload: %w", err)
	}
	return nil
}

// Load returns the upload kept in dir; ok is false when there is none.
func Load(dir string) (files []corpus.File, ok bool, err error) {
	data, err := os.ReadFile(filepath.Join(dir, Name))
	switch {
	case err == nil:
		var stored []file
		if err := json.Unmarshal(data, &stored); err != nil {
			return nil, true, fmt.Errorf("read %s: %w", Name, err)
		}
		if len(stored) == 0 {
			return nil, true, fmt.Errorf("read %s: no documents", Name)
		}
		for _, f := range stored {
			files = append(files, corpus.File{Name: f.Name, Data: []byte(f.Text)})
		}
		return files, true, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, true, fmt.Errorf("read %s: %w", Name, err)
	}
	legacy := filepath.Join(dir, legacyName)
	data, err = os.ReadFile(legacy)
	switch {
	case err == nil:
		return []corpus.File{{Name: legacyName, Data: data}}, true, nil
	case errors.Is(err, os.ErrNotExist):
		return nil, false, nil
	}
	return nil, true, fmt.Errorf("read %s: %w", legacyName, err)
}

// Stamp says which upload dir holds without reading it: its size and
// modification time, or the zero Stamp for none. Processes sharing dir
// compare stamps to notice another's /reload.
type Stamp struct {
	Size int64
	// ModTime is the modification time in Unix nanoseconds, so that
	// stamps compare with ==.
	ModTime int64
}

// StampOf returns the Stamp of the upload in dir.
func StampOf(dir string) Stamp {
	for _, n := range []string{Name, legacyName} {
		if fi, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return Stamp{Size: fi.Size(), ModTime: fi.ModTime().UnixNano()}
		}
	}
	return Stamp{}
}

// Remove forgets the upload in dir.
func Remove(dir string) error {
	for _, n := range []string{Name, legacyName} {
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove upload: %w", err)
		}
	}
	return nil
}

// SetAside renames a bad upload so that the next start does not trip on
// it, keeping it for the admin; it returns the new name.
func SetAside(dir string, now time.Time) (string, error) {
	for _, n := range []string{Name, legacyName} {
		from := filepath.Join(dir, n)
		if _, err := os.Stat(from); err != nil {
			continue
		}
		to := from + ".bad-" + now.UTC().Format("20060102T150405Z")
		if err := os.Rename(from, to); err != nil {
			return "", fmt.Errorf("set aside %s: %w", n, err)
		}
		return to, nil
	}
	return "", nil
}
