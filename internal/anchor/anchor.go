// Package anchor names the place of a paragraph on the document's web page,
// so that the page itself, its ask box and the citations posted elsewhere
// (Discord, with CITEBOT_PUBLIC_URL) all link to the same spot.
package anchor

import (
	"strings"
	"unicode"
)

// ID is the HTML id of the paragraph labelled label: the label itself, so
// that the address reads as the citation does (/#三(四)¶2), with white
// space, which an id may not hold, replaced by "_".
func ID(label string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return '_'
		}
		return r
	}, label)
}

// Fragment is the URL fragment, with its "#", that lands on label's
// paragraph: the ID percent-encoded byte by byte outside the unreserved
// characters. Browsers decode a fragment before matching it against ids,
// and the encoded form survives what would cut a raw one short: Markdown's
// masked links end at ")", and chat clients stop a URL at non-ASCII text.
func Fragment(label string) string {
	id := ID(label)
	var sb strings.Builder
	sb.Grow(len(id)*3 + 1)
	sb.WriteByte('#')
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(id); i++ {
		c := id[i]
		if unreserved(c) {
			sb.WriteByte(c)
			continue
		}
		sb.WriteByte('%')
		sb.WriteByte(hex[c>>4])
		sb.WriteByte(hex[c&15])
	}
	return sb.String()
}

// URL is the address of label's paragraph on the document page served at
// base (CITEBOT_PUBLIC_URL, e.g. https://citebot.example.org); "" when
// base is empty, so that callers can link only when a page is served.
func URL(base, label string) string {
	if base == "" {
		return ""
	}
	return strings.TrimRight(base, "/") + "/" + Fragment(label)
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
