// Package corpus turns documents into cited paragraphs: it strips the junk a
// scraped web page carries, recognises a document's own structure (Chinese
// parts and subsections, numbered and dotted sections, lettered clauses,
// Markdown headings …) and gives every paragraph a canonical citation label
// such as 三(四)¶2 or 4(d)¶1. Several documents can be served as one corpus,
// their labels prefixed with a short document name (apache:4(d)¶1).
//
// It has no dependencies beyond the standard library and knows nothing about
// embeddings, retrieval or chat.
package corpus

// Paragraph is one citable unit of a document.
type Paragraph struct {
	// Label is the canonical citation label: 序言¶3, 一¶7, 三(四)¶2, 4(d)¶1,
	// ¶2, or apache:4(d)¶1 in a corpus of several documents.
	Label string `json:"label"`
	// Section is the path of enclosing headings with their titles,
	// e.g. "三、安全領域 › (四)禁毒合作"; "序言" for a Chinese preamble.
	Section string `json:"section"`
	// Text is the paragraph's text as the document gives it: wrapped lines
	// joined, list items and table rows kept on lines of their own.
	Text string `json:"text"`
	// Key is the canonical label of the smallest enclosing (sub)section
	// ("三(四)", "4(d)", "序言", or "" for text before any heading outside
	// Chinese documents).
	Key string `json:"-"`
	// N is the 1-based number of the paragraph inside that section.
	N int `json:"-"`
	// Doc is the prefix of the document the paragraph comes from in a merged
	// corpus ("apache"), "" in a single document; Document.Parts names it.
	Doc string `json:"doc,omitempty"`
}

// Section is a part or subsection of a document, in document order.
type Section struct {
	// Key is the section's canonical label without a paragraph number: "三(四)".
	Key string
	// Title is the heading path with titles, as in Paragraph.Section.
	Title string
	// Path is the numeric address: [3 4] for 三(四), [4 4] for 4(d) (a
	// letter counts as its place in the alphabet), nil for the preamble.
	// Named sections (Appendix, Exhibit A) start with a negative number so
	// that no numeric reference reaches them.
	Path []int
	// Paragraphs holds the indexes into Document.Paragraphs of this section's
	// own paragraphs (not those of its subsections), in order.
	Paragraphs []int
	// Doc is the document prefix in a merged corpus, as in Paragraph.Doc.
	Doc string
}

// Document is a parsed document (or several merged): its title, paragraphs
// and sections.
type Document struct {
	// Name says where the document came from (a path, or "embedded"); a
	// merged corpus lists its documents' names.
	Name string
	// Title is the document's title line or first heading, else its file
	// name without directory and extension. Callers may overwrite it.
	Title string
	// Lang is "zh" when Han characters dominate the text, "en" for mostly
	// ASCII Latin-script text, else "" (other scripts, or a mixed corpus).
	Lang string
	// Paragraphs are the body paragraphs in document order; headings are not paragraphs.
	Paragraphs []Paragraph
	// Sections are all sections in document order, including the preamble when present.
	Sections []Section
	// Dropped are the non-blank lines left out, so that a caller can say
	// what was: those the page cleaner removed as boilerplate (only text
	// that looks like a scraped web page is cleaned), in order, then the
	// lines of a table of contents.
	Dropped []string
	// Parts lists the documents of a merged corpus, in order; it is nil for
	// a single document.
	Parts []Part
}

// Part is one document of a merged corpus.
type Part struct {
	// Prefix starts the labels of this document's paragraphs ("apache" in apache:4¶1).
	Prefix string
	// Name is the document's own name, as in Document.Name.
	Name string
	// Title is the document's own title, which the merged Title joins.
	Title string
}

// File is a named document held in memory, for ParseFiles.
type File struct {
	// Name is used in errors and for the document's prefix and title, as a path would be.
	Name string
	// Data is the document's text, UTF-8.
	Data []byte
}
