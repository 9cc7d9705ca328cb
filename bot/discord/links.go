package discord

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/internal/anchor"
)

// With CITEBOT_PUBLIC_URL set, every cited label links to its paragraph on
// the document's web page, as a Markdown masked link: [一¶7](https://…).
// Links are added after the text is escaped (see escapeMarkup), so that
// only the bot's own links render as links.

// maxLinkURL bounds the address of a link: a longer one is not made (the
// masked link would crowd a field's 1,024 characters).
const maxLinkURL = 300

// paragraphURL is the address of label's paragraph on the page at base,
// "" when there is no page or the address would be too long. anchor
// percent-encodes the fragment; the base's own parentheses are encoded
// too, as ")" would end the Markdown link.
func paragraphURL(base, label string) string {
	u := anchor.URL(base, label)
	if u == "" || len(u) > maxLinkURL || strings.ContainsAny(u, " \n<>") {
		return ""
	}
	return strings.NewReplacer("(", "%28", ")", "%29").Replace(u)
}

// labelLink is a masked link to label's paragraph, "" without a page.
func labelLink(label, base string) string {
	u := paragraphURL(base, label)
	if u == "" {
		return ""
	}
	return "[" + escapeMarkdown(label) + "](" + u + ")"
}

// bracketRe is a bracketed run that may be a citation: [三(四)¶2].
var bracketRe = regexp.MustCompile(`\[([^\[\]\n]{1,40})\]`)

// linkCitations turns each [label] of text that names one of the cited
// passages into a masked link to the paragraph. text is already escaped,
// so a link the model wrote shows as "]\(" and is not followed.
func linkCitations(text string, cs []bot.Citation, base string) string {
	if base == "" || len(cs) == 0 {
		return text
	}
	cited := make(map[string]bool, len(cs))
	for _, c := range cs {
		cited[c.Label] = true
	}
	return bracketRe.ReplaceAllStringFunc(text, func(m string) string {
		label := m[1 : len(m)-1]
		if !cited[label] {
			return m
		}
		if link := labelLink(label, base); link != "" {
			return link
		}
		return m
	})
}

// markdownRe finds the characters Discord's Markdown gives a meaning to
// inside a line: emphasis, code, spoilers, link brackets, escapes.
var markdownRe = regexp.MustCompile("[\\\\*_~`|\\[\\]]")

// escapeMarkdown makes s show as written inside a line of Markdown.
func escapeMarkdown(s string) string {
	return markdownRe.ReplaceAllString(s, `\$0`)
}

// renderPassages renders a paragraph with its neighbours: one embed each,
// titled with its label and section and linked to the page, the text in
// full (split when longer than an embed holds); the paragraph asked for
// in the answer's colour, its neighbours grey.
func renderPassages(r bot.Reply, base string) []outMessage {
	var embeds []*discordgo.MessageEmbed
	for _, c := range r.Citations {
		color := colorUngrounded
		if c.Label == r.Question {
			color = colorAnswer
		}
		title := c.Label
		if s := strings.TrimSpace(c.Section); s != "" {
			title += " · " + s
		}
		text := strings.TrimSpace(c.Text)
		if text == "" {
			text = "—"
		}
		for n, part := range splitText(text, maxEmbedDescription) {
			e := &discordgo.MessageEmbed{Description: part, Color: color}
			if n == 0 {
				e.Title = truncate(title, maxEmbedTitle)
				e.URL = paragraphURL(base, c.Label)
			}
			embeds = append(embeds, e)
		}
	}
	out := []outMessage{{Content: truncate(r.Lead, maxContent)}}
	for _, e := range embeds {
		cur := &out[len(out)-1]
		if len(cur.Embeds) == maxEmbeds || embedsWidth(cur.Embeds)+embedsWidth([]*discordgo.MessageEmbed{e}) > maxEmbedsTotal {
			out = append(out, outMessage{})
			cur = &out[len(out)-1]
		}
		cur.Embeds = append(cur.Embeds, e)
	}
	if len(out) > maxMessages {
		out = out[:maxMessages]
	}
	return out
}

// renderTrace shows how an answer was found: the queries as searched, the
// best passages with their scores, the document's version and who wrote
// the answer, in the answer's language.
func renderTrace(tr bot.Trace, lang bot.Lang, base string) outMessage {
	var b strings.Builder
	quoted := make([]string, len(tr.Queries))
	for i, q := range tr.Queries {
		quoted[i] = bot.Say(lang, bot.MsgQuoted, escapeMarkup(escapeMarkdown(truncate(strings.Join(strings.Fields(q), " "), 300))))
	}
	b.WriteString(bot.Say(lang, bot.MsgHowSearched, strings.Join(quoted, " · ")))
	if tr.Whole {
		b.WriteString("\n" + bot.Say(lang, bot.MsgHowWhole, tr.Paragraphs))
	}
	if len(tr.Hits) > 0 {
		b.WriteString("\n\n" + bot.Say(lang, bot.MsgHowTop))
		for _, h := range tr.Hits {
			label := labelLink(h.Label, base)
			if label == "" {
				label = escapeMarkdown(h.Label)
			}
			fmt.Fprintf(&b, "\n`%.2f` %s", h.Score, label)
			if s := strings.TrimSpace(h.Section); s != "" {
				b.WriteString(" · " + escapeMarkup(escapeMarkdown(s)))
			}
		}
	}
	footer := bot.Say(lang, bot.MsgHowVersion, tr.Version)
	if tr.Model != "" {
		footer += " · " + bot.Say(lang, bot.MsgHowModel, tr.Model)
	} else {
		footer += " · " + bot.Say(lang, bot.MsgHowNoModel)
	}
	return outMessage{Embeds: []*discordgo.MessageEmbed{{
		Title:       bot.Say(lang, bot.MsgHowFound),
		Description: truncate(b.String(), maxEmbedDescription),
		Color:       colorUngrounded,
		Footer:      &discordgo.MessageEmbedFooter{Text: truncate(footer, maxFooter)},
	}}}
}
