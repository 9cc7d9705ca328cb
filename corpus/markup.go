package corpus

import (
	"strings"

	"github.com/citebot/citebot/internal/lazyre"
)

// Plain-text and Markdown markup that is not text: code fences, setext
// underlines, rules and ASCII boxes. It is resolved before paragraphs are
// assembled so that no rule below has to know about it.

// mline is one body line with its markup resolved.
type mline struct {
	text string
	// blank separates blocks (a blank line, a rule, a box border).
	blank bool
	// code is a whole fenced code block, fences included, lines joined with
	// "\n": it is one paragraph and never holds headings.
	code bool
	// setext is 1 or 2 when the line was underlined with = or -.
	setext int
}

var (
	reFence     = lazyre.New("^(`{3,}|~{3,})").OnlyIf(lazyre.FirstByteIn("`~"))
	reUnderline = lazyre.New(`^(?:=+|-+)$`).OnlyIf(lazyre.FirstByteIn("=-"))
	// A thematic break or decoration line: three or more of one mark.
	reRule      = lazyre.New(`^([-*_=~+#])(?:\s*[-*_=~+#])*$`).OnlyIf(lazyre.FirstByteIn("-*_=~+#"))
	reBoxBorder = lazyre.New(`^\*{10,}$`).OnlyIf(lazyre.Prefixes("*"))
	reBoxLine   = lazyre.New(`^\*(.*)\*$`).OnlyIf(lazyre.Prefixes("*"))
)

// fenceOpen returns the fence that opens a code block on line l, or "".
func fenceOpen(l string) string {
	return reFence.FindString(strings.TrimSpace(l))
}

// closesFence reports whether l closes a block opened with fence.
func closesFence(l, fence string) bool {
	l = strings.TrimSpace(l)
	return len(l) >= len(fence) && strings.Trim(l, fence[:1]) == ""
}

// commentEnd returns the last line of an HTML comment that starts line i
// and ends a line, and whether there is one; closes[j] is the first line
// from j on that holds "-->" (len(lines) if none), so that a document of
// unclosed "<!--" lines is read in linear time.
func commentEnd(lines []string, closes []int, i int) (int, bool) {
	l := strings.TrimSpace(lines[i])
	if !strings.HasPrefix(l, "<!--") {
		return 0, false
	}
	j := i
	if !strings.Contains(l[len("<!--"):], "-->") {
		if j = closes[i+1]; j == len(lines) {
			return 0, false
		}
		l = strings.TrimSpace(lines[j])
	} else {
		l = l[len("<!--"):]
	}
	k := strings.Index(l, "-->")
	return j, strings.TrimSpace(l[k+len("-->"):]) == ""
}

// commentCloses returns, for every line, the first line from it on that
// holds "-->", and len(lines) after the last.
func commentCloses(lines []string) []int {
	closes := make([]int, len(lines)+1)
	closes[len(lines)] = len(lines)
	for j := len(lines) - 1; j >= 0; j-- {
		closes[j] = closes[j+1]
		if strings.Contains(lines[j], "-->") {
			closes[j] = j
		}
	}
	return closes
}

// markup resolves the markup of cleaned body lines.
func markup(lines []string) []mline {
	out := make([]mline, 0, len(lines))
	var closes []int // made at the first comment
	inBox := false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if f := fenceOpen(l); f != "" {
			j := i + 1
			for j < len(lines) && !closesFence(lines[j], f) {
				j++
			}
			end := min(j+1, len(lines))
			out = append(out, mline{code: true, text: strings.TrimRight(strings.Join(lines[i:end], "\n"), "\n ")})
			i = end - 1
			continue
		}
		if closes == nil && strings.HasPrefix(strings.TrimSpace(l), "<!--") {
			closes = commentCloses(lines)
		}
		if end, ok := commentEnd(lines, closes, i); ok {
			// An HTML comment is not shown where Markdown is read: it is no
			// text of the document ("<!-- INFO END -->").
			out = append(out, mline{blank: true})
			i = end
			continue
		}
		if reBoxBorder.MatchString(l) {
			inBox = !inBox
			out = append(out, mline{blank: true})
			continue
		}
		if m := reBoxLine.FindStringSubmatch(l); inBox && m != nil {
			l = strings.TrimSpace(m[1])
		}
		out = appendLine(out, l)
	}
	return out
}

// appendLine adds one text line, turning an underline into a setext heading
// of the line above and a rule into a block break.
func appendLine(out []mline, l string) []mline {
	if l == "" {
		return append(out, mline{blank: true})
	}
	n := len(out)
	if reUnderline.MatchString(l) && len(l) >= 3 && n > 0 && underlinable(out) {
		out[n-1].setext = 1
		if l[0] == '-' {
			out[n-1].setext = 2
		}
		return out
	}
	if len(l) >= 3 && reRule.MatchString(l) {
		return append(out, mline{blank: true})
	}
	return append(out, mline{text: l})
}

// underlinable: only a one-line block that is not a list item can be a
// setext heading; under a longer paragraph a line of dashes is a rule.
func underlinable(out []mline) bool {
	n := len(out)
	last := out[n-1]
	if last.blank || last.code || last.setext > 0 || itemMarker(last.text) != nil {
		return false
	}
	return n == 1 || out[n-2].blank || out[n-2].setext > 0 || out[n-2].code
}

var (
	// reLinkDef is a Markdown link reference definition: "[label]: url".
	reLinkDef = lazyre.New(`^ {0,3}\[([^\]]+)\]:[ \t]*<?([^\s>]+)>?(?:[ \t]+(?:"[^"]*"|'[^']*'|\([^)]*\)))?[ \t]*$`).OnlyIf(lazyre.Prefixes("[", " "))
	// reLinkRef is a reference link, full ([text][label]), collapsed
	// ([label][]) or shortcut ([label]).
	reLinkRef = lazyre.New(`\[([^\]]+)\](?:\[([^\]]*)\])?(\(|:)?`)
)

// resolveLinkRefs turns reference links into inline links and link
// reference definitions, which Markdown does not show, into block breaks
// (a definition is Markdown enough, "# " headings or not):
// "[nodejs/node][]" reads as the inline link would, and the URL stays with
// the paragraph that cites it.
func resolveLinkRefs(ms []mline) []mline {
	defs := map[string]string{}
	for i, m := range ms {
		if mm := reLinkDef.FindStringSubmatch(m.text); !m.code && !m.blank && mm != nil {
			if label := strings.ToLower(strings.TrimSpace(mm[1])); defs[label] == "" {
				defs[label] = mm[2]
			}
			ms[i] = mline{blank: true}
		}
	}
	if len(defs) == 0 {
		return ms
	}
	for i, m := range ms {
		if m.code || m.blank || !strings.Contains(m.text, "[") {
			continue
		}
		ms[i].text = reLinkRef.ReplaceAllStringFunc(m.text, func(s string) string {
			mm := reLinkRef.FindStringSubmatch(s)
			if mm[3] != "" && mm[2] == "" && !strings.Contains(s, "][") {
				return s // an inline link "[text](url)", or a definition
			}
			label := mm[2]
			if label == "" {
				label = mm[1]
			}
			url, ok := defs[strings.ToLower(strings.TrimSpace(label))]
			if !ok {
				return s
			}
			return "[" + mm[1] + "](" + url + ")" + mm[3]
		})
	}
	return ms
}
