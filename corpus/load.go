package corpus

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// MaxBytes is the largest document Parse and Load accept.
const MaxBytes = 20 << 20

// Reasons a document is refused; errors from Parse and Load wrap one of
// these together with the document's name.
var (
	ErrEmpty        = errors.New("empty document")
	ErrBinary       = errors.New("binary data (NUL bytes), not text")
	ErrInvalidUTF8  = errors.New("not valid UTF-8 text")
	ErrTooLarge     = fmt.Errorf("larger than %d bytes", MaxBytes)
	ErrNoParagraphs = errors.New("no paragraphs left after removing page boilerplate")
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
	title, body := Clean(text)
	doc := build(name, title, body)
	if len(doc.Paragraphs) == 0 {
		return nil, fmt.Errorf("corpus %s: %w", name, ErrNoParagraphs)
	}
	return doc, nil
}

// Load reads and parses the document at path. Files over MaxBytes are
// refused without being read into memory.
func Load(path string) (*Document, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load corpus %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("load corpus %s: not a regular file", path)
	}
	if fi.Size() > MaxBytes {
		return nil, fmt.Errorf("load corpus %s: %d bytes: %w", path, fi.Size(), ErrTooLarge)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load corpus %s: %w", path, err)
	}
	defer f.Close()
	// The file may grow between Stat and Read; never hold more than the limit.
	data, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("load corpus %s: %w", path, err)
	}
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("load corpus %s: %w", path, ErrTooLarge)
	}
	return Parse(path, data)
}
