package corpus

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/citebot/citebot/internal/lazyre"
)

func TestParseRef(t *testing.T) {
	tests := []struct {
		in   string
		want Ref
	}{
		{"三(四)¶2", Ref{Path: []int{3, 4}, Para: 2}},
		{"三（四）2", Ref{Path: []int{3, 4}, Para: 2}},
		{"3.4.2", Ref{Path: []int{3, 4}, Para: 2}},
		{"3(4)2", Ref{Path: []int{3, 4}, Para: 2}},
		{"3.4", Ref{Path: []int{3, 4}}},
		{"3(4)", Ref{Path: []int{3, 4}}},
		{"五(十三)", Ref{Path: []int{5, 13}}},
		{"五（十三）¶1", Ref{Path: []int{5, 13}, Para: 1}},
		{"三¶7", Ref{Path: []int{3}, Para: 7}},
		{"3¶7", Ref{Path: []int{3}, Para: 7}},
		{"序言¶3", Ref{Preamble: true, Para: 3}},
		{"序言", Ref{Preamble: true}},
		{"preamble 3", Ref{Preamble: true, Para: 3}},
		{"Preamble ¶3", Ref{Preamble: true, Para: 3}},
		{"§3.4", Ref{Path: []int{3, 4}}},
		{"section 3(4)", Ref{Path: []int{3, 4}}},
		{"Section 4(11)", Ref{Path: []int{4, 11}}},
		{"第三部分第四节", Ref{Path: []int{3, 4}}},
		{"第三部分第四節", Ref{Path: []int{3, 4}}},
		{"第三部分", Ref{Path: []int{3}}},
		{"第三部分第四节第2段", Ref{Path: []int{3, 4}, Para: 2}},
		{"３（４）２", Ref{Path: []int{3, 4}, Para: 2}},
		{"３．４", Ref{Path: []int{3, 4}}},
		{"三", Ref{Path: []int{3}}},
		{"3", Ref{Path: []int{3}}},
		{"一(一)(二)¶3", Ref{Path: []int{1, 1, 2}, Para: 3}},
		{"¶5", Ref{Para: 5}},
		{" 三(四)¶2 ", Ref{Path: []int{3, 4}, Para: 2}},
		{"4(d)¶1", Ref{Path: []int{4, 4}, Para: 1, letters: 1 << 1}},
		{"4(D)", Ref{Path: []int{4, 4}, letters: 1 << 1}},
		{"clause 4(d)", Ref{Path: []int{4, 4}, letters: 1 << 1}},
		{"2.1(b)", Ref{Path: []int{2, 1, 2}, letters: 1 << 2}},
		{"§ 2.1(b) ¶1", Ref{Path: []int{2, 1, 2}, Para: 1, letters: 1 << 2}},
		{"1.1¶1", Ref{Path: []int{1, 1}, Para: 1}},
		{"Article IV", Ref{Path: []int{4}, Article: true}},
		{"Art. 12", Ref{Path: []int{12}, Article: true}},
		{"ARTICLE 12 ¶2", Ref{Path: []int{12}, Para: 2, Article: true}},
		{"II¶3", Ref{Path: []int{2}, Para: 3}},
		{"section 0", Ref{Path: []int{0}}},
		{"第十二条", Ref{Path: []int{12}, Article: true}},
		{"第十二條第二款", Ref{Path: []int{12}, Para: 2, Article: true}},
		{"apache:4(d)¶1", Ref{Path: []int{4, 4}, Para: 1, Doc: "apache", letters: 1 << 1}},
		{"Apache: section 4", Ref{Path: []int{4}, Doc: "apache"}},
		{"gpl-3：第三部分", Ref{Path: []int{3}, Doc: "gpl-3"}},
	}
	for _, tt := range tests {
		got, err := ParseRef(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseRef(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "abc", "(四)", "三(四", "2021年", "3 7", "0", "3.0", "¶0", "三(四)¶0", "二〇二一", "section", "第部分", "(d)", "4(dd)", "section 0.1", "apache:", "http://example.com", "第十二", "iv"} {
		if r, err := ParseRef(bad); !errors.Is(err, ErrBadRef) {
			t.Errorf("ParseRef(%q) = %+v, %v; want ErrBadRef", bad, r, err)
		}
	}
}

func TestFindRef(t *testing.T) {
	hits := []struct {
		q    string
		want Ref
	}{
		{"宣言第三部分第六节主要讲什么?", Ref{Path: []int{3, 6}}},
		{"What does section 4(11) of the declaration cover?", Ref{Path: []int{4, 11}}},
		{"第五部分第八節 講了什麼", Ref{Path: []int{5, 8}}},
		{"3.4", Ref{Path: []int{3, 4}}},
		{"五(十三)", Ref{Path: []int{5, 13}}},
		{"what does 3(4)2 say", Ref{Path: []int{3, 4}, Para: 2}},
		{"三(四)¶2 是什么意思", Ref{Path: []int{3, 4}, Para: 2}},
		{"请解释三（四）", Ref{Path: []int{3, 4}}},
		{"序言¶3说了什么", Ref{Preamble: true, Para: 3}},
		{"summarise preamble 3", Ref{Preamble: true, Para: 3}},
		{"what is in §3.4?", Ref{Path: []int{3, 4}}},
		{"explain 3.4.2 please", Ref{Path: []int{3, 4}, Para: 2}},
		{"第三部分讲了哪些安全问题", Ref{Path: []int{3}}},
		{"show part 3", Ref{Path: []int{3}}},
		{"第３部分第４节", Ref{Path: []int{3, 4}}},
		{"What does section 4 say?", Ref{Path: []int{4}}},
		{"Explain clause 4(d) of the licence", Ref{Path: []int{4, 4}, letters: 1 << 1}},
		{"What is in Article 12?", Ref{Path: []int{12}, Article: true}},
		{"summarise section 1.1", Ref{Path: []int{1, 1}}},
		{"what does 4(d) require", Ref{Path: []int{4, 4}, letters: 1 << 1}},
		{"What does Article IV say?", Ref{Path: []int{4}, Article: true}},
		{"第十二条规定了什么", Ref{Path: []int{12}, Article: true}},
		{"第十二條第二款", Ref{Path: []int{12}, Para: 2, Article: true}},
		{"compare apache:4(d) with gpl", Ref{Path: []int{4, 4}, Doc: "apache", letters: 1 << 1}},
		{"Note: section 4 covers it", Ref{Path: []int{4}}},
	}
	for _, tt := range hits {
		got, ok := FindRef(tt.q)
		if !ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("FindRef(%q) = %+v, %v; want %+v", tt.q, got, ok, tt.want)
		}
	}
	misses := []string{
		"2021年", "20周年", "上合组织二十周年", "2030年可持續發展議程", "1996年和1997年", "5 questions",
		"上合组织成立20周年之际发表了什么宣言?", "第2396號決議是什麼?", "增长了3.5%", "GDP grew 1.5 percent",
		"version 2.0.1", "the 2021.9.17 summit", "上合组织有8个成员国", "What happened in 2001?",
		"二〇二一年的峰会", "第一次会议", "(四)禁毒合作", "member states (8) agreed",
		"is there a 30 day notice?", "Apache License version 2.0", "what changed in version 2.1?", "50% ownership",
		"what happened in 2004?", "top 10 rules", "Is v1.2 supported?", "release 3.4 notes", "f(x) = 2x",
		"the part of the licence about patents", "I think so",
	}
	for _, q := range misses {
		if got, ok := FindRef(q); ok {
			t.Errorf("FindRef(%q) = %+v, want no reference", q, got)
		}
	}
}

func TestResolve(t *testing.T) {
	d := Default()
	tests := []struct {
		ref    string
		first  string
		n      int
		within string // every returned paragraph has this key prefix
	}{
		{"三(四)¶2", "三(四)¶2", 1, "三(四)"},
		{"三（四）2", "三(四)¶2", 1, "三(四)"},
		{"3.4.2", "三(四)¶2", 1, "三(四)"},
		{"3.4", "三(四)¶1", 7, "三(四)"},
		{"1.7", "一¶7", 1, "一"},
		{"五(十三)", "五(十三)¶1", 1, "五(十三)"},
		{"三¶7", "三¶7", 1, "三"},
		{"序言¶3", "序言¶3", 1, "序言"},
		{"preamble 3", "序言¶3", 1, "序言"},
		{"序言", "序言¶1", 9, "序言"},
		{"第三部分第六节", "三(六)¶1", 3, "三(六)"},
		{"section 4(11)", "四(十一)¶1", 2, "四(十一)"},
		{"三", "三¶1", 11 + 4 + 11 + 7 + 7 + 5 + 3 + 3 + 3 + 2, "三"},
		{"七", "七¶1", 4, "七"},
	}
	for _, tt := range tests {
		ps, err := d.Resolve(tt.ref)
		if err != nil {
			t.Errorf("Resolve(%q): %v", tt.ref, err)
			continue
		}
		if len(ps) != tt.n || ps[0].Label != tt.first {
			t.Errorf("Resolve(%q) = %d paragraphs from %s; want %d from %s", tt.ref, len(ps), ps[0].Label, tt.n, tt.first)
		}
		for i, p := range ps {
			if !strings.HasPrefix(p.Key, tt.within) {
				t.Errorf("Resolve(%q) returned %s outside %s", tt.ref, p.Label, tt.within)
			}
			if i > 0 && indexOf(d, p.Label) <= indexOf(d, ps[i-1].Label) {
				t.Errorf("Resolve(%q) out of document order at %s", tt.ref, p.Label)
			}
		}
	}
}

func indexOf(d *Document, label string) int {
	for i, p := range d.Paragraphs {
		if p.Label == label {
			return i
		}
	}
	return -1
}

func TestResolveRefTitle(t *testing.T) {
	ps, title, err := Default().ResolveRef(Ref{Path: []int{3, 4}, Para: 2})
	if err != nil || len(ps) != 1 || title != "三、安全領域 › (四)禁毒合作" {
		t.Errorf("ResolveRef = %v, %q, %v", ps, title, err)
	}
	if _, title, _ := Default().ResolveRef(Ref{Preamble: true}); title != "序言" {
		t.Errorf("preamble title = %q", title)
	}
}

func TestUnknownRef(t *testing.T) {
	d := Default()
	tests := []struct {
		ref     string
		nearest string // must be among the suggestions
	}{
		{"三(十)", "三(九)"},
		{"三¶40", "三¶11"},
		{"三(四)¶9", "三(四)¶7"},
		{"五(十六)", "五(十五)"},
		{"九", "七"},
		{"9.1", "七"},
		{"序言¶10", "序言¶9"},
		{"3.12", "三(九)"},
		{"三(四)x", "三(四)"},
	}
	for _, tt := range tests {
		_, err := d.Resolve(tt.ref)
		var ue *UnknownRefError
		if !errors.As(err, &ue) {
			t.Errorf("Resolve(%q) error = %v, want *UnknownRefError", tt.ref, err)
			continue
		}
		if ue.Ref != tt.ref || !contains(ue.Nearest, tt.nearest) || !strings.Contains(err.Error(), tt.nearest) {
			t.Errorf("Resolve(%q): %v; want %s among nearest", tt.ref, err, tt.nearest)
		}
		for _, n := range ue.Nearest {
			if _, err := d.Resolve(n); err != nil {
				t.Errorf("suggestion %q for %q does not resolve: %v", n, tt.ref, err)
			}
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestLabels(t *testing.T) {
	d := Default()
	labels := d.Labels()
	if want := len(d.Paragraphs) + len(d.Sections); len(labels) != want {
		t.Errorf("%d labels, want %d", len(labels), want)
	}
	if strings.Join(labels[:3], " ") != "序言 序言¶1 序言¶2" {
		t.Errorf("labels start %q", labels[:3])
	}
	seen := map[string]bool{}
	for _, l := range labels {
		if seen[l] {
			t.Errorf("duplicate label %q", l)
		}
		seen[l] = true
		if _, err := d.Resolve(l); err != nil {
			t.Errorf("label %q does not resolve: %v", l, err)
		}
	}
	if _, ok := d.Paragraph("三(四)"); ok {
		t.Error("Paragraph accepted a section key")
	}
	if _, ok := d.Paragraph("3(4)¶2"); ok {
		t.Error("Paragraph is an exact lookup; it accepted an alias")
	}
}

func TestChineseNumerals(t *testing.T) {
	for n := 1; n < 1000; n++ {
		s := formatChinese(n)
		if got, ok := parseChinese(s); !ok || got != n {
			t.Fatalf("parseChinese(formatChinese(%d) = %q) = %d, %v", n, s, got, ok)
		}
	}
	for s, want := range map[string]int{"十五": 15, "二十": 20, "兩": 2, "一百零二": 102} {
		if got, ok := parseChinese(s); !ok || got != want {
			t.Errorf("parseChinese(%q) = %d, %v", s, got, ok)
		}
	}
}

// A document in English whose preamble and sections answer to the aliases.
const englishDoc = "Policy\n\nFirst intro.\n\nSecond intro.\n\n1. Scope.\n\nScope text.\n\n2. Rules.\n\n" +
	"2.1. Members\n\nMembers text.\n\n3. Empty.\n\n4. Duties. You must act:\n\n(a) Be kind.\n\n(b) Be fair.\n\nClosing words.\n"

func TestResolveEnglish(t *testing.T) {
	d, err := Parse("policy.txt", []byte(englishDoc))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ref   string
		first string
		n     int
	}{
		{"¶2", "¶2", 1},
		{"preamble 2", "¶2", 1},
		{"序言¶2", "¶2", 1},
		{"Preamble", "¶1", 2},
		{"section 1", "1¶1", 1},
		{"2", "2.1¶1", 1},
		{"2.1", "2.1¶1", 1},
		{"§2.1", "2.1¶1", 1},
		{"4", "4¶1", 4},
		{"4(b)", "4(b)¶1", 1},
		{"4(B)¶1", "4(b)¶1", 1},
		{"clause 4(a)", "4(a)¶1", 1},
		{"4¶2", "4¶2", 1},
		{"4.1", "4(a)¶1", 1},
	}
	for _, tt := range tests {
		ps, err := d.Resolve(tt.ref)
		if err != nil || len(ps) != tt.n || ps[0].Label != tt.first {
			t.Errorf("Resolve(%q) = %d paragraphs from %v, %v; want %d from %s", tt.ref, len(ps), labelsOf(ps), err, tt.n, tt.first)
		}
	}
	if p, _ := d.Paragraph("¶1"); p.Key != "" || p.Section != "" {
		t.Errorf("English preamble paragraph = %+v, want an empty key and section", p)
	}
}

func labelsOf(ps []Paragraph) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Label)
	}
	return out
}

// A section without text resolves to its subsections or reports that it
// has none; Resolve never returns an empty slice without an error.
func TestEmptySection(t *testing.T) {
	tests := []struct {
		name, text, ref string
		first           string // "" means ErrEmptySection
	}{
		{"all text under subsections", "# T\n\n## A\n\n### A1\n\nText.\n", "1", "1(1)¶1"},
		{"heading only", "# T\n\nIntro para.\n\n## A\n\nSome text here.\n\n## B\n", "2", ""},
		{"empty numbered section", englishDoc, "3", ""},
		{"empty section by key", englishDoc, "3", ""},
		{"copyright line kept", "# T\n\nIntro para.\n\n## A\n\nSome text here.\n\n## B\n\nCopyright 2023 Jane Doe.\n", "2", "2¶1"},
	}
	for _, tt := range tests {
		d, err := Parse(tt.name, []byte(tt.text))
		if err != nil {
			t.Fatal(err)
		}
		ps, err := d.Resolve(tt.ref)
		if tt.first == "" {
			if !errors.Is(err, ErrEmptySection) || len(ps) != 0 || !strings.Contains(err.Error(), tt.ref) {
				t.Errorf("%s: Resolve(%q) = %v, %v; want an ErrEmptySection naming the reference", tt.name, tt.ref, labelsOf(ps), err)
			}
			if _, _, err := d.ResolveRef(Ref{Path: []int{3}}); tt.ref == "3" && !errors.Is(err, ErrEmptySection) {
				t.Errorf("%s: ResolveRef(3) = %v", tt.name, err)
			}
			continue
		}
		if err != nil || len(ps) == 0 || ps[0].Label != tt.first {
			t.Errorf("%s: Resolve(%q) = %v, %v; want from %s", tt.name, tt.ref, labelsOf(ps), err, tt.first)
		}
	}
}

// Articles are numbered through a whole law, so 第十二条 and Article 12
// find the article inside its chapter; a document without articles reads
// the number as a part, as before.
func TestResolveArticles(t *testing.T) {
	law := "第一章 总则\n第一条 为了规范管理，制定本办法。\n第二条 本办法适用于全市。\n第二章 附则\n第三条 本办法由市政府解释。\n本办法自公布之日起施行。\n"
	d, err := Parse("law.txt", []byte(law))
	if err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{"第三条": "二(三)¶1", "第三條第二款": "二(三)¶2", "article 3": "二(三)¶1", "第二章": "二(三)¶1", "3": "二(三)¶1"} {
		ps, err := d.Resolve(ref)
		if err != nil || ps[0].Label != want {
			t.Errorf("Resolve(%q) = %v, %v; want %s", ref, labelsOf(ps), err, want)
		}
	}
	if r, ok := FindRef("第三条讲了什么?"); !ok {
		t.Error("FindRef missed 第三条")
	} else if ps, title, err := d.ResolveRef(r); err != nil || ps[0].Label != "二(三)¶1" || title != "第二章 附则 › 第三条" {
		t.Errorf("ResolveRef(%v) = %v, %q, %v", r, labelsOf(ps), title, err)
	}
	// The declaration has parts, not articles: a question about another
	// treaty's article must not land in its part 二.
	r, ok := FindRef("《联合国宪章》第二条规定了什么?")
	if !ok || !r.Article {
		t.Fatalf("FindRef = %+v, %v", r, ok)
	}
	for _, ref := range []string{"article 2", "第二条"} {
		var ue *UnknownRefError
		if ps, err := Default().Resolve(ref); !errors.As(err, &ue) {
			t.Errorf("declaration: Resolve(%q) = %v, %v; want unknown", ref, labelsOf(ps), err)
		}
	}
	if ps, _, err := Default().ResolveRef(r); err == nil {
		t.Errorf("declaration: ResolveRef(%+v) = %v", r, labelsOf(ps))
	}
}

func TestRefDocIsExpr(t *testing.T) {
	re := regexp.MustCompile(refDocExpr)
	inputs := []string{"apache: 4(d)", "apache:4(d)¶1", "apache:", "apache: ", "a:b", ":x", "x:", "security:5(1)¶3",
		"mpl-2.0: 3.1", "mpl_2.0:\t 3.1", "éa: 1", "文件:第三部分", "1: x", "-a: x", "a b: x", "a:\n x", "a: x\ny",
		"a:\r x", "abcdefghijklmnopqrstuvwxyz01234: 1", "abcdefghijklmnopqrstuvwxyz012345: 1", "a\xff: 1", "a: \xff",
		"a:: b", "a.b-c_d: e", "Ⅻ: 1", "", "apache 4(d)", "x:\f\f y z"}
	for _, in := range inputs {
		doc, rest, ok := refDoc(in)
		m := re.FindStringSubmatch(in)
		if ok != (m != nil) || ok && (doc != m[1] || rest != m[2]) {
			t.Errorf("refDoc(%q) = %q, %q, %v; the expression: %q", in, doc, rest, ok, m)
		}
	}
}

func TestLazyRegexpsCompile(t *testing.T) {
	for _, l := range lazyre.All() {
		l.Compile()
	}
}

// An expression's onlyIf test must pass every string the expression
// matches: every line of every test document, trimmed or not, and the
// title of each Markdown heading.
func TestLazyRegexpTestsPassMatches(t *testing.T) {
	var lines []string
	files, _ := filepath.Glob("testdata/*")
	files = append(files, "declaration.txt")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			l = strings.TrimRight(l, "\r")
			lines = append(lines, l, strings.TrimSpace(l), strings.TrimSpace(strings.TrimLeft(l, "#")))
		}
	}
	lines = append(lines, "1. Definitions.", "(a) clause", "第三章 总则", "三、安全", "（四）禁毒", "## 2.1 Scope", "```go", "~~~", "----", "===",
		"* item", "• item", "IV. Scope", "§ 4", "Section 3.", "APPENDIX: How", "附件一", "Preamble", "序言", "**********", "*box*")
	checked := 0
	for _, l := range lazyre.All() {
		if !l.Filtered() {
			continue
		}
		re := regexp.MustCompile(l.String())
		for _, s := range lines {
			if re.MatchString(s) {
				checked++
				if !l.May(s) {
					t.Errorf("%q matches %s but fails its test", s, l)
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d matches checked", checked)
	}
}
