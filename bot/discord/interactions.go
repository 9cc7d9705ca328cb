package discord

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot"
)

// Custom ids of the vote buttons.
const (
	voteUp   = "citebot:vote:up"
	voteDown = "citebot:vote:down"
)

// locale maps a Discord locale to the bot's reply languages: what an
// interaction is answered in when its text does not tell.
func locale(l discordgo.Locale) bot.Lang {
	switch l {
	case discordgo.ChineseCN:
		return bot.Simplified
	case discordgo.ChineseTW:
		return bot.Traditional
	}
	return bot.English
}

// answered is what a message answered, kept so a vote can be recorded.
type answered struct {
	Question string
	Labels   []string
	Mode     bot.Mode
	Model    string
}

func (a *adapter) onInteraction(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
	i := ic.Interaction
	if i == nil {
		return
	}
	if !a.jobs.goTrack(func() { a.interaction(i) }) {
		a.log.Info("discord: interaction ignored during shutdown", "id", i.ID)
	}
}

func (a *adapter) interaction(i *discordgo.Interaction) {
	ctx, cancel := context.WithTimeout(a.jobsCtx, interactionTimeout)
	defer cancel()
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		a.command(ctx, i)
	case discordgo.InteractionApplicationCommandAutocomplete:
		a.autocomplete(ctx, i)
	case discordgo.InteractionMessageComponent:
		a.vote(ctx, i)
	default:
		a.log.Debug("discord: unhandled interaction type", "type", i.Type.String())
	}
}

// requester fills the fields the bot's rate limits and admin rule look at.
func requester(i *discordgo.Interaction) bot.Request {
	var req bot.Request
	switch {
	case i.Member != nil:
		if i.Member.User != nil {
			req.UserID = i.Member.User.ID
		}
		req.RoleIDs = append([]string(nil), i.Member.Roles...)
		p := i.Member.Permissions
		req.Perms = bot.Perms{
			Administrator: p&discordgo.PermissionAdministrator != 0,
			ManageServer:  p&discordgo.PermissionManageGuild != 0,
		}
	case i.User != nil:
		req.UserID = i.User.ID
	}
	return req
}

func optionString(opts []*discordgo.ApplicationCommandInteractionDataOption, name string) string {
	for _, o := range opts {
		if o.Name == name {
			if s, ok := o.Value.(string); ok {
				return strings.TrimSpace(s)
			}
		}
	}
	return ""
}

// command answers a slash command: defer at once (Discord allows 3 seconds),
// then let the bot work and edit the response.
func (a *adapter) command(ctx context.Context, i *discordgo.Interaction) {
	data := i.ApplicationCommandData()
	req := requester(i)
	req.Conversation = a.conversation(i.ChannelID, i.GuildID)
	req.Lang = locale(i.Locale)
	ephemeral := false
	var atts []*discordgo.MessageAttachment
	switch data.Name {
	case "ask":
		req.Kind, req.Text = bot.KindAsk, optionString(data.Options, "question")
	case "cite":
		req.Kind, req.Text = bot.KindCite, optionString(data.Options, "label")
	case "help":
		req.Kind, ephemeral = bot.KindHelp, true
	case "reload":
		req.Kind, ephemeral = bot.KindReload, true
		for _, name := range reloadFileOptions {
			if id := optionString(data.Options, name); id != "" && data.Resolved != nil && data.Resolved.Attachments[id] != nil {
				atts = append(atts, data.Resolved.Attachments[id])
			}
		}
		// Refuse before downloading anything.
		if msg := a.checkAttachments(atts, req.Lang); msg != "" {
			a.respondNow(ctx, i, msg)
			return
		}
	default:
		a.respondNow(ctx, i, bot.Say(req.Lang, bot.MsgUnknownCommand))
		return
	}

	if err := a.deferResponse(ctx, i, ephemeral); err != nil {
		a.logErr(i, "deferring the response", err)
		return
	}
	for _, att := range atts {
		body, err := a.fetch(ctx, att.URL)
		if err != nil {
			a.logErr(i, "downloading the attachment "+att.Filename, err)
			a.deliver(ctx, i, bot.Reply{Answer: bot.Say(req.Lang, bot.MsgDownloadFailed), Mode: bot.ModeError, Private: true, Lang: req.Lang}, ephemeral)
			return
		}
		req.Attachments = append(req.Attachments, bot.Attachment{Name: att.Filename, Data: body})
	}

	p := a.startProgress(ctx, i)
	reply := a.h.Handle(ctx, req, p.push)
	p.stop()
	if reply.Err != nil {
		a.log.Warn("discord: request failed", "command", data.Name, "user", req.UserID, "err", a.red.err(reply.Err))
	}
	a.deliver(ctx, i, reply, ephemeral)
	if req.Kind == bot.KindReload && reply.Err == nil {
		// The commands describe the document: describe the new one.
		if err := a.register(ctx, a.appID, a.cfg.GuildID); err != nil {
			a.log.Warn("discord: registering the commands for the reloaded document", "err", a.red.err(err))
		}
	}
}

// conversation keys follow-up context: a DM, or a thread the bot started.
func (a *adapter) conversation(channelID, guildID string) string {
	if guildID == "" || a.ownThread(channelID) {
		return channelID
	}
	return ""
}

// checkAttachments returns a refusal, or "" when the files may be
// downloaded: the limit holds for the files together.
func (a *adapter) checkAttachments(atts []*discordgo.MessageAttachment, lang bot.Lang) string {
	total := 0
	for _, att := range atts {
		ext := strings.ToLower(path.Ext(att.Filename))
		if ext != ".txt" && ext != ".md" {
			return bot.Say(lang, bot.MsgBadAttachment, att.Filename)
		}
		if att.Size < 0 {
			return bot.Say(lang, bot.MsgAttachmentSize, att.Filename, att.Size, a.maxAttachment)
		}
		if total += att.Size; total > a.maxAttachment {
			return bot.Say(lang, bot.MsgAttachmentSize, att.Filename, total, a.maxAttachment)
		}
	}
	return ""
}

// fetch downloads an attachment without the bot token, bounded in time and
// size (the declared size may lie).
func (a *adapter) fetch(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, downloadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("attachment request: %w", err)
	}
	resp, err := a.download.Do(req)
	if err != nil {
		return nil, fmt.Errorf("attachment download: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("attachment download: HTTP %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(a.maxAttachment)+1))
	if err != nil {
		return nil, fmt.Errorf("attachment download: %w", err)
	}
	if len(body) > a.maxAttachment {
		return nil, fmt.Errorf("attachment larger than %d bytes", a.maxAttachment)
	}
	return body, nil
}

func (a *adapter) rest(ctx context.Context) (discordgo.RequestOption, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	return discordgo.WithContext(ctx), cancel
}

func (a *adapter) deferResponse(ctx context.Context, i *discordgo.Interaction, ephemeral bool) error {
	opt, cancel := a.rest(ctx)
	defer cancel()
	data := &discordgo.InteractionResponseData{AllowedMentions: noMentions()}
	if ephemeral {
		data.Flags = discordgo.MessageFlagsEphemeral
	}
	return a.s.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource, Data: data,
	}, opt)
}

// respondNow answers ephemerally without deferring, for quick refusals.
func (a *adapter) respondNow(ctx context.Context, i *discordgo.Interaction, msg string) {
	opt, cancel := a.rest(ctx)
	defer cancel()
	err := a.s.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{
			Content: truncate(msg, maxContent), Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions(),
		},
	}, opt)
	if err != nil {
		a.logErr(i, "responding", err)
	}
}

func (a *adapter) logErr(i *discordgo.Interaction, what string, err error) {
	// Interaction tokens are in webhook URLs, which net/http puts in errors.
	a.log.Error("discord: "+what, "interaction", i.ID, "err", a.red.with(i.Token).err(err))
}

// voteButtons are the 👍/👎 under an answer.
func voteButtons() []discordgo.MessageComponent {
	return []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{CustomID: voteUp, Emoji: &discordgo.ComponentEmoji{Name: "👍"}, Style: discordgo.SecondaryButton},
		discordgo.Button{CustomID: voteDown, Emoji: &discordgo.ComponentEmoji{Name: "👎"}, Style: discordgo.SecondaryButton},
	}}}
}

// votable says whether a reply is an answer worth a 👍/👎.
func votable(r bot.Reply) bool {
	return !r.Private && r.Err == nil && r.Mode != bot.ModeHelp && r.Mode != bot.ModeReload && r.Mode != bot.ModeError &&
		strings.TrimSpace(r.Answer) != ""
}

// deliver replaces the deferred response with the reply, then sends any
// further messages as follow-ups. A private reply to a public deferral
// deletes the public placeholder and answers ephemerally instead.
func (a *adapter) deliver(ctx context.Context, i *discordgo.Interaction, r bot.Reply, ephemeral bool) {
	msgs := renderReply(r)
	if len(msgs) == 0 {
		msgs = []outMessage{{Content: bot.Say(r.Lang, bot.MsgFailed)}}
	}
	if r.Private && !ephemeral {
		opt, cancel := a.rest(ctx)
		err := a.s.InteractionResponseDelete(i, opt)
		cancel()
		if err != nil {
			a.logErr(i, "deleting the public placeholder", err)
		}
		for _, m := range msgs {
			if err := a.followup(ctx, i, m, true); err != nil {
				a.logErr(i, "sending a private reply", err)
				return
			}
		}
		return
	}
	first := msgs[0]
	var comps []discordgo.MessageComponent
	if votable(r) && !ephemeral {
		comps = voteButtons()
	}
	msg, err := a.edit(ctx, i, first, comps)
	if err != nil {
		a.logErr(i, "editing the response", err)
		a.followupError(ctx, i)
		return
	}
	if comps != nil && msg != nil {
		a.votes.Put(msg.ID, answered{Question: r.Question, Labels: citedLabels(r), Mode: r.Mode, Model: r.Model})
		a.log.Debug("discord: answer delivered", "message", msg.ID, "interaction", i.ID)
	}
	for _, m := range msgs[1:] {
		if err := a.followup(ctx, i, m, ephemeral); err != nil {
			a.logErr(i, "sending a follow-up", err)
			return
		}
	}
}

func (a *adapter) edit(ctx context.Context, i *discordgo.Interaction, m outMessage, comps []discordgo.MessageComponent) (*discordgo.Message, error) {
	opt, cancel := a.rest(ctx)
	defer cancel()
	content := m.Content
	embeds := m.Embeds
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{} // clears a progress embed
	}
	if comps == nil {
		comps = []discordgo.MessageComponent{}
	}
	return a.s.InteractionResponseEdit(i, &discordgo.WebhookEdit{
		Content: &content, Embeds: &embeds, Components: &comps, AllowedMentions: noMentions(),
	}, opt)
}

func (a *adapter) followup(ctx context.Context, i *discordgo.Interaction, m outMessage, ephemeral bool) error {
	opt, cancel := a.rest(ctx)
	defer cancel()
	p := &discordgo.WebhookParams{Content: m.Content, Embeds: m.Embeds, AllowedMentions: noMentions()}
	if ephemeral {
		p.Flags = discordgo.MessageFlagsEphemeral
	}
	_, err := a.s.FollowupMessageCreate(i, true, p, opt)
	return err
}

// followupError tells the user something went wrong, best effort.
func (a *adapter) followupError(ctx context.Context, i *discordgo.Interaction) {
	if err := a.followup(ctx, i, outMessage{Content: bot.Say(locale(i.Locale), bot.MsgFailed)}, true); err != nil {
		a.logErr(i, "sending the error notice", err)
	}
}

// progress edits the deferred response in place while an answer streams,
// at most once per editInterval; stop waits for an edit in flight so the
// final edit is always the last one.
type progress struct {
	a    *adapter
	i    *discordgo.Interaction
	ctx  context.Context
	mu   sync.Mutex
	last *bot.Reply
	wake chan struct{}
	quit chan struct{}
	done chan struct{}
}

func (a *adapter) startProgress(ctx context.Context, i *discordgo.Interaction) *progress {
	p := &progress{a: a, i: i, ctx: ctx, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go p.loop()
	return p
}

// push records the newest partial reply; the loop sends the latest one.
func (p *progress) push(r bot.Reply) {
	p.mu.Lock()
	p.last = &r
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *progress) stop() {
	close(p.quit)
	<-p.done
}

func (p *progress) loop() {
	defer close(p.done)
	var sent time.Time
	for {
		select {
		case <-p.quit:
			return
		case <-p.wake:
		}
		if wait := p.a.editInterval - time.Since(sent); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-p.quit:
				t.Stop()
				return
			case <-t.C:
			}
		}
		p.mu.Lock()
		r := p.last
		p.last = nil
		p.mu.Unlock()
		if r == nil || r.Private {
			continue
		}
		if _, err := p.a.edit(p.ctx, p.i, renderProgress(*r), nil); err != nil && !errors.Is(err, context.Canceled) {
			p.a.logErr(p.i, "editing progress", err)
		}
		sent = time.Now()
	}
}

// autocomplete offers labels for /cite.
func (a *adapter) autocomplete(ctx context.Context, i *discordgo.Interaction) {
	data := i.ApplicationCommandData()
	prefix := ""
	for _, o := range data.Options {
		if o.Focused {
			prefix, _ = o.Value.(string)
		}
	}
	labels := a.h.Complete(strings.TrimSpace(prefix), 25)
	choices := make([]*discordgo.ApplicationCommandOptionChoice, 0, len(labels))
	for _, l := range labels {
		if l == "" || width(l) > maxChoice || len(choices) == 25 {
			continue
		}
		choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: l, Value: l})
	}
	opt, cancel := a.rest(ctx)
	defer cancel()
	err := a.s.InteractionRespond(i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices},
	}, opt)
	if err != nil {
		a.logErr(i, "answering autocomplete", err)
	}
}

// vote records a 👍/👎 click and thanks the user privately.
func (a *adapter) vote(ctx context.Context, i *discordgo.Interaction) {
	id := i.MessageComponentData().CustomID
	if id != voteUp && id != voteDown {
		return
	}
	lang := locale(i.Locale)
	if i.Message == nil {
		a.respondNow(ctx, i, bot.Say(lang, bot.MsgVoteExpired))
		return
	}
	rec, ok := a.votes.Get(i.Message.ID)
	if !ok {
		a.respondNow(ctx, i, bot.Say(lang, bot.MsgVoteExpired))
		return
	}
	req := requester(i)
	vctx, cancel := context.WithTimeout(ctx, voteTimeout)
	err := a.h.RecordVote(vctx, bot.Vote{
		UserID: req.UserID, Up: id == voteUp, Question: rec.Question,
		Labels: append([]string(nil), rec.Labels...), Mode: rec.Mode, Model: rec.Model,
	})
	cancel()
	if err != nil {
		a.logErr(i, "recording a vote", err)
		a.respondNow(ctx, i, bot.Say(lang, bot.MsgFailed))
		return
	}
	a.respondNow(ctx, i, bot.Say(lang, bot.MsgThanks))
}
