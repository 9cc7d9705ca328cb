package discord

import (
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot"
)

// Discord's limits on a message's components.
const (
	maxRows        = 5  // action rows in a message
	maxRowButtons  = 5  // buttons in a row
	maxButtonLabel = 80 // characters of a button's label
	maxCustomID    = 100
)

// buttonSet says which buttons go under a reply.
type buttonSet struct {
	votes bool // 👍/👎: public answers
	how   bool // "how I found this": answers with a trace
	post  bool // "post publicly": private answers to the message command
	// passages puts a "show" button under each cited label.
	passages bool
}

// remembered reports whether the buttons need the bot to remember the
// message they are under.
func (s buttonSet) remembered() bool { return s.votes || s.how || s.post }

// buttonsFor is the buttons a reply gets, shown privately or not.
func buttonsFor(r bot.Reply, private, postable bool) buttonSet {
	answer := r.Err == nil && !r.Private && r.Mode != bot.ModeHelp && r.Mode != bot.ModeReload &&
		r.Mode != bot.ModeError && r.Mode != bot.ModePassage && r.Mode != ""
	return buttonSet{
		votes:    answer && !private && votable(r),
		how:      answer && r.Trace != nil,
		post:     answer && private && postable,
		passages: answer && len(r.Citations) > 0,
	}
}

// votable says whether a reply is an answer worth a 👍/👎: not one that
// says the document does not address the question, where a vote would
// mean nothing.
func votable(r bot.Reply) bool {
	return !r.Private && r.Err == nil && r.Mode != bot.ModeHelp && r.Mode != bot.ModeReload && r.Mode != bot.ModeError &&
		r.Mode != bot.ModePassage && r.Outcome != bot.NotAddressed && strings.TrimSpace(r.Answer) != ""
}

// components lays out the buttons of set under r, with words in lang: the
// votes, "how I found this" and "post publicly" in the first row, then a
// "show" button for each cited label as far as Discord's five rows go.
func components(r bot.Reply, lang bot.Lang, set buttonSet) []discordgo.MessageComponent {
	var first []discordgo.MessageComponent
	if set.votes {
		first = append(first,
			discordgo.Button{CustomID: voteUp, Emoji: &discordgo.ComponentEmoji{Name: "👍"}, Style: discordgo.SecondaryButton},
			discordgo.Button{CustomID: voteDown, Emoji: &discordgo.ComponentEmoji{Name: "👎"}, Style: discordgo.SecondaryButton})
	}
	if set.how {
		first = append(first, discordgo.Button{CustomID: howID, Label: truncate(bot.Say(lang, bot.MsgHowFound), maxButtonLabel),
			Emoji: &discordgo.ComponentEmoji{Name: "🔎"}, Style: discordgo.SecondaryButton})
	}
	if set.post {
		first = append(first, discordgo.Button{CustomID: postID, Label: truncate(bot.Say(lang, bot.MsgPostPublicly), maxButtonLabel),
			Style: discordgo.PrimaryButton})
	}
	var rows []discordgo.MessageComponent
	if len(first) > 0 {
		rows = append(rows, discordgo.ActionsRow{Components: first})
	}
	if !set.passages {
		return rows
	}
	var row []discordgo.MessageComponent
	seen := map[string]bool{}
	for _, c := range r.Citations {
		id := passagePrefix + string(lang) + ":" + c.Label
		if seen[c.Label] || len(id) > maxCustomID {
			continue // a label too long for a button's id keeps its field
		}
		if len(rows) == maxRows {
			break
		}
		seen[c.Label] = true
		row = append(row, discordgo.Button{CustomID: id, Label: truncate(bot.Say(lang, bot.MsgShowPassage, c.Label), maxButtonLabel),
			Emoji: &discordgo.ComponentEmoji{Name: "📖"}, Style: discordgo.SecondaryButton})
		if len(row) == maxRowButtons {
			rows = append(rows, discordgo.ActionsRow{Components: row})
			row = nil
		}
	}
	if len(row) > 0 && len(rows) < maxRows {
		rows = append(rows, discordgo.ActionsRow{Components: row})
	}
	return rows
}
