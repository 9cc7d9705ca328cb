package bot

import (
	"fmt"
	"strings"

	"github.com/citebot/citebot/analysis"
)

// Lang is the language a reply is written in: Simplified or Traditional
// Chinese, or English.
type Lang = analysis.Language

// The reply languages.
const (
	Simplified  = analysis.Simplified
	Traditional = analysis.Traditional
	English     = analysis.English
)

// Msg names one thing the bot says to users. Every user-facing sentence is
// in the table below, in every reply language; transports render replies
// and take their own few words (buttons, footers) from here too.
type Msg int

// The messages. A %s or %d in the text is filled by Say's arguments, in
// the order the comment gives.
const (
	MsgNotAddressed      Msg = iota // title
	MsgUncertain                    // title
	MsgLead                         // title, labels
	MsgLeadOriginal                 // title, labels: the quotes are in the document's language
	MsgSection                      // section title, number of paragraphs
	MsgModelDown                    // —
	MsgUnchecked                    // —
	MsgEmptyQuestion                // —
	MsgTooLong                      // length, limit
	MsgNotText                      // —
	MsgRateLimited                  // limit, seconds
	MsgSearchFailed                 // —
	MsgInternal                     // —
	MsgUnknownCommand               // —
	MsgEmptyLabel                   // example labels
	MsgUnknownLabel                 // the label, the nearest labels
	MsgNoSuchLabel                  // the label
	MsgEmptySection                 // the label
	MsgForbidden                    // —
	MsgReloadFailed                 // the reason
	MsgReloaded                     // paragraphs, added, removed, changed, time
	MsgDropped                      // number of lines, first line
	MsgReloadBusy                   // —
	MsgBadAttachment                // file name
	MsgAttachmentSize               // file name, size, limit
	MsgTooManyParagraphs            // paragraphs, limit
	MsgFailed                       // —
	MsgEmpty                        // —
	MsgThanks                       // —
	MsgVoteExpired                  // —
	MsgDownloadFailed               // —
	MsgRemoved                      // number of citations
	MsgMode                         // mode, model
	MsgAskDescription               // title
	MsgCiteDescription              // example label
	MsgHelpDescription              // —
	MsgReloadDescription            // —
	MsgInterrupted                  // —
	MsgRestarting                   // —
	MsgAnsweredPrivately            // —
	MsgNotShown                     // number of passages not shown
	MsgTooLongToShow                // —
)

var messages = map[Msg][3]string{ // Simplified, Traditional, English
	MsgNotAddressed: {"《%s》没有涉及这个问题。", "《%s》沒有涉及這個問題。", "%s does not address this."},
	MsgUncertain: {"我不确定《%s》是否谈到这一点;最接近的段落是:", "我不確定《%s》是否談到這一點;最接近的段落是:",
		"I'm not sure %s covers this; the closest passages are:"},
	MsgLead:         {"《%s》在 %s 中谈到这一点:", "《%s》在 %s 中談到這一點:", "%s addresses this in %s:"},
	MsgLeadOriginal: {"《%s》在 %s 中谈到这一点(引文为原文):", "《%s》在 %s 中談到這一點(引文為原文):", "%s addresses this in %s (quoted in the original):"},
	MsgSection:      {"「%s」共 %d 段:", "「%s」共 %d 段:", "%s (%d paragraphs):"},
	MsgModelDown:    {"模型暂时不可用,以下是原文段落。", "模型暫時無法使用,以下是原文段落。", "The model is unavailable right now; here are the passages."},
	MsgUnchecked: {"模型的回答未能通过引用核对,以下是原文段落。", "模型的回答未能通過引用核對,以下是原文段落。",
		"The model's answer failed the citation check; here are the passages."},
	MsgEmptyQuestion: {"问题是空的。", "問題是空的。", "The question is empty."},
	MsgTooLong:       {"问题有 %d 个字符,上限是 %d。", "問題有 %d 個字元,上限是 %d。", "The question is %d characters long; the limit is %d."},
	MsgNotText:       {"问题不是有效的 UTF-8 文本。", "問題不是有效的 UTF-8 文字。", "The question is not valid UTF-8 text."},
	MsgRateLimited: {"提问太快了:每分钟最多 %d 个问题,请 %d 秒后再试。", "提問太快了:每分鐘最多 %d 個問題,請 %d 秒後再試。",
		"You are asking too fast: the limit is %d questions a minute. Try again in %d s."},
	MsgSearchFailed:   {"搜索失败,请再试一次。", "搜尋失敗,請再試一次。", "Search failed; please try again."},
	MsgInternal:       {"我们这边出了问题,请再试一次。", "我們這邊出了問題,請再試一次。", "Something went wrong on our side; please try again."},
	MsgUnknownCommand: {"我不认识这个命令。试试 /help。", "我不認識這個指令。試試 /help。", "I don't know that command. Try /help."},
	MsgEmptyLabel:     {"请给出一个段落标签,例如 %s。", "請給出一個段落標籤,例如 %s。", "Give a passage label such as %s."},
	MsgUnknownLabel: {"没有标签为「%s」的段落或章节;最接近的是 %s。", "沒有標籤為「%s」的段落或章節;最接近的是 %s。",
		"There is no passage or section labelled “%s”; the nearest are %s."},
	MsgNoSuchLabel: {"「%s」不是段落标签。要提问,请用 /ask。", "「%s」不是段落標籤。要提問,請用 /ask。",
		"“%s” is not a passage label. To ask a question, use /ask."},
	MsgEmptySection: {"章节「%s」没有正文。", "章節「%s」沒有正文。", "Section “%s” has no text of its own."},
	MsgForbidden:    {"只有服务器管理员可以重新加载文件。", "只有伺服器管理員可以重新載入文件。", "Only server admins can reload the document."},
	MsgReloadFailed: {"重新加载失败,旧文件继续使用:%s", "重新載入失敗,舊文件繼續使用:%s", "Reload failed; the old document keeps serving: %s"},
	MsgReloaded: {"已重新加载:%d 段(新增 %d、删除 %d、修改 %d),用时 %s。", "已重新載入:%d 段(新增 %d、刪除 %d、修改 %d),用時 %s。",
		"Reloaded: %d paragraphs (%d added, %d removed, %d changed) in %s."},
	MsgDropped: {"作为网页杂项删除了 %d 行(第一行:「%s」)。", "作為網頁雜項刪除了 %d 行(第一行:「%s」)。",
		"%d lines were removed as web-page boilerplate (the first: “%s”)."},
	MsgReloadBusy:        {"另一次重新加载正在进行,请稍后再试。", "另一次重新載入正在進行,請稍後再試。", "Another reload is running; try again when it is done."},
	MsgBadAttachment:     {"只接受 .txt 或 .md 文件:%s", "只接受 .txt 或 .md 檔案:%s", "Only .txt and .md files can be loaded: %s"},
	MsgAttachmentSize:    {"文件 %s 有 %d 字节,超过 %d 字节的上限。", "檔案 %s 有 %d 位元組,超過 %d 位元組的上限。", "File %s is %d bytes, over the %d byte limit."},
	MsgTooManyParagraphs: {"文件有 %d 段,超过 %d 段的上限。", "文件有 %d 段,超過 %d 段的上限。", "The document has %d paragraphs, over the limit of %d."},
	MsgFailed:            {"抱歉,处理时发生错误,请稍后再试。", "抱歉,處理時發生錯誤,請稍後再試。", "Sorry, something went wrong; please try again later."},
	MsgEmpty:             {"(没有内容)", "(沒有內容)", "(nothing to show)"},
	MsgThanks:            {"感谢反馈!", "感謝回饋!", "Thanks for the feedback!"},
	MsgVoteExpired:       {"这则回答已过期,无法记录反馈。", "這則回答已過期,無法記錄回饋。", "This answer has expired; the vote was not recorded."},
	MsgDownloadFailed:    {"无法下载附件,请重试。", "無法下載附件,請重試。", "The attachment could not be downloaded; please try again."},
	MsgRemoved:           {"已删除 %d 处无法核实的引用", "已刪除 %d 處無法核實的引用", "%d unsupported citation(s) removed"},
	MsgMode:              {"模式:%s", "模式:%s", "mode: %s"},
	MsgAskDescription:    {"就《%s》提问", "就《%s》提問", "Ask a question about %s"},
	MsgCiteDescription: {"按标签显示原文段落,例如 %s", "依標籤顯示原文段落,例如 %s",
		"Show a passage by its label, e.g. %s"},
	MsgHelpDescription:   {"使用说明", "使用說明", "How to use the bot"},
	MsgReloadDescription: {"重新加载文件(管理员)", "重新載入文件(管理員)", "Reload the document (admins)"},
	MsgInterrupted: {"回答被中断;以下只有已核对的部分。", "回答被中斷;以下只有已核對的部分。",
		"The answer was interrupted; only what was checked is shown."},
	MsgRestarting: {"机器人正在重新启动,请稍后再问一次。", "機器人正在重新啟動,請稍後再問一次。",
		"The bot is restarting; please ask again in a minute."},
	MsgAnsweredPrivately: {"(已单独回复提问者)", "(已單獨回覆提問者)", "(answered privately)"},
	MsgNotShown: {"还有 %d 段未显示,可用 /cite 查看。", "還有 %d 段未顯示,可用 /cite 查看。",
		"%d more passages are not shown; use /cite to read them."},
	MsgTooLongToShow: {"(回答太长,其余部分未显示)", "(回答太長,其餘部分未顯示)", "(too long; the rest is not shown)"},
}

// Say writes message m in language l, with args filled in; a language
// other than the three falls back to English.
func Say(l Lang, m Msg, args ...any) string {
	t, ok := messages[m]
	if !ok {
		return fmt.Sprintf("Msg(%d)", int(m))
	}
	i := 2
	switch l {
	case Simplified:
		i = 0
	case Traditional:
		i = 1
	}
	if len(args) == 0 {
		return t[i]
	}
	return fmt.Sprintf(t[i], args...)
}

// list joins labels the way the language writes a list.
func list(l Lang, items []string) string {
	if l.Chinese() {
		return strings.Join(items, "、")
	}
	return strings.Join(items, ", ")
}

// title is the document's title written for a reply in language l: in the
// asker's script for Chinese, and for English as a sentence can begin with
// it ("The Apache License …", "上海合作組織…").
func title(doc string, l Lang) string {
	if doc == "" {
		if l.Chinese() {
			return "文件"
		}
		return "The document"
	}
	return analysis.Script(doc, l)
}
