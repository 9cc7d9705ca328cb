package bot

import (
	"fmt"
	"strings"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/corpus"
)

// replyLanguage is the language a reply to q is written in: the question's
// own (Simplified, Traditional or English), and the document's when the
// question has no letters to tell (an emoji, a label).
func replyLanguage(q string, doc *corpus.Document) Lang {
	if l := analysis.Detect(q); l != analysis.Unknown {
		return l
	}
	return docLanguage(doc)
}

// docLanguage is the language of most of a document's text; English stands
// for any alphabetic language.
func docLanguage(doc *corpus.Document) Lang {
	size := map[Lang]int{}
	for i, p := range doc.Paragraphs {
		if i == 50 {
			break // the first pages tell
		}
		size[analysis.Detect(p.Text)] += len(p.Text)
	}
	best := Simplified
	for _, l := range []Lang{Traditional, English} {
		if size[l] > size[best] {
			best = l
		}
	}
	return best
}

// Description says what a transport should tell users about the serving
// document: its title and a few labels to show as examples. It changes
// with every reload.
type Description struct {
	Title  string
	Labels []string // a paragraph label, a subsection and a part, where the document has them
}

// Describe describes the serving document.
func (b *Bot) Describe() Description {
	doc := b.cfg.Searcher.Document()
	d := Description{Title: b.title(doc)}
	var para, sub, part string
	for _, s := range doc.Sections {
		switch {
		case s.Key == "" || s.Key == corpus.PreambleKey:
		case part == "" && !strings.Contains(s.Key, "("):
			part = s.Key
		case sub == "" && strings.Contains(s.Key, "("):
			sub = s.Key
		}
		if para == "" && len(s.Paragraphs) > 1 && s.Key != "" {
			para = doc.Paragraphs[s.Paragraphs[1]].Label
		}
	}
	if para == "" && len(doc.Paragraphs) > 0 {
		para = doc.Paragraphs[0].Label
	}
	for _, l := range []string{para, sub, part} {
		if l != "" {
			d.Labels = append(d.Labels, l)
		}
	}
	return d
}

// helpText explains the bot for the serving document, in language l.
func helpText(d Description, l Lang) string {
	examples := list(l, d.Labels)
	t := title(d.Title, l)
	switch l {
	case Simplified:
		return fmt.Sprintf("我只根据《%s》的原文回答问题,并注明出处的章节。\n"+
			"• /ask 问题 — 用简体、繁体中文或英文提问;回答会引用原文段落。\n"+
			"• /cite 标签 — 显示一个段落或整个章节,例如 %s。\n"+
			"• /reload — 管理员:重新加载文件(可附 .txt 或 .md 文件替换)。\n"+
			"文件没有涉及的问题,我会直说;不确定时,我会给出最接近的段落。", t, examples)
	case Traditional:
		return fmt.Sprintf("我只根據《%s》的原文回答問題,並註明出處的章節。\n"+
			"• /ask 問題 — 用簡體、繁體中文或英文提問;回答會引用原文段落。\n"+
			"• /cite 標籤 — 顯示一個段落或整個章節,例如 %s。\n"+
			"• /reload — 管理員:重新載入文件(可附 .txt 或 .md 檔案替換)。\n"+
			"文件沒有涉及的問題,我會直說;不確定時,我會給出最接近的段落。", t, examples)
	}
	return fmt.Sprintf("I answer questions about %s, only from its text, citing its sections.\n"+
		"• /ask question — ask in English or Chinese (简体/繁體); the answer quotes the cited paragraphs.\n"+
		"• /cite label — show a passage or a whole section, e.g. %s.\n"+
		"• /reload — admins: reload the document (attach .txt or .md files to replace it).\n"+
		"Questions the document does not answer get a plain \"does not address this\"; when I'm not sure, I show the closest passages.", t, examples)
}
