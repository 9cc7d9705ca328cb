package corpus

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// genLines are line templates for generated documents: every heading style
// the parser knows, list items, code fences, boxes, junk, prose. %d is
// replaced with a number taken from the fuzz input.
var genLines = []string{
	"", "", "",
	"%d. Definitions.", "   %d. Redistribution.", "%d. Grant of Copyright License. Subject to the terms and conditions of",
	"(a) You must give a copy; and", "(b) You must keep notices.", "a) The work must carry notices.", "c) Out of order.",
	"Section %d", "SECTION %d.", "Article %d", "ARTICLE IV", "§ %d", "Part %d: Fees",
	"第%d条 用人单位应当依法。", "第十二條", "第一章 總則", "第二節 目的", "一、總則", "（一）目的", "(%d) Fees",
	"%d.1. \"Contributor\"", "%d.%d. The rights granted under this License will terminate", "1.1.1 Detail",
	"I. Introduction", "II. Scope", "V. Smith wrote this.",
	"# Title", "## %d Alpha", "### Flags", "#### Deep", "Manual", "======", "-----", "---",
	"```", "~~~", "# a comment", "    indented code",
	"************************", "*  %d. Boxed Heading  *", "*                      *",
	"- item", "* item", "• item", "%d) item", "1. Buy milk", "| a | b |",
	"APPENDIX: How to apply.", "Exhibit A - Notice", "附件一", "Preamble", "序言",
	"You must:", "Text goes on", "and ends here.", "成員國強調,必須共同加大努力。", "上合組織。",
	"Copyright 2023 Jane Doe.", "Home | News | World | Sport | Tech", "Share this article", "2023-05-01 08:00",
	"Editor: Jane Doe", "Related stories", "7.  This requirement modifies section 4 to",
	"apache:4(d)¶1", "¶%d", "0. Zero.",
}

// generate builds a document from fuzz input: each byte picks a line
// template, the next one its number.
func generate(data []byte) []byte {
	var b strings.Builder
	for i := 0; i+1 < len(data) && i < 400; i += 2 {
		l := genLines[int(data[i])%len(genLines)]
		n := strconv.Itoa(int(data[i+1]) % 13)
		b.WriteString(strings.ReplaceAll(l, "%d", n))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// FuzzParse: Parse never panics, and every parsed document keeps the
// label invariants (see checkFuzzDoc), both for the raw input and for a
// document generated from it with the heading styles above; merging the
// two keeps them too.
func FuzzParse(f *testing.F) {
	f.Add([]byte("一、甲\n\n(一)乙\n\n段落。\n"))
	f.Add([]byte("# T\n\n## A\n\ntext\n"))
	f.Add([]byte("   1. Definitions.\n\n   2. Grant. Subject to it.\n\n      (a) You must.\n\n      (b) You may.\n\nText.\n"))
	f.Add([]byte("1. Definitions\n---\n\n1.1. \"Contributor\"\n    means.\n\n5.1. The rights granted under this License end\n"))
	f.Add([]byte("第一章 总则\n第一条 为了规范管理。\n第二条 本办法适用于全市。\n"))
	f.Add([]byte("```\n# not a heading\n\n```\n\n## B\n"))
	f.Add([]byte{3, 1, 0, 0, 6, 0, 7, 0, 0, 0, 10, 4, 0, 0, 30, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		raw := checkFuzzDoc(t, data)
		gen := checkFuzzDoc(t, generate(data))
		if raw != nil && gen != nil {
			m := Merge(raw, gen)
			if len(m.Parts) != 2 || m.Parts[0].Prefix == m.Parts[1].Prefix {
				t.Fatalf("merge parts %+v", m.Parts)
			}
			checkInvariants(t, m)
		}
		_, _ = FindRef(string(data))
	})
}

// checkFuzzDoc parses data and checks its invariants; nil when Parse
// refused it.
func checkFuzzDoc(t *testing.T, data []byte) *Document {
	d, err := Parse("fuzz", data)
	if err != nil {
		if d != nil || !strings.Contains(err.Error(), "fuzz") {
			t.Fatalf("Parse = %v, %v: a document with an error, or an error not naming the file", d, err)
		}
		return nil
	}
	if len(d.Paragraphs) == 0 || d.Title == "" {
		t.Fatalf("%d paragraphs, title %q, and no error", len(d.Paragraphs), d.Title)
	}
	checkInvariants(t, d)
	_, _ = d.Resolve(string(data[:min(len(data), 40)]))
	return d
}

// checkInvariants: labels are unique, every paragraph's label resolves to
// exactly that paragraph, every section key resolves or reports an empty
// section, and Resolve never returns nothing without an error.
func checkInvariants(t *testing.T, d *Document) {
	for _, p := range d.Paragraphs {
		if p.Text == "" || !utf8.ValidString(p.Text) {
			t.Fatalf("bad paragraph %q: %q", p.Label, p.Text)
		}
	}
	checkResolvable(t, d)
	for _, ref := range []string{"1", "4(d)", "¶1", "preamble 1", "1.1", "article 1", "第一条", "appendix"} {
		if ps, err := d.Resolve(ref); err == nil && len(ps) == 0 {
			t.Fatalf("Resolve(%q) returned nothing without an error", ref)
		}
	}
}
