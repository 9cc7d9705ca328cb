package discord

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot"
)

// onMessage answers a message that mentions the bot, a DM, or a message in a
// thread the bot started; it ignores bots, itself included.
func (a *adapter) onMessage(_ *discordgo.Session, mc *discordgo.MessageCreate) {
	m := mc.Message
	if m == nil || m.Author == nil || m.Author.Bot || m.Author.ID == a.botID {
		return
	}
	dm := m.GuildID == ""
	mentioned := false
	for _, u := range m.Mentions {
		if u != nil && u.ID == a.botID {
			mentioned = true
		}
	}
	own := !dm && a.ownThread(m.ChannelID)
	if !dm && !mentioned && !own {
		return
	}
	if !a.jobs.goTrack(func() { a.message(m, dm, own) }) {
		a.log.Info("discord: message ignored during shutdown", "id", m.ID)
	}
}

// ownThread says whether channelID is a thread the bot started.
func (a *adapter) ownThread(channelID string) bool {
	if _, ok := a.threads.Get(channelID); ok {
		return true
	}
	ch, err := a.s.State.Channel(channelID)
	return err == nil && ch.IsThread() && ch.OwnerID == a.botID
}

// stripMention removes the bot's mention from a message's text.
func stripMention(content, botID string) string {
	for _, m := range []string{"<@" + botID + ">", "<@!" + botID + ">"} {
		content = strings.ReplaceAll(content, m, " ")
	}
	return strings.TrimSpace(content)
}

func (a *adapter) message(m *discordgo.Message, dm, own bool) {
	hctx, cancelH := context.WithTimeout(a.answers, interactionTimeout)
	defer cancelH()
	ctx, cancel := context.WithTimeout(a.finish, interactionTimeout)
	defer cancel()
	text := stripMention(m.Content, a.botID)
	req := bot.Request{Kind: bot.KindAsk, Text: text, UserID: m.Author.ID, Transport: transportName}
	if text == "" {
		if own {
			return // without the message content intent a thread message is empty
		}
		req.Kind = bot.KindHelp
	}
	if m.Member != nil {
		req.RoleIDs = append([]string(nil), m.Member.Roles...)
	}

	// Where to answer: in place for DMs and the bot's threads; otherwise in a
	// new thread on the message, or as a reply when a thread cannot be made.
	target, ref := m.ChannelID, (*discordgo.MessageReference)(nil)
	switch {
	case dm || own:
		req.Conversation = m.ChannelID
	default:
		if th := a.startThread(ctx, m, text); th != nil {
			target, req.Conversation = th.ID, th.ID
		} else {
			ref = m.Reference()
		}
	}

	func() {
		opt, cancel := a.rest(ctx)
		defer cancel()
		if err := a.s.ChannelTyping(target, opt); err != nil {
			a.log.Debug("discord: typing indicator", "err", a.red.err(err))
		}
	}()

	reply, ok := a.handle(hctx, req, nil)
	if !ok || (reply.Err != nil && a.shuttingDown()) {
		reply = restarting(reply.Lang)
	}
	if reply.Err != nil {
		// The error may quote what the user wrote: not for warn.
		a.log.Debug("discord: request refused or failed", "user", req.UserID, "err", a.red.err(reply.Err))
	}
	for n, out := range renderReply(reply) {
		send := &discordgo.MessageSend{Content: out.Content, Embeds: out.Embeds, AllowedMentions: noMentions()}
		if n == 0 {
			send.Reference = ref
			if votable(reply) {
				send.Components = voteButtons()
			}
		}
		msg, err := a.send(ctx, target, send)
		if err != nil {
			a.log.Error("discord: sending an answer", "channel", target, "err", a.red.err(err))
			return
		}
		if n == 0 && send.Components != nil {
			a.votes.Put(msg.ID, answered{Question: reply.Question, Labels: citedLabels(reply), Mode: reply.Mode, Model: reply.Model})
		}
	}
}

func (a *adapter) send(ctx context.Context, channelID string, m *discordgo.MessageSend) (*discordgo.Message, error) {
	opt, cancel := a.rest(ctx)
	defer cancel()
	return a.s.ChannelMessageSendComplex(channelID, m, opt)
}

// startThread opens a thread on m for the answer, or returns nil where the
// bot cannot (no permission, not a text channel, already a thread).
func (a *adapter) startThread(ctx context.Context, m *discordgo.Message, text string) *discordgo.Channel {
	if ch, err := a.s.State.Channel(m.ChannelID); err == nil &&
		ch.Type != discordgo.ChannelTypeGuildText && ch.Type != discordgo.ChannelTypeGuildNews {
		return nil
	}
	name := strings.Join(strings.Fields(text), " ")
	if name == "" {
		name = "citebot"
	}
	opt, cancel := a.rest(ctx)
	defer cancel()
	th, err := a.s.MessageThreadStartComplex(m.ChannelID, m.ID, &discordgo.ThreadStart{
		Name: truncate(name, maxThreadName), AutoArchiveDuration: threadArchiveMins,
	}, opt)
	if err != nil {
		a.log.Info("discord: cannot start a thread; replying in the channel", "channel", m.ChannelID, "err", a.red.err(err))
		return nil
	}
	a.threads.Put(th.ID, struct{}{})
	return th
}
