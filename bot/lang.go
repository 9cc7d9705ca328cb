package bot

import (
	"strconv"
	"strings"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/embeddings"
)

// language is the language the bot answers in.
type language int

const (
	langHans language = iota
	langHant
	langEN
)

// languageOf guesses the question's language: English when Latin letters
// outnumber Chinese characters twice, else Traditional when any character
// has a Simplified form, else Simplified.
func languageOf(q string) language {
	switch {
	case embeddings.MostlyLatin(q):
		return langEN
	case embeddings.Traditional(q):
		return langHant
	default:
		return langHans
	}
}

type phrases struct {
	notFound, modelDown, unchecked string
	lead                           func(labels []string) string
	section                        func(title string, n int) string
}

var messages = map[language]phrases{
	langHans: {
		notFound:  "宣言没有涉及这个问题。",
		modelDown: "模型暂时不可用,以下是宣言原文。",
		unchecked: "模型的回答未能通过引用核对,以下是宣言原文。",
		lead:      func(l []string) string { return "宣言在 " + strings.Join(l, "、") + " 中谈到这一点:" },
		section:   func(t string, n int) string { return "「" + t + "」共 " + strconv.Itoa(n) + " 段:" },
	},
	langHant: {
		notFound:  "宣言沒有涉及這個問題。",
		modelDown: "模型暫時無法使用,以下是宣言原文。",
		unchecked: "模型的回答未能通過引用核對,以下是宣言原文。",
		lead:      func(l []string) string { return "宣言在 " + strings.Join(l, "、") + " 中談到這一點:" },
		section:   func(t string, n int) string { return "「" + t + "」共 " + strconv.Itoa(n) + " 段:" },
	},
	langEN: {
		notFound:  "The declaration does not address this.",
		modelDown: "The model is unavailable right now; here are the passages of the declaration.",
		unchecked: "The model's answer failed the citation check; here are the passages of the declaration.",
		lead: func(l []string) string {
			return "The declaration addresses this in " + strings.Join(l, ", ") + " (quoted in the original Chinese):"
		},
		section: func(t string, n int) string {
			return "Section " + t + " (" + strconv.Itoa(n) + " paragraphs, original Chinese):"
		},
	},
}

func helpText(doc *corpus.Document) string {
	title := doc.Title
	if title == "" {
		title = doc.Name
	}
	return "I answer questions about 《" + title + "》, only from its text, citing its sections.\n" +
		"• /ask question — ask in Chinese (简体/繁體) or English; the answer quotes the cited paragraphs.\n" +
		"• /cite label — show a passage or a whole section: 三(四)¶2, 3.4.2, 3(4)2, 三（四）2, or 3.4 for a subsection.\n" +
		"• /reload — admins: reload the document (attach a .txt or .md file to replace it).\n" +
		"Questions the document does not answer get a plain \"not addressed\"."
}
