package analysis

import (
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/width"
)

//go:generate go run ./internal/gent2s
//go:generate go run ./internal/genzhstop

// Fold maps text to the one form every scorer compares: Simplified script,
// half-width letters and digits, lower case. Questions arrive in Simplified or
// Traditional Chinese while the document is Traditional; folding both sides
// makes 组织 and 組織 the same term.
//
// Script is folded character by character, as opencc's Traditional to
// Simplified conversion ("t2s") converts each character on its own; the
// generated t2sTable holds every character it changes. Phrase-level
// conversion would be slower by two orders of magnitude and, for matching,
// no better: what matters is that a question and a paragraph fold the same
// character the same way whatever surrounds it.
//
// Width is folded per character too (width.Fold maps each character on its
// own), and each Chinese character's folded form is remembered in a table
// read without locking: folding every paragraph of a large document was a
// tenth of its index build through width.Fold.String and a sync.Map.
func Fold(s string) string {
	var sb strings.Builder
	sb.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			sb.WriteByte(byte(r))
			continue
		}
		if f := width.LookupRune(r).Folded(); f != 0 {
			r = f
		}
		if unicode.Is(unicode.Han, r) {
			writeHan(&sb, r)
			continue
		}
		sb.WriteRune(unicode.ToLower(r))
	}
	return sb.String()
}

// hanFolds remembers the folded form of the Basic Multilingual Plane's
// Chinese characters: 0 not yet known, else the folded character plus
// one, or multiRune when it folds to more than one character (those, and
// the characters beyond the plane, are in hanFoldsMore).
var (
	hanFolds     [0x10000]atomic.Uint32
	hanFoldsMore sync.Map // rune → string
)

const multiRune = math.MaxUint32

// writeHan writes the folded form of the Chinese character r.
func writeHan(sb *strings.Builder, r rune) {
	if r < 0x10000 {
		if v := hanFolds[r].Load(); v != 0 && v != multiRune {
			sb.WriteRune(rune(v - 1))
			return
		}
	}
	sb.WriteString(foldHan(r))
}

// foldHan returns the folded form of the Chinese character r.
func foldHan(r rune) string {
	if r < 0x10000 {
		if v := hanFolds[r].Load(); v != 0 && v != multiRune {
			return string(rune(v - 1))
		}
	}
	if v, ok := hanFoldsMore.Load(r); ok {
		return v.(string)
	}
	out := string(r)
	if i, ok := slices.BinarySearchFunc(t2sTable, r, func(e t2sEntry, r rune) int { return int(e.from - r) }); ok {
		out = t2sTable[i].to
	}
	if f, size := utf8.DecodeRuneInString(out); r < 0x10000 && size == len(out) && f != utf8.RuneError {
		hanFolds[r].Store(uint32(f) + 1)
	} else {
		if r < 0x10000 {
			hanFolds[r].Store(multiRune)
		}
		hanFoldsMore.Store(r, out)
	}
	return out
}

// changes reports whether folding changes the Chinese character r.
func changes(r rune) bool {
	if r < 0x10000 {
		if v := hanFolds[r].Load(); v != 0 && v != multiRune {
			return rune(v-1) != r
		}
	}
	f := foldHan(r)
	return len(f) != utf8.RuneLen(r) || f != string(r)
}

// IsTraditional reports whether s holds Chinese characters that Fold
// changes to another form: text written in Traditional script.
func IsTraditional(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) && changes(r) {
			return true
		}
	}
	return false
}

// LoadScripts loads the Simplified to Traditional converter that Script
// and BothScripts use, once. It takes about 0.1 s: a server calls it at
// start, in the background, so that no asker waits for it.
func LoadScripts() {
	s2tOnce.Do(func() { s2t, _ = opencc.New("s2t") })
}

// BothScripts reports whether s holds Chinese written the same in
// Simplified and Traditional characters (合作, 三(四)), which does not tell
// which script its writer reads.
func BothScripts(s string) bool {
	return HasHan(s) && !IsTraditional(s) && Script(s, Traditional) == s
}

var (
	s2tOnce sync.Once
	s2t     *opencc.OpenCC
)

// Script writes the Chinese characters of s in the script of l: Simplified
// for Simplified, Traditional for Traditional; other text, and s for any
// other language, is left as it is. A reply quotes a document's title in
// the asker's script.
func Script(s string, l Language) string {
	switch l {
	case Simplified:
		var sb strings.Builder
		for _, r := range s {
			if IsHan(r) {
				sb.WriteString(foldHan(r))
			} else {
				sb.WriteRune(r)
			}
		}
		return sb.String()
	case Traditional:
		LoadScripts()
		if s2t != nil && HasHan(s) && !IsTraditional(s) {
			if out, err := s2t.Convert(s); err == nil {
				return out
			}
		}
	}
	return s
}

// t2sEntry is one character opencc's t2s conversion changes.
type t2sEntry struct {
	from rune
	to   string
}
