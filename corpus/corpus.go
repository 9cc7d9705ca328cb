// Package corpus turns a document into cited paragraphs: it strips the junk a
// scraped web page carries, recognises the document's structure and gives
// every paragraph a canonical citation label such as 三(四)¶2.
//
// It has no dependencies beyond the standard library and knows nothing about
// embeddings, retrieval or chat.
package corpus

// Paragraph is one citable unit of a document.
type Paragraph struct {
	// Label is the canonical citation label: 序言¶3, 一¶7, 三(四)¶2.
	Label string `json:"label"`
	// Section is the path of enclosing headings with their titles,
	// e.g. "三、安全領域 › (四)禁毒合作"; "序言" for the preamble.
	Section string `json:"section"`
	// Text is the paragraph's text exactly as the document gives it, trimmed.
	Text string `json:"text"`
	// Key is the canonical label of the smallest enclosing (sub)section
	// ("三(四)", "一", "序言", or "" for a document without structure).
	Key string `json:"-"`
	// N is the 1-based number of the paragraph inside that section.
	N int `json:"-"`
}

// Section is a part or subsection of a document, in document order.
type Section struct {
	// Key is the section's canonical label without a paragraph number: "三(四)".
	Key string
	// Title is the heading path with titles, as in Paragraph.Section.
	Title string
	// Path is the numeric address: [3 4] for 三(四), [1] for 一, nil for the preamble.
	Path []int
	// Paragraphs holds the indexes into Document.Paragraphs of this section's
	// own paragraphs (not those of its subsections), in order.
	Paragraphs []int
}

// Document is a parsed document: its title, paragraphs and sections.
type Document struct {
	// Name says where the document came from (a path, or "embedded").
	Name string
	// Title is the document's title when one was found, else "".
	Title string
	// Paragraphs are the body paragraphs in document order; headings are not paragraphs.
	Paragraphs []Paragraph
	// Sections are all sections in document order, including the preamble when present.
	Sections []Section
}
