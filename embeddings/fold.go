// Package embeddings turns text into L2-normalised vectors. It holds the text
// folding shared by every scorer (script, width, case), the in-process default
// embedder and the OpenAI-compatible one with its persistent cache.
package embeddings

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
func Fold(s string) string {
	s = width.Fold.String(s)
	if cc, err := converter(); err == nil && hasHan(s) {
		if out, err := cc.Convert(s); err == nil {
			s = out
		}
	}
	return strings.ToLower(s)
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
