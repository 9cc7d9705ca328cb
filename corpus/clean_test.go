package corpus

import (
	"cmp"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite declaration.txt and the golden files in testdata/")

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkGolden compares got with the file at path, or rewrites it under -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := readFile(t, path)
	if got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\n got: %q\nwant: %q\n(run go test ./corpus -update to accept)", path, i+1, g, w)
			}
		}
	}
}

// The scraped pages and what cleaning must leave of them.
var pageTests = []struct {
	page, want, title string
	// junk must not survive anywhere in the cleaned document.
	junk []string
	// dropped are lines Document.Dropped must report.
	dropped []string
}{
	{
		page: "testdata/seed_page.txt", want: "declaration.txt", title: "上海合作組織二十周年杜尚別宣言",
		junk: []string{"91亚洲", "黄色", "中國臺灣網移動版", "2021-09-18", "09:21", "來源:新華社", "新華社", "字號",
			"(全文)", "杜尚別9月17日電", "責任編輯", "楊永青", "主站蜘蛛池模板", "惠州市", "|"},
		dropped: []string{"2021-09-18 09:21:00", "來源:新華社", "新華社杜尚別9月17日電", "[責任編輯:楊永青]"},
	},
	{
		page: "testdata/news_page_en.txt", want: "testdata/news_page_en.want", title: "Ocean Treaty Text Agreed",
		junk: []string{"Casino", "Skip to", "Home", "Environment", "Full Text", "Jane Doe", "Published", "GMT",
			"ago", "Share", "Print", "GENEVA", "Reuters", "Editing", "Related", "Whales", "Advertisement", "©", "Careers"},
		dropped: []string{"Skip to main content", "Share this article", "GENEVA, March 4 (Reuters) -", "Reporting by Jane Doe; Editing by John Roe",
			"© 2023 Example News. All rights reserved."},
	},
	{
		page: "testdata/news_page_hans.txt", want: "testdata/news_page_hans.want", title: "《城市绿地管理办法》全文发布",
		junk: []string{"首页", "手机版", "客户端", "English", "发布时间", "来源", "人民网", "字体", "打印", "中新社",
			"记者", "张三", "编辑", "李四", "相关阅读", "友情链接", "百度", "Copyright", "ICP"},
		dropped: []string{"【字体:大 中 小】【打印】【关闭】", "中新社北京5月1日电（记者 张三）", "（编辑：李四）"},
	},
}

func TestCleanPages(t *testing.T) {
	for _, tt := range pageTests {
		t.Run(filepath.Base(tt.page), func(t *testing.T) {
			raw := readFile(t, tt.page)
			got := CleanText(raw)
			checkGolden(t, tt.want, got)

			title, body := Clean(raw)
			if title != tt.title {
				t.Errorf("title = %q, want %q", title, tt.title)
			}
			for _, l := range body {
				for _, j := range tt.junk {
					if strings.Contains(l, j) {
						t.Errorf("junk %q survived cleaning in line %q", j, l)
					}
				}
			}
			doc, err := Parse(tt.page, []byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.dropped {
				if !slices.Contains(doc.Dropped, want) {
					t.Errorf("Dropped %q lacks %q", doc.Dropped, want)
				}
			}
			for _, l := range doc.Dropped {
				if slices.Contains(body, l) {
					t.Errorf("%q is reported dropped but kept", l)
				}
			}
			for _, p := range doc.Paragraphs {
				if p.Text == doc.Title || strings.HasPrefix(p.Text, doc.Title) && doc.Title != "" {
					t.Errorf("title reached paragraph %s: %q", p.Label, p.Text)
				}
				for _, j := range tt.junk {
					if strings.Contains(p.Text, j) || strings.Contains(p.Section, j) {
						t.Errorf("junk %q reached paragraph %s: %q", j, p.Label, p.Text)
					}
				}
			}
		})
	}
}

// Text without any page frame must come through cleaning untouched: no
// line is dropped, only a title block is split off.
func TestPlainTextUnchanged(t *testing.T) {
	tests := []struct {
		name, text string
		title      string // Document.Title; "" means the name
		cleaned    string // CleanText's result when it differs from text
		paras      []string
	}{
		{"canonical declaration", readFile(t, "declaration.txt"), "上海合作組織二十周年杜尚別宣言", "", nil},
		{"english prose", "The first paragraph ends here.\n\nThe second one, too.\n", "", "",
			[]string{"The first paragraph ends here.", "The second one, too."}},
		{"chinese lines", "第一段文字。\n第二段文字。\n第三段文字。\n", "", "",
			[]string{"第一段文字。", "第二段文字。", "第三段文字。"}},
		{"title and body", "A Short Title\n\nBody text that says something.\n", "A Short Title", "",
			[]string{"Body text that says something."}},
		{"dates inside body", "Meeting notes.\n\nThe meeting on 2021-09-18 09:21 went well.\n\nSource: everyone agreed.\n", "", "",
			[]string{"Meeting notes.", "The meeting on 2021-09-18 09:21 went well.", "Source: everyone agreed."}},
		{"signature date kept", "成員國簽署本宣言。\n\n2021年9月17日於杜尚別\n", "", "",
			[]string{"成員國簽署本宣言。", "2021年9月17日於杜尚別"}},
		{"markdown copyright line", "# T\n\nIntro para.\n\n## A\n\nSome text here.\n\n## B\n\nCopyright 2023 Jane Doe.\n", "T",
			"T\n\nIntro para.\n\n## A\n\nSome text here.\n\n## B\n\nCopyright 2023 Jane Doe.\n",
			[]string{"Intro para.", "Some text here.", "Copyright 2023 Jane Doe."}},
		{"licence title block and notices", "Apache License\nVersion 2.0, January 2004\nhttp://www.apache.org/licenses/\n\n1. Definitions.\n\nTerms.\n\nCopyright [yyyy] [name of copyright owner]\n\nAll rights reserved.\n",
			"Apache License, Version 2.0, January 2004",
			"Apache License, Version 2.0, January 2004\n\nhttp://www.apache.org/licenses/\n\n1. Definitions.\n\nTerms.\n\nCopyright [yyyy] [name of copyright owner]\n\nAll rights reserved.\n",
			[]string{"http://www.apache.org/licenses/", "Terms.", "Copyright [yyyy] [name of copyright owner]", "All rights reserved."}},
		{"bullets and a path are not a page frame", "• Fast\n• Cheap\n\nSettings > Privacy > Location\n\nOpen it.\n", "", "",
			[]string{"• Fast\n• Cheap", "Settings > Privacy > Location", "Open it."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := CleanText(tt.text), cmp.Or(tt.cleaned, tt.text); got != want {
				t.Errorf("CleanText changed a clean text:\n got %q\nwant %q", got, want)
			}
			doc, err := Parse(tt.name, []byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if want := cmp.Or(tt.title, tt.name); doc.Title != want {
				t.Errorf("title = %q, want %q", doc.Title, want)
			}
			if len(doc.Dropped) > 0 {
				t.Errorf("dropped %q from a clean text", doc.Dropped)
			}
			if tt.paras == nil {
				return
			}
			var got []string
			for _, p := range doc.Paragraphs {
				got = append(got, p.Text)
			}
			if !slices.Equal(got, tt.paras) {
				t.Errorf("paragraphs = %q, want %q", got, tt.paras)
			}
		})
	}
}

// The scraped-page rule on its own: page furniture in the header or the
// closing run decides, a copyright line or a date alone does not.
func TestLooksScraped(t *testing.T) {
	tests := []struct {
		name, text string
		scraped    bool
	}{
		{"menu and widgets", "Home | News | World | Sport | Tech\nShare this article\n\nTitle\n\nBody text here.\n", true},
		{"stamped date and source", "Title\n2023-05-01 08:00\n來源:新華社\n\n正文。\n", true},
		{"footer only", "Title\n\nBody text here.\n\nEditor: Jane Doe\nRelated stories\n", true},
		{"copyright footer", "# T\n\nText.\n\nCopyright 2023 Jane Doe. All rights reserved.\n", false},
		{"one dated line", "Minutes\nLast updated: 2023-05-01\n\nWe met.\n", false},
		{"licence", readFile(t, "testdata/apache-2.0.txt"), false},
		{"markdown guide", readFile(t, "testdata/security.md"), false},
		{"declaration", readFile(t, "declaration.txt"), false},
		{"seed page", readFile(t, "testdata/seed_page.txt"), true},
		{"english news page", readFile(t, "testdata/news_page_en.txt"), true},
		{"chinese news page", readFile(t, "testdata/news_page_hans.txt"), true},
	}
	for _, tt := range tests {
		lines := normalizeLines(tt.text)
		if got := looksScraped(lines, classifyLines(lines)); got != tt.scraped {
			t.Errorf("%s: looksScraped = %v, want %v", tt.name, got, tt.scraped)
		}
	}
}

func TestCleanTextIdempotent(t *testing.T) {
	for _, tt := range pageTests {
		once := CleanText(readFile(t, tt.page))
		if twice := CleanText(once); twice != once {
			t.Errorf("%s: cleaning twice differs from once", tt.page)
		}
	}
}

// The line rules, on lines from neither test page.
func TestClassify(t *testing.T) {
	tests := []struct {
		line string
		junk bool
	}{
		{"免费电影-高清电影-在线观看-最新电视剧-动漫大全", true},
		{"Buy Shoes - Cheap Watches - Replica Bags - Crypto Tips", true},
		{"新闻 | 体育 | 财经 | 娱乐 | 科技 | 汽车", true},
		{"热门城市: 北京| 上海| 广州| 深圳| 杭州| 成都", true},
		{"• 繁體版", true},
		{"Home > Politics > Europe", true},
		{"2023/05/01 14:30", true},
		{"Posted on 12 June 2022", true},
		{"来源：中国政府网", true},
		{"【字体：大 中 小】", true},
		{"Font size: A A A", true},
		{"[责任编辑:王五]", true},
		{"Edited by Mary Major", true},
		{"人民网北京6月1日电", true},
		{"Copyright © 2020 Example Corp.", true},
		{"相关新闻：", true},
		{"上海合作組織二十周年杜尚別宣言", false},
		{"成員國強調,必須共同加大努力。", false},
		{"The parties, meeting in Geneva on 4 March 2023 at 10:15, agreed to the following text of the treaty.", false},
		{"1. General provisions", false},
		{"| a | b | c | d | e | f |", false},
		{"state-of-the-art well-known long-term plan", false},
		{"By 2030, members will double their trade.", false},
	}
	for _, tt := range tests {
		if got := classify(tt.line) != notJunk; got != tt.junk {
			t.Errorf("classify(%q) junk = %v, want %v (kind %d)", tt.line, got, tt.junk, classify(tt.line))
		}
	}
}

func TestPickTitle(t *testing.T) {
	tests := []struct {
		titles []string
		want   string
	}{
		{nil, ""},
		{[]string{"Headline", "A subtitle under it"}, "Headline"},
		{[]string{"宣言(全文)", "宣言(全文)", "宣言"}, "宣言"},
		{[]string{"Site Name", "Story (Full Text)", "Story"}, "Story"},
	}
	for _, tt := range tests {
		if got := pickTitle(tt.titles); got != tt.want {
			t.Errorf("pickTitle(%q) = %q, want %q", tt.titles, got, tt.want)
		}
	}
}
