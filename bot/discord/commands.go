package discord

import (
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot"
)

// command is one application command: how it is registered, what it asks
// of the bot, and who sees the reply. The commands are the table below;
// registration and dispatch both read it.
type command struct {
	// name is the command's name as registered and as interactions carry
	// it (a message command's default, English name).
	name string
	// kind is the request the command makes.
	kind bot.Kind
	// ephemeral shows the reply to the asker only.
	ephemeral bool
	// postable gives a private answer a "post publicly" button.
	postable bool
	// define is the command's registration, described for the serving
	// document.
	define func(d bot.Description) *discordgo.ApplicationCommand
	// request reads the command's input into req (and the files to
	// download into j); a non-empty refusal is answered at once instead.
	request func(a *adapter, j *job, data discordgo.ApplicationCommandInteractionData, req *bot.Request) (refusal string)
}

// menuName is the message command's name: Discord sends it, unlocalized,
// with every use.
var menuName = bot.Say(bot.English, bot.MsgAskMenu)

// commands is every command the bot registers and answers.
var commands = []command{
	{
		name: "ask", kind: bot.KindAsk,
		define: func(d bot.Description) *discordgo.ApplicationCommand {
			desc, loc := words(maxDescription, bot.MsgAskDescription, d.Title)
			opt, optLoc := words(maxDescription, bot.MsgQuestionOption)
			return &discordgo.ApplicationCommand{Name: "ask", Description: desc, DescriptionLocalizations: loc,
				Options: []*discordgo.ApplicationCommandOption{{
					Type: discordgo.ApplicationCommandOptionString, Name: "question",
					Description: opt, DescriptionLocalizations: *optLoc, Required: true, MaxLength: 1000,
				}}}
		},
		request: func(_ *adapter, _ *job, data discordgo.ApplicationCommandInteractionData, req *bot.Request) string {
			req.Text = optionString(data.Options, "question")
			return ""
		},
	},
	{
		name: "cite", kind: bot.KindCite,
		define: func(d bot.Description) *discordgo.ApplicationCommand {
			example := ""
			if len(d.Labels) > 0 {
				example = d.Labels[0]
			}
			desc, loc := words(maxDescription, bot.MsgCiteDescription, example)
			opt, optLoc := words(maxDescription, bot.MsgLabelOption)
			return &discordgo.ApplicationCommand{Name: "cite", Description: desc, DescriptionLocalizations: loc,
				Options: []*discordgo.ApplicationCommandOption{{
					Type: discordgo.ApplicationCommandOptionString, Name: "label", Description: opt,
					DescriptionLocalizations: *optLoc, Required: true, Autocomplete: true, MaxLength: maxLabelOption,
				}}}
		},
		request: func(_ *adapter, _ *job, data discordgo.ApplicationCommandInteractionData, req *bot.Request) string {
			req.Text = optionString(data.Options, "label")
			return ""
		},
	},
	{
		name: "reload", kind: bot.KindReload, ephemeral: true,
		define: func(bot.Description) *discordgo.ApplicationCommand {
			manage := int64(discordgo.PermissionManageGuild)
			no := false
			desc, loc := words(maxDescription, bot.MsgReloadDescription)
			var files []*discordgo.ApplicationCommandOption
			for i, name := range reloadFileOptions[:maxReloadFiles] {
				m := bot.MsgFileOption
				if i > 0 {
					m = bot.MsgMoreFilesOption
				}
				d, l := words(maxDescription, m)
				files = append(files, &discordgo.ApplicationCommandOption{
					Type: discordgo.ApplicationCommandOptionAttachment, Name: name, Description: d, DescriptionLocalizations: *l,
				})
			}
			return &discordgo.ApplicationCommand{Name: "reload", Description: desc, DescriptionLocalizations: loc,
				DefaultMemberPermissions: &manage, DMPermission: &no, Options: files}
		},
		request: func(a *adapter, j *job, data discordgo.ApplicationCommandInteractionData, req *bot.Request) string {
			var atts []*discordgo.MessageAttachment
			for _, name := range reloadFileOptions {
				if id := optionString(data.Options, name); id != "" && data.Resolved != nil && data.Resolved.Attachments[id] != nil {
					atts = append(atts, data.Resolved.Attachments[id])
				}
			}
			// Refuse before downloading anything; the download itself is
			// part of the answer's work.
			if msg := a.checkAttachments(atts, req.Lang); msg != "" {
				return msg
			}
			j.downloads = atts
			return ""
		},
	},
	{
		name: "help", kind: bot.KindHelp, ephemeral: true,
		define: func(bot.Description) *discordgo.ApplicationCommand {
			desc, loc := words(maxDescription, bot.MsgHelpDescription)
			return &discordgo.ApplicationCommand{Name: "help", Description: desc, DescriptionLocalizations: loc}
		},
		request: func(*adapter, *job, discordgo.ApplicationCommandInteractionData, *bot.Request) string { return "" },
	},
	{
		// Any message's context menu: a question about its text, answered
		// privately, with a button to post the answer.
		name: menuName, kind: bot.KindAsk, ephemeral: true, postable: true,
		define: func(bot.Description) *discordgo.ApplicationCommand {
			name, loc := words(maxCommandName, bot.MsgAskMenu)
			return &discordgo.ApplicationCommand{Name: name, NameLocalizations: loc, Type: discordgo.MessageApplicationCommand}
		},
		request: func(a *adapter, _ *job, data discordgo.ApplicationCommandInteractionData, req *bot.Request) string {
			// A question about one message stands alone.
			req.Text, req.Conversation = targetText(data, a.botID), ""
			if req.Text == "" {
				return bot.Say(req.Lang, bot.MsgNoText)
			}
			return ""
		},
	},
}

// commandNamed is the command an interaction names, or nil.
func commandNamed(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

// targetText is the text of the message a context-menu command was used
// on: its content without the bot's mention, else its embeds' words (a
// bot's message, a link preview). Interactions carry the content even
// without the Message Content intent.
func targetText(data discordgo.ApplicationCommandInteractionData, botID string) string {
	if data.Resolved == nil || data.Resolved.Messages == nil {
		return ""
	}
	m := data.Resolved.Messages[data.TargetID]
	if m == nil {
		return ""
	}
	if text := stripMention(m.Content, botID); text != "" {
		return text
	}
	var parts []string
	for _, e := range m.Embeds {
		if e == nil {
			continue
		}
		for _, t := range []string{e.Title, e.Description} {
			if t = strings.TrimSpace(t); t != "" {
				parts = append(parts, t)
			}
		}
	}
	return strings.Join(parts, "\n")
}

// maxReloadFiles is how many documents one /reload may attach.
const maxReloadFiles = 4

// reloadFileOptions are the attachment options of /reload.
var reloadFileOptions = []string{"file", "file2", "file3", "file4"}

// maxDescription is Discord's limit on a command's description.
const maxDescription = 100

// maxCommandName is Discord's limit on a command's name.
const maxCommandName = 32

// maxLabelOption bounds what Discord lets a user type as a /cite label: a
// label is a few characters, and the bot echoes no more than 64.
const maxLabelOption = 100

// words is message m in English, with its Simplified and Traditional
// Chinese forms as Discord localizations, each cut to max characters.
func words(max int, m bot.Msg, args ...any) (string, *map[discordgo.Locale]string) {
	loc := map[discordgo.Locale]string{
		discordgo.ChineseCN: truncate(bot.Say(bot.Simplified, m, args...), max),
		discordgo.ChineseTW: truncate(bot.Say(bot.Traditional, m, args...), max),
	}
	return truncate(bot.Say(bot.English, m, args...), max), &loc
}

// Commands are the application commands the bot registers, described for
// the serving document d in English, Simplified and Traditional Chinese.
func Commands(d bot.Description) []*discordgo.ApplicationCommand {
	return commandsFor(d, true)
}

// commandsFor is Commands, offered in direct messages or not.
func commandsFor(d bot.Description, dms bool) []*discordgo.ApplicationCommand {
	out := make([]*discordgo.ApplicationCommand, 0, len(commands))
	for _, c := range commands {
		def := c.define(d)
		if !dms {
			no := false
			def.DMPermission = &no
		}
		out = append(out, def)
	}
	return out
}
