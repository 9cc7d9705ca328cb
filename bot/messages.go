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
	MsgNotAddressed        Msg = iota // title
	MsgUncertain                      // title
	MsgLead                           // title, labels
	MsgLeadOriginal                   // title, labels: the quotes are in the document's language
	MsgSection                        // section title, number of paragraphs
	MsgModelDown                      // —
	MsgUnchecked                      // —
	MsgEmptyQuestion                  // —
	MsgTooLong                        // length, limit
	MsgNotText                        // —
	MsgRateLimited                    // limit, seconds
	MsgSearchFailed                   // —
	MsgInternal                       // —
	MsgUnknownCommand                 // —
	MsgEmptyLabel                     // example labels
	MsgUnknownLabel                   // the label, the nearest labels
	MsgNoSuchLabel                    // the label
	MsgEmptySection                   // the label
	MsgForbidden                      // —
	MsgReloadFailed                   // the reason
	MsgReloaded                       // paragraphs, added, removed, changed, time
	MsgDropped                        // number of lines, first line
	MsgReloadBusy                     // —
	MsgBadAttachment                  // file name
	MsgAttachmentSize                 // file name, size, limit
	MsgTooManyParagraphs              // paragraphs, limit
	MsgFailed                         // —
	MsgEmpty                          // —
	MsgThanks                         // —
	MsgVoteExpired                    // —
	MsgDownloadFailed                 // —
	MsgRemoved                        // number of citations
	MsgAskDescription                 // title
	MsgCiteDescription                // example label
	MsgHelpDescription                // —
	MsgReloadDescription              // —
	MsgInterrupted                    // —
	MsgRestarting                     // —
	MsgAnsweredPrivately              // —
	MsgNotShown                       // number of passages not shown
	MsgTooLongToShow                  // —
	MsgHelp                           // title, example labels
	MsgHelpDiscord                    // menu command name
	MsgFooterQuoted                   // —
	MsgFooterModel                    // model
	MsgFooterUncertain                // —
	MsgTryRephrase                    // —
	MsgTryRephraseSections            // closest sections
	MsgShowPassage                    // label
	MsgHowFound                       // —
	MsgPostPublicly                   // —
	MsgAskMenu                        // —
	MsgPassageLead                    // label
	MsgHowSearched                    // quoted queries
	MsgHowWhole                       // paragraphs
	MsgHowTop                         // —
	MsgHowVersion                     // version
	MsgHowModel                       // model
	MsgHowNoModel                     // —
	MsgExpired                        // —
	MsgAlreadyPosted                  // —
	MsgNoText                         // —
	MsgDMsOff                         // —
	MsgQuestionOption                 // —
	MsgLabelOption                    // —
	MsgFileOption                     // —
	MsgMoreFilesOption                // —
	MsgDocEmpty                       // —
	MsgDocBinary                      // —
	MsgDocNotUTF8                     // —
	MsgDocTooLarge                    // limit in bytes
	MsgDocNoParagraphs                // —
	MsgDocNoFiles                     // —
	MsgDocUnreadable                  // —
	MsgQuoted                         // a text quoted
	MsgWebAsk                         // —
	MsgWebAskAbout                    // title
	MsgWebPlaceholder                 // —
	MsgWebAnswer                      // —
	MsgWebCitations                   // —
	MsgWebAnswered                    // —
	MsgWebUncertain                   // —
	MsgWebNotAddressed                // —
	MsgWebFullText                    // —
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
	MsgDropped: {"作为网页杂项或目录删除了 %d 行(第一行:「%s」)。", "作為網頁雜項或目錄刪除了 %d 行(第一行:「%s」)。",
		"%d lines were left out as web-page boilerplate or a table of contents (the first: “%s”)."},
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
	MsgHelp: {"我只根据《%s》的原文回答问题,并注明出处的章节。\n" +
		"• /ask 问题 — 用简体、繁体中文或英文提问;回答会引用原文段落。\n" +
		"• /cite 标签 — 显示一个段落或整个章节,例如 %s。\n" +
		"• /reload — 管理员:重新加载文件(可附 .txt 或 .md 文件替换)。\n" +
		"文件没有涉及的问题,我会直说;不确定时,我会给出最接近的段落。",
		"我只根據《%s》的原文回答問題,並註明出處的章節。\n" +
			"• /ask 問題 — 用簡體、繁體中文或英文提問;回答會引用原文段落。\n" +
			"• /cite 標籤 — 顯示一個段落或整個章節,例如 %s。\n" +
			"• /reload — 管理員:重新載入文件(可附 .txt 或 .md 檔案替換)。\n" +
			"文件沒有涉及的問題,我會直說;不確定時,我會給出最接近的段落。",
		"I answer questions about %s, only from its text, citing its sections.\n" +
			"• /ask question — ask in English or Chinese (简体/繁體); the answer quotes the cited paragraphs.\n" +
			"• /cite label — show a passage or a whole section, e.g. %s.\n" +
			"• /reload — admins: reload the document (attach .txt or .md files to replace it).\n" +
			"Questions the document does not answer get a plain \"does not address this\"; when I'm not sure, I show the closest passages."},
	MsgHelpDiscord: {"• 在任何消息上点右键(手机上长按)→ 应用 →「%s」— 就这条消息的内容提问,只有你看得到回答,可以再公开发布。\n" +
		"• 回答下的按钮:查看引用段落的全文及其前后段落,或看看我是怎么找到答案的。",
		"• 在任何訊息上按右鍵(手機上長按)→ 應用程式 →「%s」— 就這則訊息的內容提問,只有你看得到回答,可以再公開發布。\n" +
			"• 回答下的按鈕:查看引用段落的全文及其前後段落,或看看我是怎麼找到答案的。",
		"• Right-click any message (long-press on a phone) → Apps → “%s” — ask about that message; only you see the answer, and you can post it.\n" +
			"• The buttons under an answer show a cited paragraph in full with the ones around it, or how I found the answer."},
	MsgFooterQuoted: {"引自原文", "引自原文", "Quoted from the document"},
	MsgFooterModel: {"由 %s 撰写 · 每处引用都已与原文核对", "由 %s 撰寫 · 每處引用都已與原文核對",
		"Written by %s · every citation checked against the text"},
	MsgFooterUncertain: {"最接近的段落 · 不确定文件是否谈到这一点", "最接近的段落 · 不確定文件是否談到這一點",
		"Closest passages · not sure the document covers this"},
	MsgTryRephrase: {"可以换个说法再问,或用 /cite 阅读某一章节。", "可以換個說法再問,或用 /cite 閱讀某一章節。",
		"Try asking in other words, or read a section with /cite."},
	MsgTryRephraseSections: {"可以换个说法再问,或用 /cite 阅读最接近的章节:\n%s", "可以換個說法再問,或用 /cite 閱讀最接近的章節:\n%s",
		"Try asking in other words, or read the closest sections with /cite:\n%s"},
	MsgShowPassage:  {"查看 %s 全文", "查看 %s 全文", "Show %s"},
	MsgHowFound:     {"我是怎么找到的", "我是怎麼找到的", "How I found this"},
	MsgPostPublicly: {"公开发布", "公開發布", "Post publicly"},
	MsgAskMenu:      {"问 citebot", "問 citebot", "Ask citebot"},
	MsgPassageLead:  {"%s 及其前后段落:", "%s 及其前後段落:", "%s with the paragraphs before and after it:"},
	MsgHowSearched:  {"搜索的内容:%s", "搜尋的內容:%s", "Searched for: %s"},
	MsgHowWhole: {"模型读了整份文件(%d 段);搜索只决定引用的顺序。", "模型讀了整份文件(%d 段);搜尋只決定引用的順序。",
		"The model read the whole document (%d paragraphs); the search only ordered the citations."},
	MsgHowTop:        {"得分最高的段落:", "得分最高的段落:", "Top passages and their scores:"},
	MsgHowVersion:    {"文件版本 %s", "文件版本 %s", "Document version %s"},
	MsgHowModel:      {"回答由 %s 撰写", "回答由 %s 撰寫", "Answer written by %s"},
	MsgHowNoModel:    {"没有使用模型:段落按原文引用", "沒有使用模型:段落按原文引用", "No model: the passages are quoted as found"},
	MsgExpired:       {"这则回答已过期,请重新提问。", "這則回答已過期,請重新提問。", "This answer has expired; please ask again."},
	MsgAlreadyPosted: {"这则回答已经公开发布过了。", "這則回答已經公開發布過了。", "This answer has already been posted."},
	MsgNoText:        {"这条消息没有可以提问的文字。", "這則訊息沒有可以提問的文字。", "That message has no text to ask about."},
	MsgDMsOff: {"我不在私信中回答问题,请在服务器里提问。", "我不在私訊中回答問題,請在伺服器裡提問。",
		"I don't answer in direct messages; please ask on the server."},
	MsgQuestionOption:  {"你的问题", "你的問題", "Your question"},
	MsgLabelOption:     {"段落标签", "段落標籤", "Passage label"},
	MsgFileOption:      {"新文件(.txt 或 .md)", "新文件(.txt 或 .md)", "A new document (.txt or .md)"},
	MsgMoreFilesOption: {"同一文件集的另一个文件", "同一文件集的另一個檔案", "Another document of the corpus"},
	MsgDocEmpty:        {"文件是空的", "文件是空的", "the document is empty"},
	MsgDocBinary:       {"文件含有二进制数据,不是文本", "文件含有二進位資料,不是文字", "the file holds binary data, not text"},
	MsgDocNotUTF8:      {"文件不是有效的 UTF-8 文本", "文件不是有效的 UTF-8 文字", "the file is not valid UTF-8 text"},
	MsgDocTooLarge:     {"文件超过 %d 字节", "文件超過 %d 位元組", "the file is larger than %d bytes"},
	MsgDocNoParagraphs: {"文件没有正文段落,只有标题或网页杂项", "文件沒有正文段落,只有標題或網頁雜項",
		"the document has no paragraphs, only a title, headings or web-page boilerplate"},
	MsgDocNoFiles:    {"没有 .txt 或 .md 文件", "沒有 .txt 或 .md 檔案", "there are no .txt or .md documents"},
	MsgDocUnreadable: {"新文件无法读取(原因见机器人的日志)", "新文件無法讀取(原因見機器人的日誌)", "the new document could not be read (the bot's log says why)"},
	MsgQuoted:        {"「%s」", "「%s」", "“%s”"},
	// The web page's own words.
	MsgWebAsk:          {"提问", "提問", "Ask"},
	MsgWebAskAbout:     {"就《%s》提问", "就《%s》提問", "Ask about %s"},
	MsgWebPlaceholder:  {"用自己的话提问,或输入段落标签", "用自己的話提問,或輸入段落標籤", "Ask in your own words, or type a passage label"},
	MsgWebAnswer:       {"回答", "回答", "Answer"},
	MsgWebCitations:    {"引用", "引用", "Citations"},
	MsgWebAnswered:     {"已回答", "已回答", "answered"},
	MsgWebUncertain:    {"不确定", "不確定", "not sure"},
	MsgWebNotAddressed: {"文件未涉及", "文件未涉及", "not addressed"},
	MsgWebFullText:     {"全文", "全文", "Full text"},
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

// TitleIn is the document's title written for a reply in language l: in the
// asker's script for Chinese, and for English as a sentence can begin with
// it ("The Apache License …", "上海合作組織…").
func TitleIn(doc string, l Lang) string {
	if doc == "" {
		if l.Chinese() {
			return "文件"
		}
		return "The document"
	}
	return analysis.Script(doc, l)
}
