package corpus

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
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
		if _, isHeading := parseHeading(p.Text, hctx{start: true}); isHeading {
			t.Errorf("paragraph %s is a heading: %q", p.Label, p.Text)
		}
		if want := fmt.Sprintf("%s¶%d", p.Key, p.N); p.Label != want {
			t.Errorf("paragraph %d label %q, want %q", i, p.Label, want)
		}
	}
}

// The shipped text is exactly what the cleaner makes of the raw page, and
// both parse to the same document; only the page reports what it dropped.
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
	if len(fromSeed.Dropped) == 0 || len(fromClean.Dropped) != 0 {
		t.Errorf("dropped %d lines of the page and %d of the clean text", len(fromSeed.Dropped), len(fromClean.Dropped))
	}
	fromSeed.Dropped = nil
	if !reflect.DeepEqual(fromSeed, fromClean) {
		t.Errorf("Parse(seed_page.txt) != Parse(declaration.txt):\n%s\nvs\n%s", golden(fromSeed), golden(fromClean))
	}
}

// Each want entry describes a paragraph as "label|section|text"; every
// label must resolve to its paragraph and every section key without error
// or with ErrEmptySection.
func TestGenericFormats(t *testing.T) {
	tests := []struct {
		name, text string
		title      string // "" means the name, the file-name fallback
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
			name: "chinese articles run into their text, inside chapters",
			text: "第一章 总则\n第一条 为了规范管理，制定本办法。\n本办法自公布之日起施行。\n第二条 本办法适用于全市。\n第二章 附则\n第三条 本办法由市政府解释。\n",
			want: []string{"一(一)¶1|第一章 总则 › 第一条|为了规范管理，制定本办法。", "一(一)¶2|第一章 总则 › 第一条|本办法自公布之日起施行。",
				"一(二)¶1|第一章 总则 › 第二条|本办法适用于全市。", "二(三)¶1|第二章 附则 › 第三条|本办法由市政府解释。"},
		},
		{
			// Items ending in full-width ；or ： are sentences, not headings:
			// read as headings, all but the last were lost.
			name: "an article's enumerated items are its paragraphs",
			text: "第六条 室内禁止吸烟。\n\n第七条 下列场所禁止吸烟：\n\n（一）幼儿园；\n\n（二）儿童医院；\n\n（三）其他场所。\n\n政府可以设立临时区域。\n",
			want: []string{"六¶1|第六条|室内禁止吸烟。", "七¶1|第七条|下列场所禁止吸烟：", "七¶2|第七条|（一）幼儿园；",
				"七¶3|第七条|（二）儿童医院；", "七¶4|第七条|（三）其他场所。", "七¶5|第七条|政府可以设立临时区域。"},
		},
		{
			name:  "an HTML comment is no text",
			text:  "# 条例\n\n<!-- INFO END -->\n\n第一条 为了保障健康，制定本条例。\n\n<!-- a comment\nover lines -->\n\n第二条 本条例适用于本市。\n",
			title: "条例",
			want:  []string{"一¶1|第一条|为了保障健康，制定本条例。", "二¶1|第二条|本条例适用于本市。"},
		},
		{
			name:  "markdown reference links read as inline links, their definitions as nothing",
			text:  "# Guide\n\nAsk in [the forum][forum] or on [GitHub][].\nSee [Docs] and [inline](https://x.test/i).\n\n[forum]: https://forum.test \"Forum\"\n[github]: <https://github.test>\n[docs]: https://docs.test\n",
			title: "Guide",
			want:  []string{"¶1||Ask in [the forum](https://forum.test) or on [GitHub](https://github.test). See [Docs](https://docs.test) and [inline](https://x.test/i)."},
		},
		{
			name:  "an FAQ's answers join their questions",
			text:  "FAQ\n\nQ. Why is it slow?\n\nQ. Why is it\nslow on Sundays?\n\nA. Because of backups.\n\nMore on backups.\n\nQ: Can I help?\n\nA: Yes.\n\n问：怎么安装？\n\n答：运行脚本。\n\nA. grade is given.\n",
			title: "FAQ",
			want: []string{"¶1||Q. Why is it slow?\nQ. Why is it slow on Sundays?\nA. Because of backups.", "¶2||More on backups.",
				"¶3||Q: Can I help?\nA: Yes.", "¶4||问：怎么安装？\n答：运行脚本。", "¶5||A. grade is given."},
		},
		{
			name:  "an unclosed comment is text",
			text:  "# Notes\n\n<!-- not closed\n\nText.\n\n<!-- a --> trailing words\n",
			title: "Notes",
			want:  []string{"¶1||<!-- not closed", "¶2||Text.", "¶3||<!-- a --> trailing words"},
		},
		{
			name: "numbered three levels keep their dots",
			text: "Intro text.\n\n1. Scope\n\nScope text.\n\n1.1 Purpose\n\nPurpose text.\n\n1.1.1 Detail\n\nDetail text.\n\n2. End\n\nEnd text.\n",
			want: []string{"¶1||Intro text.", "1¶1|1. Scope|Scope text.", "1.1¶1|1. Scope › 1.1 Purpose|Purpose text.",
				"1.1.1¶1|1. Scope › 1.1 Purpose › 1.1.1 Detail|Detail text.", "2¶1|2. End|End text."},
		},
		{
			name:  "indented numbered headings, run-in headings, hard wraps and clauses",
			text:  "Terms\n\n   1. Definitions.\n\n      \"You\" means the\n      licensee.\n\n   2. Grant of License. Subject to the terms of\n      this License, you may copy it.\n\n   3. Redistribution. You may redistribute it\n      provided that:\n\n      (a) You must give a copy; and\n\n      (b) You must keep\n          notices.\n\n      You may add terms.\n\n   4. Trademarks.\n      Names are not granted.\n",
			title: "Terms",
			want: []string{"1¶1|1. Definitions.|\"You\" means the licensee.", "2¶1|2. Grant of License.|Subject to the terms of this License, you may copy it.",
				"3¶1|3. Redistribution.|You may redistribute it provided that:", "3(a)¶1|3. Redistribution. › (a)|You must give a copy; and",
				"3(b)¶1|3. Redistribution. › (b)|You must keep notices.", "3¶2|3. Redistribution.|You may add terms.",
				"4¶1|4. Trademarks.|Names are not granted."},
		},
		{
			name: "section zero, a) clauses and a wrapped line starting with a number",
			text: "0. Definitions.\n\nTerms are defined.\n\n1. Conveying.\n\nYou may convey it under these conditions:\n\na) The work must carry notices under section\n7.  This modifies section 4.\n\nc) Out of order.\n\nb) You must license it.\n\nA compilation is not covered.\n",
			want: []string{"0¶1|0. Definitions.|Terms are defined.", "1¶1|1. Conveying.|You may convey it under these conditions:",
				"1(a)¶1|1. Conveying. › a)|The work must carry notices under section 7.  This modifies section 4.",
				"1¶2|1. Conveying.|c) Out of order.", "1(b)¶1|1. Conveying. › b)|You must license it.", "1¶3|1. Conveying.|A compilation is not covered."},
		},
		{
			name: "section words",
			text: "SECTION 1. PURPOSE\n\nThe purpose.\n\nSection 2 – Fees\n\nFees apply.\n\nSection 3 of the Act applies here.\n\n§ 3\n\nThird.\n",
			want: []string{"1¶1|SECTION 1. PURPOSE|The purpose.", "2¶1|Section 2 – Fees|Fees apply.",
				"2¶2|Section 2 – Fees|Section 3 of the Act applies here.", "3¶1|§ 3|Third."},
		},
		{
			name: "articles hold sections",
			text: "ARTICLE I – NAME\n\nThe name.\n\nSection 1. Short Name.\n\nShort.\n\nARTICLE II\n\nSection 1\n\nFirst.\n\nArticle 3\n\nThird.\n",
			want: []string{"I¶1|ARTICLE I – NAME|The name.", "I(1)¶1|ARTICLE I – NAME › Section 1. Short Name.|Short.",
				"II(1)¶1|ARTICLE II › Section 1|First.", "3¶1|Article 3|Third."},
		},
		{
			name: "dotted definitions and numbered paragraphs",
			text: "1. Definitions\n--------------\n\n1.1. \"Contributor\"\n    means each person.\n\n1.2. \"License\"\n    means this document.\n\n5. Termination\n--------------\n\n5.1. The rights granted under this License will terminate automatically\nif You fail to comply.\n\n5.2. If You sue, the rights end.\n\n9.1. Orphan text stays text.\n\n10. Versions\n------------\n\n10.4. Distributing Source Code Form that is Incompatible With Secondary\nLicenses\n\nIf You choose to do so, attach the notice.\n",
			want: []string{"1.1¶1|1. Definitions › 1.1. \"Contributor\"|means each person.", "1.2¶1|1. Definitions › 1.2. \"License\"|means this document.",
				"5.1¶1|5. Termination › 5.1.|The rights granted under this License will terminate automatically if You fail to comply.",
				"5.2¶1|5. Termination › 5.2.|If You sue, the rights end.",
				"5.2¶2|5. Termination › 5.2.|9.1. Orphan text stays text.",
				"10.4¶1|10. Versions › 10.4. Distributing Source Code Form that is Incompatible With Secondary Licenses|If You choose to do so, attach the notice."},
		},
		{
			name: "roman numerals need I and II",
			text: "I. Introduction\n\nWhy.\n\nII. Scope\n\n1. Users\n\nWho.\n\nIII. End\n\nDone.\n",
			want: []string{"I¶1|I. Introduction|Why.", "II(1)¶1|II. Scope › 1. Users|Who.", "III¶1|III. End|Done."},
		},
		{
			name:  "a lone roman initial is text",
			text:  "Notes\n\nV. Smith wrote this.\n\nMore text.\n",
			title: "Notes",
			want:  []string{"¶1||V. Smith wrote this.", "¶2||More text."},
		},
		{
			name:  "markdown without numbers, wrapped lines",
			text:  "# Handbook\n\nOpening words\nwrapped onto a second line.\n\n## Setup\n\nInstall it.\n\n## Usage\n\nRun it.\n\n### Flags\n\nUse -v.\n",
			title: "Handbook",
			want: []string{"¶1||Opening words wrapped onto a second line.", "1¶1|Setup|Install it.",
				"2¶1|Usage|Run it.", "2(1)¶1|Usage › Flags|Use -v."},
		},
		{
			name:  "markdown with numbers and several top headings",
			text:  "# 1 Alpha\n\nA.\n\n## 1.2 Beta\n\nB.\n\n# 2 Gamma\n\nC.\n",
			title: "markdown with numbers and several top headings",
			want:  []string{"1¶1|1 Alpha|A.", "1.2¶1|1 Alpha › 1.2 Beta|B.", "2¶1|2 Gamma|C."},
		},
		{
			name:  "markdown numbered lists are lists, code is code",
			text:  "# Guide\n\n## Install\n\nSteps:\n\n1. Download it.\n2. Run it.\n\n```sh\n# not a heading\n\nmake   install\n```\n\n## Use\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
			title: "Guide",
			want: []string{"1¶1|Install|Steps:\n1. Download it.\n2. Run it.", "1¶2|Install|```sh\n# not a heading\n\nmake   install\n```",
				"2¶1|Use|| a | b |\n|---|---|\n| 1 | 2 |"},
		},
		{
			name:  "first markdown heading titles a document with several",
			text:  "# Intro\n\nHello.\n\n# Usage\n\nRun.\n",
			title: "Intro",
			want:  []string{"1¶1|Intro|Hello.", "2¶1|Usage|Run."},
		},
		{
			name:  "setext headings",
			text:  "Manual\n======\n\nUsage\n-----\n\nRun it.\n\nText under a rule\nthat goes on.\n\n---\n\nLast.\n",
			title: "Manual",
			want:  []string{"1¶1|Usage|Run it.", "1¶2|Usage|Text under a rule that goes on.", "1¶3|Usage|Last."},
		},
		{
			name:  "appendix and exhibit are named sections",
			text:  "Licence\n\n1. Grant.\n\nYou may use it.\n\nAPPENDIX: How to apply the licence.\n\nCopyright [yyyy] [name of copyright owner]\n\nExhibit A - Notice\n\nThis is the notice.\n",
			title: "Licence",
			want: []string{"1¶1|1. Grant.|You may use it.", "Appendix¶1|APPENDIX: How to apply the licence.|Copyright [yyyy] [name of copyright owner]",
				"ExhibitA¶1|Exhibit A - Notice|This is the notice."},
		},
		{
			name:  "preamble line names the preamble",
			text:  "The Licence\n\nPreamble\n\nWhy we wrote it.\n\n1. Terms.\n\nThe terms.\n",
			title: "The Licence",
			want:  []string{"¶1|Preamble|Why we wrote it.", "1¶1|1. Terms.|The terms."},
		},
		{
			name:  "all-caps banners stay paragraphs",
			text:  "My Licence\n\nTERMS AND CONDITIONS\n\n1. Scope.\n\nText.\n\nEND OF TERMS AND CONDITIONS\n",
			title: "My Licence",
			want:  []string{"¶1||TERMS AND CONDITIONS", "1¶1|1. Scope.|Text.", "1¶2|1. Scope.|END OF TERMS AND CONDITIONS"},
		},
		{
			name: "an unclosed fence runs to the end as code",
			text: "Intro.\n\n```\n# x\n\n## y\n",
			want: []string{"¶1||Intro.", "¶2||```\n# x\n\n## y"},
		},
		{
			name:  "boxed section",
			text:  "Terms\n\n1. Grant.\n\nYou may.\n\n************************\n*                      *\n*  2. Disclaimer       *\n*  -------------       *\n*                      *\n*  Provided as is,     *\n*  without warranty.   *\n*                      *\n************************\n",
			title: "Terms",
			want:  []string{"1¶1|1. Grant.|You may.", "2¶1|2. Disclaimer|Provided as is, without warranty."},
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
			name: "a lead-in and its tight list are one paragraph",
			text: "Rules:\n- first rule\n- second rule\n\nYou must:\n\n* sign,\n  in ink;\n* date it.\n\nDone.\n",
			want: []string{"¶1||Rules:\n- first rule\n- second rule", "¶2||You must:\n* sign, in ink;\n* date it.", "¶3||Done."},
		},
		{
			name: "a loose list keeps one paragraph per item",
			text: "The steps:\n\n* First step\n  in detail.\n\n* Second step.\n\nEnd.\n",
			want: []string{"¶1||The steps:", "¶2||* First step in detail.", "¶3||* Second step.", "¶4||End."},
		},
		{
			name: "lists without blank lines",
			text: "須知:\n1. 帶證件\n2. 準時到\n結束。\n",
			want: []string{"¶1||須知:\n1. 帶證件\n2. 準時到", "¶2||結束。"},
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
			if want := cmp.Or(tt.title, tt.name); d.Title != want {
				t.Errorf("title = %q, want %q", d.Title, want)
			}
			var got []string
			for _, p := range d.Paragraphs {
				got = append(got, p.Label+"|"+p.Section+"|"+p.Text)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("paragraphs:\n got %q\nwant %q", got, tt.want)
			}
			checkResolvable(t, d)
		})
	}
}

// checkResolvable asserts the invariants every parse keeps: labels unique,
// each paragraph label resolving to exactly its paragraph, each section key
// resolving or reporting an empty section.
func checkResolvable(t testing.TB, d *Document) {
	t.Helper()
	seen := map[string]bool{}
	for _, l := range d.Labels() {
		if seen[l] {
			t.Fatalf("duplicate label %q", l)
		}
		seen[l] = true
	}
	for _, p := range d.Paragraphs {
		ps, err := d.Resolve(p.Label)
		if err != nil || len(ps) != 1 || ps[0] != p {
			t.Fatalf("Resolve(%q) = %v, %v; want the paragraph itself", p.Label, ps, err)
		}
	}
	for _, s := range d.Sections {
		if s.Key == "" || strings.HasSuffix(s.Key, ":") {
			continue
		}
		ps, err := d.Resolve(s.Key)
		if err != nil && !errors.Is(err, ErrEmptySection) || err == nil && len(ps) == 0 {
			t.Fatalf("section key %q: %d paragraphs, %v", s.Key, len(ps), err)
		}
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

// goldenFull renders a whole parse for review: title, language, dropped
// lines, sections, then every paragraph in full with its list lines
// marked ⏎.
func goldenFull(d *Document) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# title: %s\n# lang: %s\n# dropped: %d\n", d.Title, d.Lang, len(d.Dropped))
	for _, l := range d.Dropped {
		fmt.Fprintf(&b, "-\t%s\n", l)
	}
	b.WriteString("# sections\n")
	for _, s := range d.Sections {
		fmt.Fprintf(&b, "§%s\t%s\t%d\n", s.Key, s.Title, len(s.Paragraphs))
	}
	b.WriteString("# paragraphs\n")
	for _, p := range d.Paragraphs {
		fmt.Fprintf(&b, "%s\t%s\n", p.Label, strings.ReplaceAll(p.Text, "\n", " ⏎ "))
	}
	return b.String()
}

// Real documents of other kinds, parsed whole (see testdata/README.md).
func TestRealDocumentsGolden(t *testing.T) {
	for _, tt := range []struct{ doc, golden string }{
		{"testdata/apache-2.0.txt", "testdata/apache-2.0.golden"},
		{"testdata/security.md", "testdata/security.golden"},
		{"testdata/smoking-control.md", "testdata/smoking-control.golden"},
		{"testdata/governance.md", "testdata/governance.golden"},
	} {
		t.Run(tt.doc, func(t *testing.T) {
			d, err := Load(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.golden, goldenFull(d))
			checkResolvable(t, d)
		})
	}
}

// A handful of labels per licence must resolve to the right text, and the
// section structure must be the licence's own.
func TestLicenceStructure(t *testing.T) {
	tests := []struct {
		doc, title string
		sections   int               // top-level numbered sections
		refs       map[string]string // reference → start of the first paragraph it resolves to
	}{
		{"testdata/apache-2.0.txt", "Apache License, Version 2.0, January 2004", 9, map[string]string{
			"6":           "This License does not grant permission to use the trade",
			"4(d)¶1":      `If the Work includes a "NOTICE" text file`,
			"clause 4(d)": `If the Work includes a "NOTICE" text file`,
			"4¶2":         "You may add Your own copyright statement",
			"section 2":   "Subject to the terms and conditions of this License, each Contributor hereby grants to You a perpetual",
			"1¶3":         `"Legal Entity" shall mean`,
			"appendix":    "To apply the Apache License to your work",
			"Appendix¶2":  "Copyright [yyyy] [name of copyright owner]",
			"preamble 1":  "http://www.apache.org/licenses/",
			"¶2":          "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
			"序言¶2":        "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
			"9":           "While redistributing the Work",
		}},
		{"testdata/gpl-3.0.txt", "GNU GENERAL PUBLIC LICENSE, Version 3, 29 June 2007", 18, map[string]string{
			"0¶1":        `"This License" refers to version 3`,
			"section 0":  `"This License" refers to version 3`,
			"5(b)":       "The work must carry prominent notices stating that it is released under this License and any conditions added under section 7.  This requirement",
			"5¶2":        "A compilation of a covered work",
			"6(e)":       "Convey the object code using peer-to-peer transmission",
			"7(f)¶1":     "Requiring indemnification of licensors",
			"section 15": "THERE IS NO WARRANTY FOR THE PROGRAM",
			"preamble 2": "The GNU General Public License is a free, copyleft license",
		}},
		{"testdata/mpl-2.0.txt", "Mozilla Public License Version 2.0", 10, map[string]string{
			"1.1":        "means each individual or legal entity that creates",
			"1.5(a)":     "that the initial Contributor has attached the notice described in Exhibit B",
			"2.1(b)":     "under Patent Claims of such Contributor",
			"§2.3":       "The licenses granted in this Section 2 are the only rights",
			"2.3¶2":      "This License does not grant any rights in the trademarks",
			"5.2":        "If You initiate litigation",
			"6":          `Covered Software is provided under this License on an "as is"`,
			"10.4":       "If You choose to distribute Source Code Form",
			"Exhibit A":  "This Source Code Form is subject to the terms of the Mozilla Public",
			"exhibitb¶1": `This Source Code Form is "Incompatible With Secondary Licenses"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			d, err := Load(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if d.Title != tt.title || d.Lang != "en" || len(d.Dropped) != 0 {
				t.Errorf("title %q lang %q dropped %q", d.Title, d.Lang, d.Dropped)
			}
			top := 0
			for _, s := range d.Sections {
				if len(s.Path) == 1 && s.Path[0] >= 0 {
					top++
				}
			}
			if top != tt.sections {
				t.Errorf("%d top-level sections, want %d", top, tt.sections)
			}
			for ref, want := range tt.refs {
				ps, err := d.Resolve(ref)
				if err != nil {
					t.Errorf("Resolve(%q): %v", ref, err)
					continue
				}
				if !strings.HasPrefix(ps[0].Text, want) {
					t.Errorf("Resolve(%q) = %s %q…, want %q…", ref, ps[0].Label, ps[0].Text[:min(len(ps[0].Text), 60)], want)
				}
			}
			checkResolvable(t, d)
		})
	}
}

func TestTitle(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"x.md", "# Handbook\n\nText.\n\n## A\n\nMore.\n", "Handbook"},
		{"x.md", "Manual\n======\n\nText.\n", "Manual"},
		{"x.txt", "GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n\nText.\n", "GNU GENERAL PUBLIC LICENSE, Version 3, 29 June 2007"},
		{"x.txt", "Tea Rules\nA guide for everyone\n\nText.\n", "Tea Rules"},
		{"/srv/docs/notes.txt", "Just text.\n\nMore text.\n", "notes"},
		{"Apache-2.0", "1. Definitions.\n\nText.\n", "Apache-2.0"},
		{"policy.md", "## 1. Scope\n\nText.\n", "policy"},
		{"guide.md", "## Install\n\nText.\n\n## Use\n\nMore.\n", "Install"},
	}
	for _, tt := range tests {
		d, err := Parse(tt.name, []byte(tt.text))
		if err != nil {
			t.Fatal(err)
		}
		if d.Title != tt.want {
			t.Errorf("Parse(%s, %q).Title = %q, want %q", tt.name, tt.text, d.Title, tt.want)
		}
	}
}

func TestLang(t *testing.T) {
	tests := []struct{ text, want string }{
		{"成員國強調,必須共同加大努力。2021年。", "zh"},
		{"The parties agree (Article 2).", "en"},
		{"Les États parties conviennent de coopérer.", "en"},
		{"Стороны договорились о сотрудничестве.", ""},
		{"12345 — 678", ""},
		{"上合組織 SCO member states 成員國加強合作", "zh"},
	}
	for _, tt := range tests {
		if got := detectLang([]string{tt.text}); got != tt.want {
			t.Errorf("detectLang(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	if Default().Lang != "zh" {
		t.Errorf("declaration Lang = %q", Default().Lang)
	}
}

// A table of contents, list items that only link to the document's own
// headings, is left out and reported; a list with any other item stays.
func TestTableOfContents(t *testing.T) {
	d, err := Parse("guide.md", []byte("# Guide\n\n<!-- TOC -->\n\n* [Setup](#setup)\n* [Usage](#usage)\n\n<!-- /TOC -->\n\n## Setup\n\nInstall it.\n\n* [Setup](#setup)\n* [the site](https://x.test)\n\n## Usage\n\nRun it.\n"))
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, p := range d.Paragraphs {
		texts = append(texts, p.Label+" "+p.Text)
	}
	want := []string{"1¶1 Install it.", "1¶2 * [Setup](#setup)\n* [the site](https://x.test)", "2¶1 Run it."}
	if !slices.Equal(texts, want) {
		t.Errorf("paragraphs = %q, want %q", texts, want)
	}
	if want := []string{"* [Setup](#setup)", "* [Usage](#usage)"}; !slices.Equal(d.Dropped, want) {
		t.Errorf("Dropped = %q, want %q", d.Dropped, want)
	}
}
