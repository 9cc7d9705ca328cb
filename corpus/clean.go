package corpus

import (
	"iter"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/internal/lazyre"
)

// A scraped page is a header (site frame, title, date/source widgets,
// dateline), the body, and a footer (editor credit, related links, link
// farms, copyright). The rules below find where the body starts and ends and
// what a boilerplate line looks like; none of them names a particular site.

// junkKind says why a line is boilerplate.
type junkKind int

const (
	notJunk       junkKind = iota
	junkSpam               // keyword-stuffed title: many short hyphen/pipe-separated keywords
	junkLinkFarm           // many |-separated short items (menus, county-name footers)
	junkMenu               // bullet menu entry, breadcrumb
	junkDate               // date or time-stamp line
	junkWidget             // source / font size / print / share / login widgets
	junkEditor             // editor or reporter credit
	junkDateline           // news dateline such as 新華社杜尚別9月17日電
	junkCopyright          // copyright notice
	junkRelated            // "related articles" heading that opens the link list
)

var (
	reDateLine  = lazyre.New(`(?i)(\d{4}[-/.年]\s?\d{1,2}[-/.月]\s?\d{1,2}日?|\d{1,2}:\d{2}|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{4}|\d+\s+(minutes?|hours?|days?)\s+ago)`)
	reDateLabel = lazyre.New(`(?i)^(published|updated|posted|last updated|date|發布時間|发布时间|發佈時間|发表时间|發表時間|更新時間|更新时间|時間|时间|日期)([^a-zA-Z]|$)\s*[:：]?`)
	// Widgets: labels that open a short line of page furniture.
	reWidget = lazyre.New(`(?i)^[\[【(（]?\s*(來源|来源|出處|出处|作者|字號|字号|字體|字体|打印|列印|列印本頁|分享|分享到|收藏|關閉|关闭|轉發|转发|評論|评论|點擊|点击|閱讀|阅读|瀏覽|浏览|返回|首頁|首页|登錄|登录|註冊|注册|訂閱|订阅|廣告|广告|掃一掃|扫一扫|手機版|手机版|移動版|移动版|客戶端|客户端|source|print|share|email|e-mail|tweet|font size|text size|comments?|subscribe|sign in|log in|login|register|advertisement|skip to|back to top|follow us|download the app|listen to)([^a-zA-Z]|$)`)
	reEditor = lazyre.New(`(?i)^[\[【(（]?\s*((責任編輯|责任编辑|責編|责编|編輯|编辑|校對|校对|審核|审核|記者|记者|撰稿|編審|编审|editor|writer|photo)\s*[:：]|(edited|editing|reporting|reported|written|additional reporting|photos?) by\s)`)
	reByline = lazyre.New(`^(By|BY|作者|文)[\s:]+\p{Lu}?[\p{L}.'\- ]{1,40}(,.*)?$`)
	// Datelines: "新華社杜尚別9月17日電", "中新社北京3月1日電(記者 張三)",
	// "GENEVA, March 4 (Reuters) -".
	reCnDateline = lazyre.New(`^[\p{Han}]{0,12}\d{1,2}月\d{1,2}日[電电訊讯](\s*[(（][^)）]{0,30}[)）])?\s*`)
	reEnDateline = lazyre.New(`^[A-Z][A-Z .'\-]{1,30},\s+(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}\s+)?\([A-Za-z .]{2,30}\)\s*(--|—|–|-)\s*`)
	reRelated    = lazyre.New(`(?i)^[\[【]?\s*(相關新聞|相关新闻|相關閱讀|相关阅读|相關報道|相关报道|延伸閱讀|延伸阅读|推薦閱讀|推荐阅读|熱門推薦|热门推荐|猜你喜歡|猜你喜欢|related( articles| stories| news| content| coverage)?|read more|more from|more stories|recommended( for you)?|you may also like)\s*[\]】]?\s*[:：]?$`)
	reTimeStamp  = lazyre.New(`(?i)(\d{1,2}:\d{2}|\bago\b)`)
	reSpacedSep  = lazyre.New(`\s+[-_|–—]\s+`)
	reLinkSep    = lazyre.New(`\s*[|｜丨]\s*`)
	reCrumbSep   = lazyre.New(`\s*[>›»/]\s*`)
)

// copyrightMarks mark a copyright or site-registration notice. A substring
// test: an unanchored case-folding regexp was most of the cleaning time.
var copyrightMarks = []string{"©", "copyright", "all rights reserved", "版權所有", "版权所有",
	"未經授權", "未经授权", "備案號", "备案号", "icp備", "icp备"}

func hasCopyright(line string) bool {
	l := strings.ToLower(line)
	for _, m := range copyrightMarks {
		if strings.Contains(l, m) {
			return true
		}
	}
	return false
}

// menuBullets open site-menu lines.
const menuBullets = "•·▪▫◦●○■□►▶»→"

// classify says whether a line (already trimmed, non-empty) is boilerplate.
func classify(line string) junkKind {
	line = foldWidth(line)
	n := utf8.RuneCountInString(line)
	sentence := endsSentence(line)
	switch {
	case isSpamTitle(line):
		return junkSpam
	case isLinkFarm(line):
		return junkLinkFarm
	case n <= 60 && reEditor.MatchString(line):
		return junkEditor
	case n <= 40 && reRelated.MatchString(line):
		return junkRelated
	case n <= 160 && hasCopyright(line):
		return junkCopyright
	}
	if sentence && n > 40 {
		return notJunk
	}
	switch {
	case n <= 60 && reCnDateline.FindString(line) == line:
		return junkDateline
	case n <= 80 && reEnDateline.FindString(line) == line:
		return junkDateline
	case n <= 50 && isDateLine(line):
		return junkDate
	case n <= 40 && !sentence && reWidget.MatchString(line):
		return junkWidget
	case n <= 60 && !sentence && reByline.MatchString(line):
		return junkWidget
	case n <= 32 && strings.ContainsRune(menuBullets, firstRune(line)) && !sentence:
		return junkMenu
	case n <= 80 && !sentence && isBreadcrumb(line):
		return junkMenu
	}
	return notJunk
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// isDateLine: a time stamp, possibly labelled, with little else on the line.
func isDateLine(line string) bool {
	if !reDateLine.MatchString(line) {
		return false
	}
	rest := reDateLine.ReplaceAllString(line, "")
	rest = reDateLabel.ReplaceAllString(strings.TrimSpace(rest), "")
	letters := 0
	for _, r := range rest {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters <= 6
}

// isSpamTitle: four or more short keywords joined by hyphens/underscores/pipes
// and no sentence; CJK spam has no spaces, Latin spam uses spaced separators.
func isSpamTitle(line string) bool {
	if endsSentence(line) || strings.HasPrefix(line, "|") {
		return false
	}
	if strings.Count(line, "-")+strings.Count(line, "_")+strings.Count(line, "|")+strings.Count(line, "—")+strings.Count(line, "–") < 3 {
		return false
	}
	var parts []string
	if !strings.ContainsAny(line, " \t") {
		parts = strings.FieldsFunc(line, func(r rune) bool { return r == '-' || r == '_' || r == '|' || r == '—' })
	} else {
		parts = reSpacedSep.Split(line, -1)
	}
	if len(parts) < 4 {
		return false
	}
	numeric := 0
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" || utf8.RuneCountInString(p) > 24 {
			return false
		}
		if strings.Trim(p, "0123456789:. ") == "" {
			numeric++
		}
	}
	return numeric*2 < len(parts)
}

// isLinkFarm: five or more |-separated short items (site menus, SEO footers).
// Markdown table rows start with | and are left alone.
func isLinkFarm(line string) bool {
	if strings.HasPrefix(line, "|") || strings.Count(line, "|")+strings.Count(line, "｜")+strings.Count(line, "丨") < 4 {
		return false
	}
	items := reLinkSep.Split(strings.TrimRight(line, "|｜丨 "), -1)
	if len(items) < 5 {
		return false
	}
	total := 0
	for _, it := range items {
		total += utf8.RuneCountInString(it)
	}
	return total/len(items) <= 14
}

// isBreadcrumb: "首页 > 新闻 > 国际", "Home › World › Europe".
func isBreadcrumb(line string) bool {
	items := reCrumbSep.Split(line, -1)
	if len(items) < 3 {
		return false
	}
	for _, it := range items {
		if n := utf8.RuneCountInString(it); n == 0 || n > 14 {
			return false
		}
	}
	return true
}

// stripDecoration removes bullets and bracketed tags so that a menu entry, a
// "(全文)" title and its plain repeat compare equal.
func stripDecoration(s string) string {
	s = strings.TrimSpace(strings.TrimLeft(s, menuBullets+" \t"))
	for {
		last, _ := utf8.DecodeLastRuneInString(s)
		if !strings.ContainsRune(")）]】", last) {
			return s
		}
		open := strings.LastIndexAny(s, "(（[【")
		if open < 0 || utf8.RuneCountInString(s[open:]) > 14 {
			return s
		}
		s = strings.TrimSpace(s[:open])
	}
}

// isContent reports a line that can only be body: a sentence, a structural
// heading or a long run of text.
func isContent(line string) bool {
	if _, ok := parseHeading(line, hctx{start: true}); ok {
		return true
	}
	return endsSentence(line) || utf8.RuneCountInString(line) > 100
}

// zeroWidth drops zero-width characters, which scraped pages scatter.
func zeroWidth(r rune) rune {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF':
		return -1
	}
	return r
}

// normalizeLines splits text into trimmed lines with CRLF, BOM and
// zero-width characters removed and blank runs collapsed to one "". Lines
// of a fenced code block keep their indentation and blank lines.
func normalizeLines(text string) []string {
	text = strings.TrimPrefix(text, "\uFEFF")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	raw := strings.Split(text, "\n")
	out := make([]string, 0, len(raw))
	fence, indent := "", ""
	for _, l := range raw {
		l = strings.Map(zeroWidth, l)
		if fence != "" {
			if closesFence(l, fence) {
				fence, l = "", strings.TrimSpace(l)
			} else {
				l = strings.TrimRight(strings.TrimPrefix(l, indent), " \t")
			}
			out = append(out, l)
			continue
		}
		trimmed := strings.TrimSpace(l)
		if fence = fenceOpen(trimmed); fence != "" {
			indent = l[:strings.Index(l, fence[:1])]
		}
		if trimmed == "" && (len(out) == 0 || out[len(out)-1] == "") {
			continue
		}
		out = append(out, trimmed)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// Clean strips page boilerplate from text that looks like a scraped web
// page (see looksScraped) and returns the document title (or "") and the
// body lines, with "" marking a blank line between blocks. Any other text
// keeps every line: only its title block is split off.
func Clean(text string) (title string, body []string) {
	c := clean(text)
	return c.title, c.body
}

// cleaned is the outcome of cleaning, with what was removed.
type cleaned struct {
	title   string
	body    []string
	dropped []string
}

func clean(text string) cleaned {
	lines := normalizeLines(text)
	kinds := classifyLines(lines)
	if !looksScraped(lines, kinds) {
		title, body := splitTitle(lines)
		return cleaned{title: title, body: body}
	}
	return cleanPage(lines, kinds)
}

// classifyLines classifies every line outside code blocks.
func classifyLines(lines []string) []junkKind {
	kinds := make([]junkKind, len(lines))
	for i, l := range outsideCode(lines) {
		if l != "" {
			kinds[i] = classify(l)
		}
	}
	return kinds
}

// outsideCode yields the lines, with their indexes, that are not part of a
// fenced code block, fences included.
func outsideCode(lines []string) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		fence := ""
		for i, l := range lines {
			switch {
			case fence != "":
				if closesFence(l, fence) {
					fence = ""
				}
			default:
				if fence = fenceOpen(l); fence == "" && !yield(i, l) {
					return
				}
			}
		}
	}
}

// furniture reports page furniture that only a web page frame carries:
// copyright lines, bullets and breadcrumb-like paths occur in authored
// documents too, so they are no evidence of scraping.
func furniture(k junkKind) bool {
	return k != notJunk && k != junkCopyright && k != junkMenu
}

// looksScraped decides whether text is a scraped web page: at least two
// lines of page furniture (spam titles, link farms, widgets, time stamps,
// datelines, editor credits, "related" headings) in the header before the
// first line of content or in the run of junk that closes the text.
func looksScraped(lines []string, kinds []junkKind) bool {
	n := 0
	for i, l := range lines {
		if l == "" {
			continue
		}
		if kinds[i] == notJunk && isContent(l) {
			break
		}
		if furniture(kinds[i]) {
			n++
		}
	}
	for i := len(lines) - 1; i >= 0 && n < 2; i-- {
		if lines[i] == "" {
			continue
		}
		if kinds[i] == notJunk {
			break
		}
		if furniture(kinds[i]) {
			n++
		}
	}
	return n >= 2
}

// splitTitle separates a clean document's title from its body: a single
// top-level Markdown heading opening the text, or a first block of up to
// three short title-like lines. A version or date line right under the
// title belongs to it ("Apache License, Version 2.0, January 2004"); other
// lines of the block stay in the body.
func splitTitle(lines []string) (string, []string) {
	if t, n, ok := markdownTitleLines(lines); ok {
		return t, trimBlank(lines[n:])
	}
	end := slices.Index(lines, "")
	if end < 0 {
		end = len(lines)
	}
	if end == 0 || end > 3 {
		return "", lines
	}
	for _, l := range lines[:end] {
		if isContent(l) || fenceOpen(l) != "" || itemMarker(l) != nil {
			return "", lines
		}
	}
	title, rest := lines[0], lines[1:end]
	if len(rest) > 0 && isSubtitle(rest[0]) {
		title, rest = title+", "+rest[0], rest[1:]
	}
	body := slices.Clone(rest)
	if len(body) > 0 && end < len(lines) {
		body = append(body, "")
	}
	return title, append(body, trimBlank(lines[min(end, len(lines)):])...)
}

// markdownTitleLines finds a title written as the document's only "# "
// heading or only "===" underlined line, at its start; n is the number of
// lines it takes.
func markdownTitleLines(lines []string) (title string, n int, ok bool) {
	if len(lines) == 0 {
		return "", 0, false
	}
	if m := reMarkdown.FindStringSubmatch(lines[0]); m != nil && len(m[1]) == 1 && strings.TrimSpace(m[2]) != "" {
		for _, l := range outsideCode(lines[1:]) {
			if strings.HasPrefix(l, "# ") {
				return "", 0, false
			}
		}
		return strings.TrimSpace(m[2]), 1, true
	}
	isRule := func(l string) bool { return len(l) >= 3 && strings.Trim(l, "=") == "" }
	if len(lines) > 1 && isRule(lines[1]) && !slices.ContainsFunc(lines[2:], isRule) && !isContent(lines[0]) {
		return lines[0], 2, true
	}
	return "", 0, false
}

// isSubtitle: a short line with a number and no address, such as
// "Version 2.0, January 2004".
func isSubtitle(l string) bool {
	return utf8.RuneCountInString(l) <= 40 && strings.ContainsAny(l, "0123456789") && !strings.Contains(l, "://") && !strings.Contains(l, "@")
}

func trimBlank(ls []string) []string {
	for len(ls) > 0 && ls[0] == "" {
		ls = ls[1:]
	}
	return ls
}

// cleanPage strips the frame of a scraped page: the header before the body
// start, the footer after its end and junk lines in between.
func cleanPage(lines []string, kinds []junkKind) cleaned {
	start, titles := pageHeader(lines, kinds)
	title := pickTitle(titles)
	var body []string
	kept := make([]string, len(lines)) // the text each line kept, "" when dropped
	if start < len(lines) {
		if t, ok := soleMarkdownTitle(lines, start); ok && title == "" {
			title = t
			titles = append(titles, t)
			start++
		}
		end := pageFooter(lines, kinds, start)
		body = pageBody(lines, kinds, start, end, titles, kept)
	}
	return cleaned{title: title, body: body, dropped: droppedLines(lines, kept, title)}
}

// pageHeader finds the body start: everything before the first content
// line is header. Junk goes; what is left are short, sentence-less title
// lines.
func pageHeader(lines []string, kinds []junkKind) (start int, titles []string) {
	junkSeen := map[string]bool{}
	for i, l := range lines {
		if l == "" {
			continue
		}
		if kinds[i] != notJunk {
			junkSeen[stripDecoration(l)] = true
			continue
		}
		if junkSeen[stripDecoration(l)] {
			continue // plain repeat of a menu entry
		}
		if isContent(l) {
			return i, titles
		}
		titles = append(titles, l)
	}
	return len(lines), titles
}

// soleMarkdownTitle: a Markdown document's single top-level heading is its title.
func soleMarkdownTitle(lines []string, start int) (string, bool) {
	if !strings.HasPrefix(lines[start], "# ") {
		return "", false
	}
	if h, ok := parseHeading(lines[start], hctx{start: true}); !ok || h.rank != 1 {
		return "", false
	}
	for _, l := range lines[start+1:] {
		if strings.HasPrefix(l, "# ") {
			return "", false
		}
	}
	return strings.TrimSpace(strings.TrimPrefix(lines[start], "#")), true
}

// pageFooter finds the body end: an editor credit or a "related" heading
// ends the body; then trailing boilerplate is peeled off from the bottom.
func pageFooter(lines []string, kinds []junkKind, start int) int {
	end := len(lines)
	for i := start; i < len(lines); i++ {
		if k := kinds[i]; k == junkEditor || k == junkRelated {
			end = i
			break
		}
	}
	for end > start {
		l := lines[end-1]
		if l == "" {
			end--
			continue
		}
		k := kinds[end-1]
		// A bare date closing a body is usually the document's own signature
		// date; only stamped or labelled dates are page furniture.
		if k == notJunk || (k == junkDate && !reTimeStamp.MatchString(l) && !reDateLabel.MatchString(l)) {
			break
		}
		end--
	}
	return end
}

// pageBody keeps the body lines between start and end but repeated titles
// and SEO spam lines, recording in kept what each line kept.
func pageBody(lines []string, kinds []junkKind, start, end int, titles []string, kept []string) []string {
	titleKeys := map[string]bool{}
	for _, t := range titles {
		titleKeys[stripDecoration(t)] = true
	}
	var body []string
	for i := start; i < end; i++ {
		l := lines[i]
		if l == "" {
			if len(body) > 0 && body[len(body)-1] != "" {
				body = append(body, "")
			}
			continue
		}
		if titleKeys[stripDecoration(l)] {
			continue
		}
		if k := kinds[i]; k == junkSpam || k == junkLinkFarm || k == junkDateline {
			continue
		}
		if len(body) == 0 {
			l = stripDatelinePrefix(l)
		}
		body = append(body, l)
		kept[i] = l
	}
	for len(body) > 0 && body[len(body)-1] == "" {
		body = body[:len(body)-1]
	}
	return body
}

// droppedLines lists what cleaning removed: every non-blank line that is
// neither kept nor the title, and a dateline cut from the front of a line.
func droppedLines(lines, kept []string, title string) []string {
	var out []string
	for i, l := range lines {
		switch {
		case l == "" || l == title || kept[i] == l:
		case kept[i] == "":
			out = append(out, l)
		default:
			out = append(out, strings.TrimSpace(strings.TrimSuffix(l, kept[i])))
		}
	}
	return out
}

// pickTitle chooses the document title among the header's title lines. A
// page repeats its title (in the window title, the headline, the article
// itself); the repeated line's last form, nearest the body, is the
// document's own. Without repeats the first line is the headline and later
// ones are subtitles.
func pickTitle(titles []string) string {
	if len(titles) == 0 {
		return ""
	}
	count := map[string]int{}
	best := 1
	for _, t := range titles {
		k := stripDecoration(t)
		count[k]++
		best = max(best, count[k])
	}
	if best == 1 {
		return titles[0]
	}
	for i := len(titles) - 1; i >= 0; i-- {
		if count[stripDecoration(titles[i])] == best {
			return titles[i]
		}
	}
	return titles[0]
}

// stripDatelinePrefix removes a news dateline run into the first paragraph
// ("新华社北京9月17日电 正文…", "GENEVA, March 4 (Reuters) - Text").
func stripDatelinePrefix(l string) string {
	for _, re := range []*lazyre.Regexp{reCnDateline, reEnDateline} {
		if loc := re.FindStringIndex(l); loc != nil && loc[1] < len(l) {
			return strings.TrimSpace(l[loc[1]:])
		}
	}
	return l
}

// CleanText returns text without boilerplate in the canonical plain form:
// the title line (when one was found), then headings and paragraphs
// separated by blank lines. It is idempotent.
func CleanText(text string) string {
	title, body := Clean(text)
	var b strings.Builder
	if title != "" {
		b.WriteString(title)
		b.WriteString("\n")
		if len(body) > 0 {
			b.WriteString("\n")
		}
	}
	for _, l := range body {
		b.WriteString(l)
		b.WriteString("\n")
	}
	return b.String()
}
