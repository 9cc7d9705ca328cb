package discord

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot"
)

// onMessage answers, where the bot may speak (see speaksIn): a message
// that mentions it, a DM (unless DMs are off), a message in a thread it
// started, a new forum post in a forum it watches, and in such a post the
// poster's later messages and any that mention it. It ignores bots, itself
// included, and webhooks.
func (a *adapter) onMessage(_ *discordgo.Session, mc *discordgo.MessageCreate) {
	m := mc.Message
	if m == nil || m.Author == nil || m.Author.Bot || m.Author.ID == a.botID || m.WebhookID != "" {
		return
	}
	dm := m.GuildID == ""
	if dm && a.cfg.NoDMs {
		return
	}
	mentioned := false
	for _, u := range m.Mentions {
		if u != nil && u.ID == a.botID {
			mentioned = true
		}
	}
	// Most messages are for other people: this runs in the gateway's
	// reader, so it decides without a lookup when it can.
	if !dm && !mentioned && len(a.forums) == 0 && !a.ownThread(m.ChannelID) {
		return
	}
	if !a.jobs.goTrack(func() { a.message(m, dm, mentioned) }) {
		a.log.Info("discord: message ignored during shutdown", "id", m.ID)
	}
}

// ownThread says whether channelID is a thread the bot started.
func (a *adapter) ownThread(channelID string) bool {
	if _, ok := a.threads.Get(channelID); ok {
		return true
	}
	if c, ok := a.chans.Get(channelID); ok {
		return c.thread() && c.owner == a.botID
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

// route is where and how a message is answered.
type route struct {
	target       string // the channel the answer goes to
	conversation string // follow-up context, "" for none
	question     string
	previous     []string // the conversation so far, as the bot may not know it
	// thread starts a thread on the message for the answer; reply
	// answers as a reply to it where that fails.
	thread, reply bool
	help          bool // an empty mention: say how to use the bot
}

// routeOf decides whether and where to answer m; text is its content
// without the bot's mention.
func (a *adapter) routeOf(ctx context.Context, m *discordgo.Message, text string, dm, mentioned bool) (route, bool) {
	if dm {
		return route{target: m.ChannelID, conversation: m.ChannelID, question: text, help: text == ""}, true
	}
	info, known := a.channel(ctx, m.ChannelID)
	parent := ""
	if known && info.thread() {
		parent = info.parent
	}
	switch {
	case parent != "" && a.forums[parent] && m.ID == m.ChannelID:
		// A new forum post: its first message has the thread's id. The
		// title and the message together are the question; without the
		// Message Content intent the title alone is.
		q := strings.TrimSpace(info.name + "\n" + text)
		if q == "" {
			return route{}, false
		}
		a.forumPosts.Put(m.ChannelID, q)
		return route{target: m.ChannelID, conversation: m.ChannelID, question: q}, true
	case parent != "" && a.forums[parent]:
		// Later in a post: the poster's follow-ups, and whoever mentions
		// the bot, with the post as context.
		if (!mentioned && m.Author.ID != info.owner) || text == "" {
			return route{}, false
		}
		post, ok := a.forumPosts.Get(m.ChannelID)
		if !ok {
			post = info.name
		}
		return route{target: m.ChannelID, conversation: m.ChannelID, question: text, previous: []string{post}}, true
	case !a.speaksIn(m.ChannelID, parent):
		if mentioned {
			a.log.Debug("discord: a mention outside the configured channels ignored", "channel", m.ChannelID)
		}
		return route{}, false
	case a.ownThread(m.ChannelID):
		if text == "" {
			return route{}, false // without the Message Content intent a thread message is empty
		}
		return route{target: m.ChannelID, conversation: m.ChannelID, question: text}, true
	case !mentioned:
		return route{}, false
	}
	// A mention in a channel: answered in a new thread on the message where
	// threads can be made, else as a reply.
	r := route{target: m.ChannelID, question: text, help: text == "", reply: true}
	if !known || info.typ == discordgo.ChannelTypeGuildText || info.typ == discordgo.ChannelTypeGuildNews {
		r.thread = true
	}
	return r, true
}

// message answers one message, streaming a model's answer into the reply
// as it grows, as /ask does.
func (a *adapter) message(m *discordgo.Message, dm, mentioned bool) {
	hctx, cancelH := context.WithTimeout(a.answers, interactionTimeout)
	defer cancelH()
	ctx, cancel := context.WithTimeout(a.finish, interactionTimeout)
	defer cancel()
	text := stripMention(m.Content, a.botID)
	rt, ok := a.routeOf(ctx, m, text, dm, mentioned)
	if !ok {
		return
	}
	req := bot.Request{Kind: bot.KindAsk, Text: rt.question, UserID: m.Author.ID, Transport: transportName,
		Conversation: rt.conversation, Previous: rt.previous}
	if rt.help {
		req.Kind = bot.KindHelp
	}
	if m.Member != nil {
		req.RoleIDs = append([]string(nil), m.Member.Roles...)
	}
	var ref *discordgo.MessageReference
	if rt.thread {
		if th := a.startThread(ctx, m, text); th != nil {
			rt.target, req.Conversation = th.ID, th.ID
			rt.reply = false
		}
	}
	if rt.reply {
		ref = m.Reference()
	}

	func() {
		opt, cancel := a.rest(ctx)
		defer cancel()
		if err := a.s.ChannelTyping(rt.target, opt); err != nil {
			a.log.Debug("discord: typing indicator", "err", a.red.err(err))
		}
	}()

	// The answer's first words start a message, and later ones edit it.
	var shown *discordgo.Message
	p := newProgress(a.editInterval, a.renderProgress, func(err error) {
		a.log.Info("discord: showing an answer in progress", "channel", rt.target, "err", a.red.err(err))
	})
	p.start(func(out outMessage) error {
		if shown == nil {
			if out.Content == "…" {
				return nil // nothing shown yet to withdraw
			}
			msg, err := a.send(ctx, rt.target, &discordgo.MessageSend{Content: out.Content, Embeds: out.Embeds,
				Reference: ref, AllowedMentions: noMentions()})
			if err == nil {
				shown = msg
			}
			return err
		}
		_, err := a.editMessage(ctx, rt.target, shown.ID, out, nil)
		return err
	})
	reply, ok := a.handle(hctx, req, p.push)
	p.stop()
	if !ok || (reply.Err != nil && a.shuttingDown()) {
		reply = restarting(bot.LanguageOf(rt.question, reply.Lang))
	}
	if reply.Err != nil {
		// The error may quote what the user wrote: not for warn.
		a.log.Debug("discord: request refused or failed", "user", req.UserID, "err", a.red.err(reply.Err))
	}
	a.sendReply(ctx, rt.target, ref, shown, reply)
}

// sendReply posts a reply in a channel: the first message replaces the
// one that showed the answer in progress, if any (deleted and sent again
// when it cannot be edited), and carries the buttons.
func (a *adapter) sendReply(ctx context.Context, target string, ref *discordgo.MessageReference, shown *discordgo.Message, reply bot.Reply) {
	lang := reply.Lang
	msgs := a.render(reply)
	if len(msgs) == 0 {
		msgs = []outMessage{{Content: bot.Say(lang, bot.MsgFailed)}}
	}
	set := buttonsFor(reply, false, false)
	comps := components(reply, lang, set)
	var first *discordgo.Message
	if shown != nil {
		msg, err := a.editMessage(ctx, target, shown.ID, msgs[0], comps)
		if err != nil {
			a.log.Warn("discord: editing an answer in progress; sending it again", "channel", target, "err", a.red.err(err))
			opt, cancel := a.rest(ctx)
			if err := a.s.ChannelMessageDelete(target, shown.ID, opt); err != nil {
				a.log.Warn("discord: deleting an answer in progress", "channel", target, "err", a.red.err(err))
			}
			cancel()
		}
		first = msg
	}
	if first == nil {
		send := &discordgo.MessageSend{Content: msgs[0].Content, Embeds: msgs[0].Embeds, Reference: ref,
			Components: comps, AllowedMentions: noMentions()}
		msg, err := a.send(ctx, target, send)
		if err != nil {
			a.log.Error("discord: sending an answer", "channel", target, "err", a.red.err(err))
			return
		}
		first = msg
	}
	a.remember(first, reply, lang, set)
	for _, out := range msgs[1:] {
		if _, err := a.send(ctx, target, &discordgo.MessageSend{Content: out.Content, Embeds: out.Embeds, AllowedMentions: noMentions()}); err != nil {
			a.log.Error("discord: sending an answer", "channel", target, "err", a.red.err(err))
			return
		}
	}
}

func (a *adapter) send(ctx context.Context, channelID string, m *discordgo.MessageSend) (*discordgo.Message, error) {
	opt, cancel := a.rest(ctx)
	defer cancel()
	return a.s.ChannelMessageSendComplex(channelID, m, opt)
}

// editMessage replaces a message the bot posted in a channel.
func (a *adapter) editMessage(ctx context.Context, channelID, id string, m outMessage, comps []discordgo.MessageComponent) (*discordgo.Message, error) {
	opt, cancel := a.rest(ctx)
	defer cancel()
	content, embeds := m.Content, m.Embeds
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	if comps == nil {
		comps = []discordgo.MessageComponent{}
	}
	return a.s.ChannelMessageEditComplex(&discordgo.MessageEdit{ID: id, Channel: channelID, Content: &content,
		Embeds: &embeds, Components: &comps, AllowedMentions: noMentions()}, opt)
}

// startThread opens a thread on m for the answer, or returns nil where the
// bot cannot (no permission, not a text channel, already a thread).
func (a *adapter) startThread(ctx context.Context, m *discordgo.Message, text string) *discordgo.Channel {
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
	a.chans.Put(th.ID, infoOf(th))
	return th
}
