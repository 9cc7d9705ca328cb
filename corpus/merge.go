package corpus

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// maxPrefixRunes keeps document prefixes short enough to read in a label.
const maxPrefixRunes = 16

// Merge serves several documents as one corpus. With one document the
// result is that document. With more, every label and section key gains a
// short prefix naming its document (apache:4(d)¶1), derived from the file
// name and unique; Parts lists the documents. A merged input is split back
// into its documents first, so prefixes never stack.
func Merge(docs ...*Document) *Document {
	var flat []*Document
	for _, d := range docs {
		if d != nil {
			flat = append(flat, d.split()...)
		}
	}
	switch len(flat) {
	case 0:
		return &Document{}
	case 1:
		if len(docs) == 1 {
			return docs[0]
		}
		return flat[0]
	}
	names := make([]string, len(flat))
	for i, d := range flat {
		names[i] = d.Name
	}
	prefixes := docPrefixes(names)
	out := &Document{Name: strings.Join(names, ", "), Lang: flat[0].Lang}
	var titles []string
	for i, d := range flat {
		out.add(d, prefixes[i])
		titles = append(titles, d.Title)
		if d.Lang != out.Lang {
			out.Lang = ""
		}
	}
	out.Title = strings.Join(titles, "; ")
	return out
}

// add appends document d to a merged corpus under prefix p.
func (m *Document) add(d *Document, p string) {
	off := len(m.Paragraphs)
	for _, para := range d.Paragraphs {
		para.Label, para.Key, para.Doc = p+":"+para.Label, p+":"+para.Key, p
		m.Paragraphs = append(m.Paragraphs, para)
	}
	for _, s := range d.Sections {
		s.Key, s.Doc = p+":"+s.Key, p
		s.Paragraphs = slices.Clone(s.Paragraphs)
		for j := range s.Paragraphs {
			s.Paragraphs[j] += off
		}
		m.Sections = append(m.Sections, s)
	}
	for _, l := range d.Dropped {
		m.Dropped = append(m.Dropped, p+": "+l)
	}
	m.Parts = append(m.Parts, Part{Prefix: p, Name: d.Name, Title: d.Title})
}

// split returns the documents of a merged corpus without their prefixes,
// or d itself.
func (d *Document) split() []*Document {
	if len(d.Parts) == 0 {
		return []*Document{d}
	}
	out := make([]*Document, 0, len(d.Parts))
	for _, part := range d.Parts {
		p := part.Prefix + ":"
		doc := &Document{Name: part.Name, Title: part.Title}
		index := map[int]int{}
		for i, para := range d.Paragraphs {
			if para.Doc == part.Prefix {
				index[i] = len(doc.Paragraphs)
				para.Label, para.Key, para.Doc = strings.TrimPrefix(para.Label, p), strings.TrimPrefix(para.Key, p), ""
				doc.Paragraphs = append(doc.Paragraphs, para)
			}
		}
		for _, s := range d.Sections {
			if s.Doc != part.Prefix {
				continue
			}
			s.Key, s.Doc = strings.TrimPrefix(s.Key, p), ""
			ps := make([]int, len(s.Paragraphs))
			for j, pi := range s.Paragraphs {
				ps[j] = index[pi]
			}
			s.Paragraphs = ps
			doc.Sections = append(doc.Sections, s)
		}
		for _, l := range d.Dropped {
			if rest, ok := strings.CutPrefix(l, part.Prefix+": "); ok {
				doc.Dropped = append(doc.Dropped, rest)
			}
		}
		texts := make([]string, len(doc.Paragraphs))
		for i, para := range doc.Paragraphs {
			texts[i] = para.Text
		}
		doc.Lang = detectLang(texts)
		out = append(out, doc)
	}
	return out
}

// textExts are the extensions a prefix leaves out; "Apache-2.0" keeps its
// ".0", which is a version.
var textExts = []string{".txt", ".md", ".markdown", ".text", ".rst"}

// prefixWords splits a file name into lower-case words: "Apache-2.0" →
// apache 2 0, "security.md" → security.
func prefixWords(name string) []string {
	base := filepath.Base(name)
	for _, e := range textExts {
		if len(base) > len(e) && strings.EqualFold(base[len(base)-len(e):], e) {
			base = base[:len(base)-len(e)]
			break
		}
	}
	words := strings.FieldsFunc(strings.ToLower(base), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	// Start at the first word of two or more characters with a letter:
	// "2021-report" is "report", "a-faq" is "faq".
	for i, w := range words {
		if len([]rune(w)) > 1 && strings.IndexFunc(w, unicode.IsLetter) >= 0 {
			return words[i:]
		}
	}
	return words
}

// docPrefixes derives a short, unique prefix for each document: its first
// word, then as many more words as it takes to tell documents apart
// (gpl-2, gpl-3), then a number.
func docPrefixes(names []string) []string {
	words := make([][]string, len(names))
	n := make([]int, len(names)) // words used by each prefix
	for i, name := range names {
		words[i] = prefixWords(name)
		if len(words[i]) == 0 {
			words[i] = []string{"doc"}
		}
		n[i] = 1
	}
	make1 := func(i int) string {
		p := strings.Join(words[i][:n[i]], "-")
		if r := []rune(p); len(r) > maxPrefixRunes {
			p = strings.TrimRight(string(r[:maxPrefixRunes]), "-")
		}
		return p
	}
	for {
		count := map[string]int{}
		for i := range names {
			count[make1(i)]++
		}
		grew := false
		for i := range names {
			if count[make1(i)] > 1 && n[i] < len(words[i]) {
				n[i]++
				grew = true
			}
		}
		if !grew {
			break
		}
	}
	out := make([]string, len(names))
	used := map[string]bool{}
	for i := range names {
		p := make1(i)
		for k := 2; used[p]; k++ {
			p = make1(i) + "-" + strconv.Itoa(k)
		}
		used[p] = true
		out[i] = p
	}
	return out
}
