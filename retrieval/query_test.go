package retrieval

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/glossary"
)

// A document is called by the initials of its title's words, stop words
// left out; a question using them names the document.
func TestAcronyms(t *testing.T) {
	tests := []struct {
		title string
		want  []string // among the acronyms
		not   []string
	}{
		{"Mozilla Public License Version 2.0", []string{"mpl", "mplv"}, []string{"m", "2"}},
		{"GNU General Public License", []string{"gpl", "ggpl"}, []string{"gl"}},
		{"Universal Declaration of Human Rights", []string{"udhr", "hr"}, []string{"udohr", "ofhr"}},
		{"The Apache License", []string{"al"}, []string{"tal"}},
		{"上海合作组织", nil, []string{""}},
	}
	for _, tt := range tests {
		got := acronyms(analysis.Fold(tt.title))
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("acronyms(%q) = %v, want %q among them", tt.title, got, w)
			}
		}
		for _, w := range tt.not {
			if slices.Contains(got, w) {
				t.Errorf("acronyms(%q) = %v, want no %q", tt.title, got, w)
			}
		}
	}
}

// A question names the document by its initials, its name (the title's
// first word), or two or more title words together; a title word alone is
// what the question asks about.
func TestNaming(t *testing.T) {
	build := func(text string) *Index { return buildText(t, text, nil) }
	mpl := build("# Mozilla Public License Version 2.0\n\n## Versions\n\nA later version of this License.\n")
	security := build("# Security Policy\n\nReport security bugs privately.\n")
	tests := []struct {
		ix       *Index
		question string
		want     []string
	}{
		{mpl, "is this under the Mozilla Public License?", []string{"licens", "mozilla", "public"}},
		{mpl, "can i use the MPL for my code", []string{"mpl"}},
		{mpl, "is mozilla's code free?", []string{"mozilla"}},
		{mpl, "can i use a later version of the license?", nil},
		{mpl, "which version, public or not?", nil},
		{security, "how do i report security holes?", nil},
		{security, "what does the security policy say about bugs?", []string{"polici", "secur"}},
	}
	for _, tt := range tests {
		got := slices.Sorted(maps.Keys(tt.ix.naming(analysis.Fold(tt.question))))
		if !slices.Equal(got, tt.want) {
			t.Errorf("naming(%q) = %v, want %v", tt.question, got, tt.want)
		}
	}
}

// Sentence-final particles are framing at the end of a clause only: inside
// one they are part of a word.
func TestStripFraming(t *testing.T) {
	tests := []struct{ in, keep, drop string }{
		{"网吧里抽烟归谁管?", "网吧", ""},
		{"吗啡算毒品吗?", "吗啡", "品吗"},
		{"可以抽烟吧,对吗", "可以抽烟", "吧"},
		{"酒吧呢", "酒吧", "呢"},
		{"有什么讲究啊", "讲究", "什么"},
	}
	for _, tt := range tests {
		got := stripFraming(analysis.Fold(tt.in))
		if !strings.Contains(got, tt.keep) || tt.drop != "" && strings.Contains(got, tt.drop) {
			t.Errorf("stripFraming(%q) = %q, want %q kept and %q gone", tt.in, got, tt.keep, tt.drop)
		}
	}
}

// A document's capitalised phrases are found by their initials; a phrase
// is capitalised words with minor words between, not across punctuation.
func TestExpansions(t *testing.T) {
	doc, err := corpus.Parse("doc.md", []byte("# Terms\n\nThis is the GNU General Public License. See the Universal Declaration of Human Rights, and the General Public License again.\n\nCommon Vulnerabilities and Exposures, or CVE ids.\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := expansions(doc)
	for a, want := range map[string]string{"gpl": "general public license", "udhr": "universal declaration of human rights", "cve": "common vulnerabilities and exposures"} {
		if got[a] != want {
			t.Errorf("expansions[%s] = %q, want %q", a, got[a], want)
		}
	}
	for _, a := range []string{"ggpl", "gp", "dhrg", "rgpl"} {
		if p, ok := got[a]; ok {
			t.Errorf("expansions[%s] = %q, want none", a, p)
		}
	}
}

// What is indexed is what a reader sees: a Markdown link's text, not its
// target; the judgement still reads the target, an address a contact
// question wants.
func TestFoldPassagesHidesLinkTargets(t *testing.T) {
	doc, err := corpus.Parse("doc.md", []byte("# Policy\n\n## Reports\n\nReport bugs via [HackerOne](https://hackerone.test/widgets).\n\nWidgets are blue.\n"))
	if err != nil {
		t.Fatal(err)
	}
	texts, _, folded, shown := foldPassages(doc)
	if strings.Contains(texts[0], "hackerone.test") || strings.Contains(folded[0], "widgets") {
		t.Errorf("indexed %q, %q: want the link target left out", texts[0], folded[0])
	}
	if !strings.Contains(texts[0], "[hackerone]") || !strings.Contains(shown[0], "https://hackerone.test/widgets") {
		t.Errorf("indexed %q, shown %q: want the link text indexed and the target shown", texts[0], shown[0])
	}
	ix := buildOf(t, doc, nil)
	res, err := ix.Search(context.Background(), "what colour are widgets", 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := labels(res.Hits); len(got) == 0 || got[0] != "1¶2" {
		t.Errorf("hits = %v, want 1¶2 first", got)
	}
}

// A Chinese question on an English document keeps its content words and
// loses its function words; on a Chinese document it keeps both, for the
// document's frequencies weigh them.
func TestChineseStopWordsAcrossLanguages(t *testing.T) {
	build := func(text string) *Index { return buildText(t, text, GlossaryLexicon{glossary.Default()}) }
	english := build("# Policy\n\nThe source code may be changed, and possibly published.\n\nReport bugs privately.\n")
	chinese := build("# 政策\n\n源代码或者可以公开。\n\n漏洞要私下报告。\n")
	const question = "或者代码可以公开吗"
	words := func(ix *Index) []string {
		var out []string
		for _, w := range ix.analyse(question).words {
			out = append(out, w.word)
		}
		return out
	}
	if got := words(english); slices.Contains(got, "或者") || slices.Contains(got, "可以") || !slices.Contains(got, "代码") || !slices.Contains(got, "公开") {
		t.Errorf("words on an English document = %v, want 代码 and 公开 without 或者 and 可以", got)
	}
	if got := words(chinese); !slices.Contains(got, "或者") {
		t.Errorf("words on a Chinese document = %v, want 或者 kept", got)
	}

	// A verb said in one character is carried across too, as the
	// glossary's own senses of the character; the characters of words,
	// and function characters, are not.
	lone := func(ix *Index, question string) []string {
		var out []string
		for _, w := range ix.analyse(question).words {
			if utf8.RuneCountInString(w.word) == 1 {
				out = append(out, w.word)
			}
		}
		return out
	}
	if got := lone(english, "我把代码改了,要发吗"); !slices.Equal(got, []string{"改", "发"}) {
		t.Errorf("lone characters on an English document = %v, want [改 发]", got)
	}
	if got := lone(chinese, "我把代码改了,要发吗"); got != nil {
		t.Errorf("lone characters on a Chinese document = %v, want none", got)
	}
	res, err := english.Search(context.Background(), "代码改了要公开吗", 1)
	if err != nil || len(res.Hits) == 0 || res.Hits[0].Paragraph.Label != "¶1" {
		t.Errorf("search = %+v, %v; want ¶1, which says the code may be changed", res.Hits, err)
	}
}
