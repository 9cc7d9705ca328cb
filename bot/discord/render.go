package discord

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot"
)

// Discord's message limits, counted in characters. Discord counts UTF-16 code
// units (JavaScript string length); for the document's Chinese text that is
// one per rune, and width below never under-counts astral characters.
const (
	maxContent          = 2000
	maxEmbedTitle       = 256
	maxEmbedDescription = 4096
	maxFieldName        = 256
	maxFieldValue       = 1024
	maxFooter           = 2048
	maxFields           = 25
	maxEmbeds           = 10
	maxEmbedsTotal      = 6000
	maxChoice           = 100
	maxThreadName       = 100

	// answerChunk leaves room in a 6000-character message for the title and
	// footer next to a full description.
	answerChunk = 4000
	// maxMessages caps the messages of one reply. A model's answer is
	// bounded (llm.MaxReplyRunes: three chunks) and its passages follow; a
	// longer reply is cut with a note, not posted as dozens of messages.
	maxMessages = 4
	// citationSpanMax bounds what counts as a citation like [三(四)¶2]; a
	// longer bracketed run is ordinary text and may be split.
	citationSpanMax = 40
)

const (
	colorAnswer     = 0x2b6cb0
	colorUngrounded = 0x718096
)

// outMessage is one message as the adapter will send it; the renderer produces
// these without any I/O so every limit can be table-tested.
type outMessage struct {
	Content string
	Embeds  []*discordgo.MessageEmbed
}

// width is the length Discord checks a string against (UTF-16 code units).
func width(s string) int {
	n := 0
	for _, r := range s {
		n += max1(utf16.RuneLen(r))
	}
	return n
}

// truncate shortens s to at most maxWidth characters, ending with "…" when cut,
// and never cuts inside a rune.
func truncate(s string, maxWidth int) string {
	if width(s) <= maxWidth {
		return s
	}
	if maxWidth < 1 {
		return ""
	}
	w, end := 0, 0
	for i, r := range s {
		rw := max1(utf16.RuneLen(r))
		if w+rw > maxWidth-1 {
			break
		}
		w += rw
		_, size := utf8.DecodeRuneInString(s[i:])
		end = i + size
	}
	return s[:end] + "…"
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// citationSpans returns the byte ranges [open, close] of bracketed citations
// such as [三(四)¶2], with the link that follows one directly
// ([三(四)¶2](https://…)); a split may fall before open or after close only.
func citationSpans(s string) [][2]int {
	var spans [][2]int
	open, runes := -1, 0
	for i, r := range s {
		switch {
		case r == '[':
			open, runes = i, 0
		case r == ']' && open >= 0:
			end := i
			if rest := s[i+1:]; strings.HasPrefix(rest, "(") {
				url := rest[1:min(len(rest), maxLinkURL+2)]
				if j := strings.IndexAny(url, ") \n"); j >= 0 && url[j] == ')' {
					end = i + 2 + j
				}
			}
			spans = append(spans, [2]int{open, end})
			open = -1
		case r == '\n':
			open = -1
		case open >= 0:
			runes++
			if runes > citationSpanMax {
				open = -1
			}
		}
	}
	return spans
}

func isTerminator(r rune) bool {
	switch r {
	case '。', '！', '？', '!', '?', '.':
		return true
	}
	return false
}

// isClause marks a weaker break (a clause or a word) for text without a
// sentence end in reach; Chinese has no spaces between words.
func isClause(r rune) bool {
	switch r {
	case '，', '；', '、', '：', ',', ';', ':':
		return true
	}
	return unicode.IsSpace(r)
}

func isCloser(r rune) bool {
	switch r {
	case '」', '』', '）', ')', '"', '\'', '”', '’', '》', '〉', '】':
		return true
	}
	return false
}

// splitText cuts s into pieces of at most maxWidth characters whose concatenation
// is exactly s. It prefers to cut after a sentence (。！？.!?) together with
// any closing quote and the citations that follow it, then at a line break,
// then at a space; it never cuts inside a rune and never inside a citation
// like [三(四)¶2] unless the citation alone is longer than maxWidth.
func splitText(s string, maxWidth int) []string {
	if maxWidth < 2 {
		maxWidth = 2 // an astral rune needs two; a smaller limit could not progress
	}
	var out []string
	for !fits(s, maxWidth) {
		cut := cutPoint(s, maxWidth)
		out = append(out, s[:cut])
		s = s[cut:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// fits reports whether width(s) <= maxWidth, reading no further than needed.
func fits(s string, maxWidth int) bool {
	n := 0
	for _, r := range s {
		if n += max1(utf16.RuneLen(r)); n > maxWidth {
			return false
		}
	}
	return true
}

// cutPoint returns the byte index to cut s at; s is wider than maxWidth.
func cutPoint(s string, maxWidth int) int {
	// Only citations that start before the cut matter; a citation is at most
	// citationSpanMax+2 runes of at most 4 bytes, so this window holds them.
	window := s
	if n := 4*maxWidth + 4*(citationSpanMax+2) + maxLinkURL + 2; n < len(window) {
		window = window[:n]
	}
	spans := citationSpans(window)
	inside := func(c int) bool {
		for _, sp := range spans {
			if c > sp[0] && c <= sp[1] {
				return true
			}
			if sp[0] >= c {
				break
			}
		}
		return false
	}
	// limit is the largest rune boundary whose prefix fits.
	limit, w := 0, 0
	for i, r := range s {
		rw := max1(utf16.RuneLen(r))
		if w+rw > maxWidth {
			break
		}
		w += rw
		_, size := utf8.DecodeRuneInString(s[i:])
		limit = i + size
	}
	if limit == 0 {
		_, size := utf8.DecodeRuneInString(s)
		return size
	}
	sentence, line, space, anywhere := 0, 0, 0, 0
	for i, r := range s[:limit] {
		_, size := utf8.DecodeRuneInString(s[i:])
		next := i + size
		switch {
		case isTerminator(r):
			if r < utf8.RuneSelf && next < len(s) {
				// "3.5" or "e.g" is not a sentence end: ASCII needs a space.
				nr, _ := utf8.DecodeRuneInString(s[next:])
				if !unicode.IsSpace(nr) && !isCloser(nr) && nr != '[' && !isTerminator(nr) {
					break
				}
			}
			end := sentenceEnd(s, next, spans, limit)
			if end <= limit && !inside(end) {
				sentence = end
			}
		case r == '\n':
			if !inside(next) {
				line = next
			}
		case isClause(r):
			if !inside(next) {
				space = next
			}
		}
		if !inside(next) {
			anywhere = next
		}
	}
	for _, c := range []int{sentence, line, space, anywhere} {
		if c > 0 {
			return c
		}
	}
	return limit // a single citation wider than maxWidth: nothing better exists
}

// sentenceEnd extends a cut after a terminator over further terminators,
// closing quotes, the citations that belong to the sentence and spaces.
// It stops once past limit, where the cut could not be used anyway.
func sentenceEnd(s string, i int, spans [][2]int, limit int) int {
	for i < len(s) && i <= limit {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isTerminator(r) || isCloser(r) || r == ' ' || r == '\t':
			i += size
			continue
		case r == '[':
			moved := false
			for _, sp := range spans {
				if sp[0] == i {
					i, moved = sp[1]+1, true
					break
				}
			}
			if moved {
				continue
			}
		}
		return i
	}
	return i
}

// mentionRe finds what Discord renders as a mention: @everyone, @here,
// <@user>, <@!user>, <@&role>, <#channel>, </command:id>, <:emoji:id>,
// <a:emoji:id> and <t:timestamp>.
var mentionRe = regexp.MustCompile(`@(everyone|here)|<([@#/:]|a:|t:)`)

// escapeMarkup makes text from the model, the document or a user show as
// written: a mention is broken with a zero-width space, so it shows as
// typed and never renders as a ping, a role or a channel (allowed mentions
// already keep it from pinging), and a Markdown link's "](" gets a
// backslash, so the link shows its address instead of hiding it under
// other words. Citations like [三(四)¶2] are untouched.
func escapeMarkup(s string) string {
	if !strings.ContainsAny(s, "@<]") {
		return s
	}
	s = mentionRe.ReplaceAllStringFunc(s, func(m string) string {
		if m[0] == '@' {
			return "@\u200b" + m[1:] // @\u200beveryone
		}
		return m + "\u200b" // <@\u200b123>, <#\u200b123>
	})
	// "[text](url)" renders as a link under its text; "]\(" shows as "](".
	return strings.ReplaceAll(s, "](", `]\(`)
}

// noMentions is sent with every message: nothing the model or a user wrote
// can ping @everyone, a role or a member.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// embedsWidth is what Discord counts against the 6000-character message total.
func embedsWidth(es []*discordgo.MessageEmbed) int {
	n := 0
	for _, e := range es {
		n += width(e.Title) + width(e.Description)
		if e.Footer != nil {
			n += width(e.Footer.Text)
		}
		if e.Author != nil {
			n += width(e.Author.Name)
		}
		for _, f := range e.Fields {
			n += width(f.Name) + width(f.Value)
		}
	}
	return n
}

// footerText says in words where the answer came from, and any notice
// for the user.
func footerText(r bot.Reply) string {
	var parts []string
	if r.Notice != "" {
		parts = append(parts, r.Notice)
	}
	switch {
	case r.Err != nil || r.Outcome == bot.NotAddressed:
	case r.Uncertain:
		parts = append(parts, bot.Say(r.Lang, bot.MsgFooterUncertain))
	case r.Mode == bot.ModeLLM && r.Model != "":
		parts = append(parts, bot.Say(r.Lang, bot.MsgFooterModel, r.Model))
	case r.Mode == bot.ModeLLM, r.Mode == bot.ModeExtractive, r.Mode == bot.ModeSection, r.Mode == bot.ModeCite:
		parts = append(parts, bot.Say(r.Lang, bot.MsgFooterQuoted))
	}
	if r.Removed > 0 {
		parts = append(parts, bot.Say(r.Lang, bot.MsgRemoved, r.Removed))
	}
	return truncate(strings.Join(parts, " · "), maxFooter)
}

// suggestion is what a not-addressed reply suggests trying instead:
// asking in other words, or reading the closest sections with /cite.
func suggestion(r bot.Reply) string {
	if len(r.Closest) == 0 {
		return bot.Say(r.Lang, bot.MsgTryRephrase)
	}
	lines := make([]string, len(r.Closest))
	for i, c := range r.Closest {
		lines[i] = "• `/cite " + strings.ReplaceAll(c.Key, "`", "'") + "` — " + c.Title
	}
	return bot.Say(r.Lang, bot.MsgTryRephraseSections, strings.Join(lines, "\n"))
}

// replyText is the plain text of a reply, with a fallback for empty errors.
func replyText(r bot.Reply) string {
	text := strings.TrimSpace(r.Answer)
	if text == "" {
		if r.Err != nil {
			return bot.Say(r.Lang, bot.MsgFailed)
		}
		return bot.Say(r.Lang, bot.MsgEmpty)
	}
	return text
}

// renderReply turns a reply into the messages to send, in order: the first
// replaces the deferred response, the rest are follow-ups. Every message
// respects Discord's limits, and a reply takes at most maxMessages. Replies
// with citations become embeds (the answer, then each cited passage with
// its label, section and text); others are plain text. All text shows as
// written (see escapeMarkup). With base, the document page's address
// (CITEBOT_PUBLIC_URL), every cited label links to its paragraph there.
func renderReply(r bot.Reply, base string) []outMessage {
	r = escapeReply(r)
	text := replyText(r)
	if r.Mode == bot.ModePassage && r.Err == nil && len(r.Citations) > 0 {
		return renderPassages(r, base)
	}
	if len(r.Citations) == 0 {
		if r.Notice != "" && r.Notice != text {
			text += "\n\n" + r.Notice
		}
		if r.Outcome == bot.NotAddressed && r.Err == nil {
			text += "\n\n" + suggestion(r)
		}
		if r.Mode == bot.ModeHelp && r.Err == nil {
			// What only Discord has: the message command and the buttons.
			text += "\n" + bot.Say(r.Lang, bot.MsgHelpDiscord, bot.Say(r.Lang, bot.MsgAskMenu))
		}
		var out []outMessage
		for _, p := range splitText(text, maxContent) {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, outMessage{Content: p})
			}
		}
		if len(out) > maxMessages {
			out = out[:maxMessages]
			note := "\n" + bot.Say(r.Lang, bot.MsgTooLongToShow)
			last := &out[maxMessages-1]
			last.Content = truncate(last.Content, maxContent-width(note)) + note
		}
		return out
	}

	if r.Lead != "" {
		// The answer quotes its passages in full; the fields below show
		// them, so the description keeps only the lead line.
		text = r.Lead
	} else {
		text = linkCitations(text, r.Citations, base)
	}
	color := colorAnswer
	if !r.Grounded {
		color = colorUngrounded
	}
	var out []outMessage
	for _, p := range splitText(text, answerChunk) {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		e := &discordgo.MessageEmbed{Description: p, Color: color}
		if len(out) == 0 {
			// A forum post's question is its title and message: one line.
			e.Title = truncate(strings.Join(strings.Fields(r.Question), " "), maxEmbedTitle)
		}
		out = append(out, outMessage{Embeds: []*discordgo.MessageEmbed{e}})
	}
	if len(out) == 0 {
		out = append(out, outMessage{Embeds: []*discordgo.MessageEmbed{{Description: "…", Color: color}}})
	}
	if f := footerText(r); f != "" {
		last := out[len(out)-1].Embeds[0]
		last.Footer = &discordgo.MessageEmbedFooter{Text: f}
	}

	// Citations go into fields after the answer, opening a new embed when an
	// embed is full and a new message when the message is. A section's
	// path is named once, on the first of its passages, and not at all when
	// the line above is that path (a /cite of one paragraph).
	cur := &out[len(out)-1]
	shown := ""
	if len(r.Citations) > 0 && strings.TrimSpace(r.Lead) == strings.TrimSpace(r.Citations[0].Section) {
		shown = strings.TrimSpace(r.Lead)
	}
	for _, c := range r.Citations {
		name := c.Label
		if s := strings.TrimSpace(c.Section); s != "" && s != shown {
			name += " · " + s
			shown = s
		}
		value := strings.TrimSpace(c.Text)
		if value == "" {
			value = "—"
		}
		if link := labelLink(c.Label, base); link != "" {
			// Field names show no links: the value opens with one.
			value = link + "\n" + truncate(value, maxFieldValue-width(link)-1)
		}
		f := &discordgo.MessageEmbedField{Name: truncate(name, maxFieldName), Value: truncate(value, maxFieldValue)}
		fw := width(f.Name) + width(f.Value)
		e := cur.Embeds[len(cur.Embeds)-1]
		switch {
		case len(e.Fields) < maxFields && embedsWidth(cur.Embeds)+fw <= maxEmbedsTotal:
			e.Fields = append(e.Fields, f)
		case len(cur.Embeds) < maxEmbeds && embedsWidth(cur.Embeds)+fw <= maxEmbedsTotal:
			cur.Embeds = append(cur.Embeds, &discordgo.MessageEmbed{Color: color, Fields: []*discordgo.MessageEmbedField{f}})
		default:
			out = append(out, outMessage{Embeds: []*discordgo.MessageEmbed{{Color: color, Fields: []*discordgo.MessageEmbedField{f}}}})
			cur = &out[len(out)-1]
		}
	}
	return capEmbeds(out, r.Lang, color)
}

// capEmbeds keeps the first maxMessages messages and ends the last with a
// note of what is not shown: the passages left out, or that the answer was
// cut.
func capEmbeds(out []outMessage, lang bot.Lang, color int) []outMessage {
	if len(out) <= maxMessages {
		return out
	}
	hidden, textCut := 0, false
	for _, m := range out[maxMessages:] {
		for _, e := range m.Embeds {
			hidden += len(e.Fields)
			textCut = textCut || e.Description != ""
		}
	}
	out = out[:maxMessages]
	last := &out[maxMessages-1]
	note := func() string {
		if hidden == 0 || textCut {
			return bot.Say(lang, bot.MsgTooLongToShow)
		}
		return bot.Say(lang, bot.MsgNotShown, hidden)
	}
	// Make room for the note: drop passages from the end of the last
	// message until an embed with it fits.
	for len(last.Embeds) >= maxEmbeds || embedsWidth(last.Embeds)+width(note()) > maxEmbedsTotal {
		e := last.Embeds[len(last.Embeds)-1]
		if len(e.Fields) == 0 || (len(e.Fields) == 1 && e.Description == "" && len(last.Embeds) == 1) {
			break // nothing more to drop without emptying the message
		}
		e.Fields = e.Fields[:len(e.Fields)-1]
		hidden++
		if len(e.Fields) == 0 && e.Description == "" && e.Title == "" && e.Footer == nil {
			last.Embeds = last.Embeds[:len(last.Embeds)-1]
		}
	}
	if len(last.Embeds) < maxEmbeds && embedsWidth(last.Embeds)+width(note()) <= maxEmbedsTotal {
		last.Embeds = append(last.Embeds, &discordgo.MessageEmbed{Description: note(), Color: color})
	}
	return out
}

// escapeReply returns r with every text a message shows escaped.
func escapeReply(r bot.Reply) bot.Reply {
	r.Question = escapeMarkup(r.Question)
	r.Answer = escapeMarkup(r.Answer)
	r.Lead = escapeMarkup(r.Lead)
	r.Notice = escapeMarkup(r.Notice)
	if len(r.Closest) > 0 {
		cs := make([]bot.SectionRef, len(r.Closest))
		for i, c := range r.Closest {
			cs[i] = bot.SectionRef{Key: escapeMarkup(c.Key), Title: escapeMarkup(c.Title)}
		}
		r.Closest = cs
	}
	if len(r.Citations) > 0 {
		cs := make([]bot.Citation, len(r.Citations))
		for i, c := range r.Citations {
			c.Label, c.Section, c.Text = escapeMarkup(c.Label), escapeMarkup(c.Section), escapeMarkup(c.Text)
			cs[i] = c
		}
		r.Citations = cs
	}
	return r
}

// render renders a reply with the adapter's links.
func (a *adapter) render(r bot.Reply) []outMessage { return renderReply(r, a.cfg.PublicURL) }

// renderProgress is the in-place preview of a streamed answer: its first
// message only; the final edit shows the rest.
func (a *adapter) renderProgress(r bot.Reply) outMessage {
	msgs := a.render(r)
	if len(msgs) == 0 {
		return outMessage{Content: "…"}
	}
	return msgs[0]
}

// citedLabels lists the labels of a reply, for votes.
func citedLabels(r bot.Reply) []string {
	labels := make([]string, 0, len(r.Citations))
	for _, c := range r.Citations {
		labels = append(labels, c.Label)
	}
	return labels
}
