package corpus

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// golden renders a parse as one line per paragraph: label, section, and
// the first 20 characters of the text.
func golden(d *Document) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# title: %s\n", d.Title)
	for _, p := range d.Paragraphs {
		text := p.Text
		if utf8.RuneCountInString(text) > 20 {
			text = string([]rune(text)[:20]) + "…"
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\n", p.Label, p.Section, text)
	}
	return b.String()
}

func TestDeclarationGolden(t *testing.T) {
	d, err := Parse("seed_page.txt", []byte(readFile(t, "testdata/seed_page.txt")))
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "testdata/declaration.golden", golden(d))
}

func TestDeclarationStructure(t *testing.T) {
	d := Default()
	if d.Name != "embedded" {
		t.Errorf("Name = %q", d.Name)
	}
	if d.Title != "上海合作組織二十周年杜尚別宣言" {
		t.Errorf("Title = %q", d.Title)
	}
	if got := len(d.Paragraphs); got != 174 {
		t.Errorf("%d paragraphs, want 174", got)
	}
	pre, _ := d.Section(PreambleKey)
	if got := len(pre.Paragraphs); got != 9 {
		t.Errorf("%d preamble paragraphs, want 9", got)
	}
	first, last := d.Paragraphs[pre.Paragraphs[0]], d.Paragraphs[pre.Paragraphs[len(pre.Paragraphs)-1]]
	if !strings.HasPrefix(first.Text, "值此上海合作組織") || !strings.HasPrefix(last.Text, "根據2021年9月17日在杜尚別舉行的") ||
		!strings.HasSuffix(last.Text, "聲明如下:") {
		t.Errorf("preamble runs from %q to %q", first.Text, last.Text)
	}
	if first.Label != "序言¶1" || first.Section != "序言" {
		t.Errorf("first paragraph = %s in %q", first.Label, first.Section)
	}
	var parts []string
	for _, s := range d.Sections {
		if len(s.Path) == 1 {
			parts = append(parts, s.Key)
		}
	}
	if got := strings.Join(parts, " "); got != "一 二 三 四 五 六 七" {
		t.Errorf("parts = %s", got)
	}
	subs := map[string]int{}
	for _, s := range d.Sections {
		if len(s.Path) == 2 {
			subs[s.Key[:strings.Index(s.Key, "(")]]++
		}
	}
	if want := map[string]int{"三": 9, "四": 12, "五": 15, "六": 2}; !reflect.DeepEqual(subs, want) {
		t.Errorf("subsections per part = %v, want %v", subs, want)
	}
	p, ok := d.Paragraph("三(四)¶2")
	if !ok || p.Section != "三、安全領域 › (四)禁毒合作" || p.Key != "三(四)" || p.N != 2 {
		t.Errorf("三(四)¶2 = %+v", p)
	}
	if p, ok := d.Paragraph("三¶1"); !ok || p.Section != "三、安全領域" {
		t.Errorf("part 三 has no own paragraphs before (一): %+v", p)
	}
	for i, p := range d.Paragraphs {
		if _, isHeading := parseHeading(p.Text); isHeading {
			t.Errorf("paragraph %s is a heading: %q", p.Label, p.Text)
		}
		if want := fmt.Sprintf("%s¶%d", p.Key, p.N); p.Label != want {
			t.Errorf("paragraph %d label %q, want %q", i, p.Label, want)
		}
	}
}

// The shipped text is exactly what the cleaner makes of the raw page, and
// both parse to the same document.
func TestDeclarationIsCleanedSeed(t *testing.T) {
	raw := readFile(t, "testdata/seed_page.txt")
	checkGolden(t, "declaration.txt", CleanText(raw))
	fromSeed, err := Parse("x", []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	fromClean, err := Parse("x", DeclarationText())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromSeed, fromClean) {
		t.Errorf("Parse(seed_page.txt) != Parse(declaration.txt):\n%s\nvs\n%s", golden(fromSeed), golden(fromClean))
	}
}

// section describes an expected paragraph as "label|section|text".
func TestGenericFormats(t *testing.T) {
	tests := []struct {
		name, text string
		title      string
		want       []string
	}{
		{
			name: "chinese parts and full-width subsections",
			text: "前言段落。\n\n一、總則\n\n總則段落。\n\n（一）目的\n\n目的段落一。\n\n目的段落二。\n\n（二）範圍\n\n範圍段落。\n\n二、附則\n\n附則段落。\n",
			want: []string{"序言¶1|序言|前言段落。", "一¶1|一、總則|總則段落。", "一(一)¶1|一、總則 › （一）目的|目的段落一。",
				"一(一)¶2|一、總則 › （一）目的|目的段落二。", "一(二)¶1|一、總則 › （二）範圍|範圍段落。", "二¶1|二、附則|附則段落。"},
		},
		{
			name: "chapters and sections, one line per paragraph",
			text: "第一章 總則\n第一節 目的\n第一段。\n第二段。\n第二節 範圍\n第三段。\n第二章 附則\n第四段。\n",
			want: []string{"一(一)¶1|第一章 總則 › 第一節 目的|第一段。", "一(一)¶2|第一章 總則 › 第一節 目的|第二段。",
				"一(二)¶1|第一章 總則 › 第二節 範圍|第三段。", "二¶1|第二章 附則|第四段。"},
		},
		{
			name: "numbered three levels",
			text: "Intro text.\n\n1. Scope\n\nScope text.\n\n1.1 Purpose\n\nPurpose text.\n\n1.1.1 Detail\n\nDetail text.\n\n2. End\n\nEnd text.\n",
			want: []string{"序言¶1|序言|Intro text.", "1¶1|1. Scope|Scope text.", "1(1)¶1|1. Scope › 1.1 Purpose|Purpose text.",
				"1(1)(1)¶1|1. Scope › 1.1 Purpose › 1.1.1 Detail|Detail text.", "2¶1|2. End|End text."},
		},
		{
			name:  "markdown without numbers, wrapped lines",
			text:  "# Handbook\n\nOpening words\nwrapped onto a second line.\n\n## Setup\n\nInstall it.\n\n## Usage\n\nRun it.\n\n### Flags\n\nUse -v.\n",
			title: "Handbook",
			want: []string{"序言¶1|序言|Opening words wrapped onto a second line.", "1¶1|Setup|Install it.",
				"2¶1|Usage|Run it.", "2(1)¶1|Usage › Flags|Use -v."},
		},
		{
			name: "markdown with numbers and several top headings",
			text: "# 1 Alpha\n\nA.\n\n## 1.2 Beta\n\nB.\n\n# 2 Gamma\n\nC.\n",
			want: []string{"1¶1|1 Alpha|A.", "1(2)¶1|1 Alpha › 1.2 Beta|B.", "2¶1|2 Gamma|C."},
		},
		{
			name: "blank lines around headings only",
			text: "一、甲\n\n第一段。\n第二段。\n\n二、乙\n\n第三段,\n接着写完。\n",
			want: []string{"一¶1|一、甲|第一段。", "一¶2|一、甲|第二段。", "二¶1|二、乙|第三段,接着写完。"},
		},
		{
			name: "no structure",
			text: "Just one paragraph.\n\nAnd another one.\n",
			want: []string{"¶1||Just one paragraph.", "¶2||And another one."},
		},
		{
			name: "list items inside a block",
			text: "Rules:\n- first rule\n- second rule\n\nDone.\n",
			want: []string{"¶1||Rules:", "¶2||- first rule", "¶3||- second rule", "¶4||Done."},
		},
		{
			name: "repeated heading numbers stay unique",
			text: "一、甲\n\n甲段。\n\n一、乙\n\n乙段。\n",
			want: []string{"一¶1|一、甲|甲段。", "二¶1|一、乙|乙段。"},
		},
		{
			name: "years and counts are not headings",
			text: "2021年是重要的一年。\n\n3 questions remain open.\n",
			want: []string{"¶1||2021年是重要的一年。", "¶2||3 questions remain open."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse(tt.name, []byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if d.Title != tt.title {
				t.Errorf("title = %q, want %q", d.Title, tt.title)
			}
			var got []string
			for _, p := range d.Paragraphs {
				got = append(got, p.Label+"|"+p.Section+"|"+p.Text)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("paragraphs:\n got %q\nwant %q", got, tt.want)
			}
			for _, p := range d.Paragraphs {
				ps, err := d.Resolve(p.Label)
				if err != nil || len(ps) != 1 || ps[0] != p {
					t.Errorf("Resolve(%q) = %v, %v", p.Label, ps, err)
				}
			}
		})
	}
}

func TestManyHeadingsStayResolvable(t *testing.T) {
	var b strings.Builder
	for range 1005 {
		b.WriteString("## Item\n\nText.\n\n")
	}
	d, err := Parse("many.md", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Sections) != 1005 {
		t.Fatalf("%d sections", len(d.Sections))
	}
	for _, l := range []string{"1000", "1005", "1005¶1", "7"} {
		if ps, err := d.Resolve(l); err != nil || len(ps) != 1 {
			t.Errorf("Resolve(%q) = %d, %v", l, len(ps), err)
		}
	}
}
