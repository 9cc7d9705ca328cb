package corpus

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxBytes is the largest document Parse and Load accept.
const MaxBytes = 20 << 20

// Reasons a document is refused; errors from Parse, Load, ParseFiles and
// LoadPaths wrap one of these together with the file's name, so that an
// admin learns which file to fix.
var (
	ErrEmpty        = errors.New("empty document")
	ErrBinary       = errors.New("binary data (NUL bytes), not text")
	ErrInvalidUTF8  = errors.New("not valid UTF-8 text")
	ErrTooLarge     = fmt.Errorf("larger than %d bytes", MaxBytes)
	ErrNoParagraphs = errors.New("no paragraphs: only a title, headings or page boilerplate")
	ErrNoFiles      = errors.New("no .txt or .md documents")
)

// Parse cleans a document's text and recognises its structure. name is
// used in errors and kept as Document.Name.
func Parse(name string, data []byte) (*Document, error) {
	switch {
	case len(data) > MaxBytes:
		return nil, fmt.Errorf("corpus %s: %d bytes: %w", name, len(data), ErrTooLarge)
	case len(bytes.TrimSpace(data)) == 0:
		return nil, fmt.Errorf("corpus %s: %w", name, ErrEmpty)
	case bytes.IndexByte(data, 0) >= 0:
		return nil, fmt.Errorf("corpus %s: %w", name, ErrBinary)
	case !utf8.Valid(data):
		return nil, fmt.Errorf("corpus %s: %w", name, ErrInvalidUTF8)
	}
	text := string(data)
	if strings.TrimSpace(strings.TrimPrefix(text, "\uFEFF")) == "" {
		return nil, fmt.Errorf("corpus %s: %w", name, ErrEmpty)
	}
	c := clean(text)
	doc := build(name, c.title, c.body)
	doc.Dropped = append(c.dropped, doc.Dropped...)
	if doc.Title == "" {
		doc.Title = fileTitle(name)
	}
	if len(doc.Paragraphs) == 0 {
		return nil, fmt.Errorf("corpus %s: %w", name, ErrNoParagraphs)
	}
	return doc, nil
}

// fileTitle is a document's file name without directory and extension,
// the title of a document that has no title line. Only a letter extension
// counts: "Apache-2.0" keeps its version.
func fileTitle(name string) string {
	base := filepath.Base(name)
	if ext := filepath.Ext(base); len(ext) > 1 && strings.IndexFunc(ext[1:], func(r rune) bool { return !unicode.IsLetter(r) }) < 0 {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// Load reads and parses the document at path. Files over MaxBytes are
// refused without being read into memory.
func Load(path string) (*Document, error) {
	data, err := readLimited(path, MaxBytes)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// readLimited reads a regular file of at most limit bytes, refusing a larger
// one from its size before reading it.
func readLimited(path string, limit int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load corpus %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("load corpus %s: not a regular file", path)
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("load corpus %s: %d bytes: %w", path, fi.Size(), ErrTooLarge)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load corpus %s: %w", path, err)
	}
	defer f.Close()
	// The file may grow between Stat and Read; never hold more than the limit.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("load corpus %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("load corpus %s: %w", path, ErrTooLarge)
	}
	return data, nil
}

// ParseFiles parses several documents and merges them into one corpus (see
// Merge). Each file is parsed as by Parse; together they may hold at most
// MaxBytes. Errors name the file.
func ParseFiles(files []File) (*Document, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("corpus: %w", ErrNoFiles)
	}
	total := 0
	for _, f := range files {
		if total += len(f.Data); total > MaxBytes {
			return nil, fmt.Errorf("corpus %s: the documents up to this one hold %d bytes: %w", f.Name, total, ErrTooLarge)
		}
	}
	docs := make([]*Document, len(files))
	for i, f := range files {
		d, err := Parse(f.Name, f.Data)
		if err != nil {
			return nil, err
		}
		docs[i] = d
	}
	return Merge(docs...), nil
}

// Configured is the corpus a deployment serves: the documents at paths
// (as LoadPaths), or the embedded declaration when none are configured.
func Configured(paths ...string) (*Document, error) {
	if len(paths) == 0 {
		return Default(), nil
	}
	return LoadPaths(paths...)
}

// LoadPaths loads documents into one corpus. Each path is a file or a
// directory; a directory contributes its *.txt and *.md files, sorted by
// name, without descending into subdirectories. Every file may hold
// MaxBytes, and all of them together MaxBytes too.
func LoadPaths(paths ...string) (*Document, error) {
	files, err := expandPaths(paths)
	if err != nil {
		return nil, err
	}
	var out []File
	left := int64(MaxBytes)
	for _, p := range files {
		data, err := readLimited(p, left)
		if err != nil {
			if errors.Is(err, ErrTooLarge) && left < MaxBytes {
				return nil, fmt.Errorf("load corpus %s: over the %d bytes allowed for all documents together: %w", p, MaxBytes, ErrTooLarge)
			}
			return nil, err
		}
		left -= int64(len(data))
		out = append(out, File{Name: p, Data: data})
	}
	return ParseFiles(out)
}

// expandPaths replaces each directory among paths by its documents.
func expandPaths(paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("load corpus: %w", ErrNoFiles)
	}
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("load corpus %s: %w", p, err)
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("load corpus %s: %w", p, err)
		}
		n := len(out)
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if ext != ".txt" && ext != ".md" {
				continue
			}
			full := filepath.Join(p, e.Name())
			if st, err := os.Stat(full); err == nil && st.Mode().IsRegular() {
				out = append(out, full)
			}
		}
		if len(out) == n {
			return nil, fmt.Errorf("load corpus %s: directory: %w", p, ErrNoFiles)
		}
	}
	return out, nil
}
