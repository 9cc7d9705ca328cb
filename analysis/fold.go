package analysis

import (
	"strings"
	"sync"
	"unicode"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/width"
)

var (
	t2sOnce sync.Once
	t2s     *opencc.OpenCC
	t2sErr  error
)

// converter builds the Traditional→Simplified converter once: opencc parses
// its dictionaries on construction, which takes tens of milliseconds.
func converter() (*opencc.OpenCC, error) {
	t2sOnce.Do(func() { t2s, t2sErr = opencc.New("t2s") })
	return t2s, t2sErr
}

// Fold maps text to the one form every scorer compares: Simplified script,
// half-width letters and digits, lower case. Questions arrive in Simplified or
// Traditional Chinese while the document is Traditional; folding both sides
// makes 组织 and 組織 the same term.
//
// Script is folded character by character through opencc's Traditional to
// Simplified tables, with each character's mapping remembered. Phrase-level
// conversion would be slower by two orders of magnitude and, for matching,
// no better: what matters is that a question and a paragraph fold the same
// character the same way whatever surrounds it.
func Fold(s string) string {
	s = width.Fold.String(s)
	var sb strings.Builder
	sb.Grow(len(s))
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			sb.WriteString(foldHan(r))
			continue
		}
		sb.WriteRune(unicode.ToLower(r))
	}
	return sb.String()
}

var hanFolds sync.Map // rune → string

func foldHan(r rune) string {
	if v, ok := hanFolds.Load(r); ok {
		return v.(string)
	}
	out := string(r)
	if cc, err := converter(); err == nil {
		if c, err := cc.Convert(out); err == nil && c != "" {
			out = c
		}
	}
	hanFolds.Store(r, out)
	return out
}

// IsTraditional reports whether s holds Chinese characters that Fold
// changes to another form: text written in Traditional script.
func IsTraditional(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) && foldHan(r) != string(r) {
			return true
		}
	}
	return false
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
		s2tOnce.Do(func() { s2t, _ = opencc.New("s2t") })
		if s2t != nil && HasHan(s) && !IsTraditional(s) {
			if out, err := s2t.Convert(s); err == nil {
				return out
			}
		}
	}
	return s
}
