package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/citebot/citebot/bot"
)

// transportName tells the bot where a request came from.
const transportName = "discord"

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

// job is one interaction being answered.
type job struct {
	i        *discordgo.Interaction
	perms    bot.Perms
	received time.Time
	// hctx bounds the bot's work, dctx every REST call (see adapter).
	hctx, dctx context.Context
	acked      bool // the interaction's first response was sent
}

// onEvent takes INTERACTION_CREATE from the raw gateway event rather than
// discordgo's typed one: the permission string is read as sent (discordgo
// reads "-1" as every permission), and an interaction discordgo could only
// partly decode (no data, options that are not a list) is still answered.
func (a *adapter) onEvent(_ *discordgo.Session, e *discordgo.Event) {
	if e == nil || e.Type != "INTERACTION_CREATE" {
		return
	}
	received := time.Now()
	var i *discordgo.Interaction
	if ic, ok := e.Struct.(*discordgo.InteractionCreate); ok && ic.Interaction != nil {
		i = ic.Interaction
	}
	if i == nil || i.ID == "" || i.Token == "" {
		i = bareInteraction(e.RawData)
		if i == nil {
			a.log.Warn("discord: interaction without an id or token ignored")
			return
		}
	}
	perms := memberPerms(e.RawData)
	if !a.jobs.goTrack(func() { a.interaction(i, perms, received) }) {
		a.log.Info("discord: interaction ignored during shutdown", "id", i.ID)
	}
}

// bareInteraction reads what it takes to answer an interaction discordgo
// could not decode: its id, token, application, type and locale.
func bareInteraction(raw json.RawMessage) *discordgo.Interaction {
	var b struct {
		ID     string                    `json:"id"`
		AppID  string                    `json:"application_id"`
		Token  string                    `json:"token"`
		Type   discordgo.InteractionType `json:"type"`
		Locale discordgo.Locale          `json:"locale"`
	}
	_ = json.Unmarshal(raw, &b) // fields before a bad one are still read
	if b.ID == "" || b.Token == "" {
		return nil
	}
	return &discordgo.Interaction{ID: b.ID, AppID: b.AppID, Token: b.Token, Type: b.Type, Locale: b.Locale}
}

// memberPerms reads the permissions of an interaction's member.
func memberPerms(raw json.RawMessage) bot.Perms {
	var m struct {
		Member *struct {
			Permissions json.RawMessage `json:"permissions"`
		} `json:"member"`
	}
	if json.Unmarshal(raw, &m) != nil || m.Member == nil {
		return bot.Perms{}
	}
	p, ok := parsePermissions(m.Member.Permissions)
	if !ok {
		return bot.Perms{}
	}
	return bot.Perms{
		Administrator: p&discordgo.PermissionAdministrator != 0,
		ManageServer:  p&discordgo.PermissionManageGuild != 0,
	}
}

// permissionBits are the bits a permission set may use. Discord's
// permissions are bits 0 to 50 in discordgo (Discord adds one now and
// then), and Discord's clients, JavaScript, hold integers exactly only up
// to 2^53: a set with a higher bit is forged or corrupt, like
// 9223372036854775807, which sets every bit.
const permissionBits = 1<<53 - 1

// parsePermissions reads a permission set as Discord sends it: a JSON
// string holding an unsigned decimal number. Anything else — a sign, a
// bare number, a bit past permissionBits — is no permission at all.
func parsePermissions(raw json.RawMessage) (uint64, bool) {
	var s string
	if json.Unmarshal(raw, &s) != nil || s == "" || len(s) > 20 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v&^permissionBits != 0 {
		return 0, false
	}
	return v, true
}

func (a *adapter) interaction(i *discordgo.Interaction, perms bot.Perms, received time.Time) {
	hctx, cancelH := context.WithTimeout(a.answers, interactionTimeout)
	defer cancelH()
	dctx, cancelD := context.WithTimeout(a.finish, interactionTimeout)
	defer cancelD()
	j := &job{i: i, perms: perms, received: received, hctx: hctx, dctx: dctx}
	defer func() {
		// A bug here must still leave the user a word, not a spinner.
		if p := recover(); p != nil {
			a.log.Error("discord: interaction handler panicked", "interaction", i.ID, "panic", p, "stack", string(debug.Stack()))
			if j.acked {
				a.followupError(dctx, i)
			} else {
				a.respondNow(j, bot.Say(locale(i.Locale), bot.MsgFailed))
			}
		}
	}()
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		a.command(j)
	case discordgo.InteractionApplicationCommandAutocomplete:
		a.autocomplete(j)
	case discordgo.InteractionMessageComponent:
		a.vote(j)
	default:
		a.log.Debug("discord: unhandled interaction type", "type", i.Type.String())
	}
}

// requester fills the fields the bot's rate limits and admin rule look at.
func requester(j *job) bot.Request {
	req := bot.Request{Transport: transportName}
	switch i := j.i; {
	case i.Member != nil:
		if i.Member.User != nil {
			req.UserID = i.Member.User.ID
		}
		req.RoleIDs = append([]string(nil), i.Member.Roles...)
		req.Perms = j.perms
	case i.User != nil:
		req.UserID = i.User.ID
	}
	return req
}

func optionString(opts []*discordgo.ApplicationCommandInteractionDataOption, name string) string {
	for _, o := range opts {
		if o != nil && o.Name == name {
			if s, ok := o.Value.(string); ok {
				return strings.TrimSpace(s)
			}
		}
	}
	return ""
}

// command answers a slash command: defer at once (Discord allows 3 seconds),
// then let the bot work and edit the response.
func (a *adapter) command(j *job) {
	i := j.i
	lang := locale(i.Locale)
	data, ok := i.Data.(discordgo.ApplicationCommandInteractionData)
	if !ok {
		// discordgo could not read the command (no data, options that are
		// not a list): say so rather than fail without a word.
		a.log.Warn("discord: a command without readable data", "interaction", i.ID)
		a.respondNow(j, bot.Say(lang, bot.MsgUnknownCommand))
		return
	}
	req := requester(j)
	req.Conversation = a.conversation(i.ChannelID, i.GuildID)
	req.Lang = lang
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
			a.respondNow(j, msg)
			return
		}
	default:
		a.respondNow(j, bot.Say(req.Lang, bot.MsgUnknownCommand))
		return
	}

	if err := a.deferResponse(j, ephemeral); err != nil {
		a.logErr(i, "deferring the response", err)
		return
	}
	for _, att := range atts {
		body, err := a.fetch(j.dctx, att.URL)
		if err != nil {
			a.logErr(i, "downloading the attachment "+att.Filename, err)
			a.deliver(j, bot.Reply{Answer: bot.Say(req.Lang, bot.MsgDownloadFailed), Mode: bot.ModeError, Private: true, Lang: req.Lang}, ephemeral)
			return
		}
		req.Attachments = append(req.Attachments, bot.Attachment{Name: att.Filename, Data: body})
	}

	p := a.startProgress(j)
	reply, ok := a.handle(j.hctx, req, p.push)
	p.stop()
	if !ok || (reply.Err != nil && a.shuttingDown()) {
		reply = restarting(req.Lang)
	}
	if reply.Err != nil {
		// A refusal (rate limit, unknown label) is the user's business,
		// and its error may quote what they typed: not for warn.
		a.log.Debug("discord: request refused or failed", "command", data.Name, "user", req.UserID, "err", a.red.err(reply.Err))
	}
	a.deliver(j, reply, ephemeral)
	if req.Kind == bot.KindReload && reply.Err == nil {
		// The commands describe the document: describe the new one.
		if err := a.register(j.dctx, a.appID, a.cfg.GuildID); err != nil {
			a.log.Warn("discord: registering the commands for the reloaded document", "err", a.red.err(err))
		}
	}
}

// restarting is the reply shown in place of an answer a shutdown cut off.
func restarting(lang bot.Lang) bot.Reply {
	return bot.Reply{Answer: bot.Say(lang, bot.MsgRestarting), Mode: bot.ModeError, Lang: lang}
}

// handle runs the bot on req. It returns false when the bot has not
// answered by the time a shutdown stops waiting for it: the caller then
// says the bot is restarting, and a late answer is dropped. A panic in the
// handler becomes an error reply.
func (a *adapter) handle(ctx context.Context, req bot.Request, progress func(bot.Reply)) (bot.Reply, bool) {
	done := make(chan bot.Reply, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				a.log.Error("discord: the handler panicked", "panic", p, "stack", string(debug.Stack()))
				done <- bot.Reply{Answer: bot.Say(req.Lang, bot.MsgFailed), Mode: bot.ModeError, Private: true,
					Err: fmt.Errorf("handler panicked: %v", p), Lang: req.Lang}
			}
		}()
		done <- a.h.Handle(ctx, req, progress)
	}()
	select {
	case r := <-done:
		return r, true
	case <-a.giveUp:
		select {
		case r := <-done:
			return r, true
		default:
			return bot.Reply{}, false
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

// call sends one request on an interaction's endpoints (its callback, its
// original response, its follow-ups) through discordgo's REST client with a
// rate-limit bucket of its own. The transport keeps the limits, and these
// endpoints are exempt from the global one; discordgo's limiter would keep
// a bucket per interaction forever and run every interaction's edits
// through one lock.
func (a *adapter) call(ctx context.Context, method, url string, body any) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("discord: encoding a request: %w", err)
		}
	}
	bucket := discordgo.NewRatelimiter().LockBucket(url)
	return a.s.RequestWithLockedBucket(method, url, "application/json", b, bucket, 0,
		discordgo.WithContext(interactionRoute(ctx)))
}

// callback sends an interaction's first response. Discord refuses one
// later than ackWindow after the interaction, so it is given no longer:
// past that, nothing it could wait for (a 429's Retry-After) would help.
func (a *adapter) callback(j *job, resp *discordgo.InteractionResponse) error {
	ctx, cancel := context.WithDeadline(j.dctx, j.received.Add(ackWindow))
	defer cancel()
	_, err := a.call(ctx, http.MethodPost, discordgo.EndpointInteractionResponse(j.i.ID, j.i.Token), resp)
	j.acked = j.acked || err == nil
	return err
}

func (a *adapter) deferResponse(j *job, ephemeral bool) error {
	data := &discordgo.InteractionResponseData{AllowedMentions: noMentions()}
	if ephemeral {
		data.Flags = discordgo.MessageFlagsEphemeral
	}
	return a.callback(j, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource, Data: data,
	})
}

// respondNow answers ephemerally without deferring, for quick refusals.
func (a *adapter) respondNow(j *job, msg string) {
	err := a.callback(j, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{
			Content: truncate(escapeMarkup(msg), maxContent), Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions(),
		},
	})
	if err != nil {
		a.logErr(j.i, "responding", err)
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
//
// Nothing the reply replaces may stay: when the final edit fails, the
// response (which may show a partial answer) is deleted and the reply
// sent as follow-ups; when a public placeholder cannot be deleted, it
// says that the asker was answered privately.
func (a *adapter) deliver(j *job, r bot.Reply, ephemeral bool) {
	i, ctx := j.i, j.dctx
	lang := r.Lang
	if lang == "" {
		lang = locale(i.Locale)
	}
	msgs := renderReply(r)
	if len(msgs) == 0 {
		msgs = []outMessage{{Content: bot.Say(lang, bot.MsgFailed)}}
	}
	if r.Private && !ephemeral {
		if err := a.deleteOriginal(ctx, i); err != nil {
			a.logErr(i, "deleting the public placeholder", err)
			if _, err := a.edit(ctx, i, outMessage{Content: bot.Say(lang, bot.MsgAnsweredPrivately)}, nil); err != nil {
				a.logErr(i, "replacing the public placeholder", err)
			}
		}
		a.followups(ctx, i, msgs, nil, true)
		return
	}
	var comps []discordgo.MessageComponent
	if votable(r) && !ephemeral {
		comps = voteButtons()
	}
	msg, err := a.edit(ctx, i, msgs[0], comps)
	if err != nil {
		a.logErr(i, "editing the response", err)
		if err := a.deleteOriginal(ctx, i); err != nil {
			a.logErr(i, "deleting the response after a failed edit", err)
		}
		if first, ok := a.followups(ctx, i, msgs, comps, ephemeral); ok && comps != nil && first != nil {
			a.remember(first, r)
		}
		return
	}
	if comps != nil && msg != nil {
		a.remember(msg, r)
		a.log.Debug("discord: answer delivered", "message", msg.ID, "interaction", i.ID)
	}
	a.followups(ctx, i, msgs[1:], nil, ephemeral)
}

// remember keeps what a message answered, for its votes.
func (a *adapter) remember(msg *discordgo.Message, r bot.Reply) {
	a.votes.Put(msg.ID, answered{Question: r.Question, Labels: citedLabels(r), Mode: r.Mode, Model: r.Model})
}

// followups sends msgs as follow-up messages, the first with comps; it
// returns the first message sent and whether all were. A failure ends the
// sending with a private error notice.
func (a *adapter) followups(ctx context.Context, i *discordgo.Interaction, msgs []outMessage, comps []discordgo.MessageComponent, ephemeral bool) (*discordgo.Message, bool) {
	var first *discordgo.Message
	for n, m := range msgs {
		var c []discordgo.MessageComponent
		if n == 0 {
			c = comps
		}
		sent, err := a.followup(ctx, i, m, c, ephemeral)
		if err != nil {
			a.logErr(i, "sending a follow-up", err)
			if !ephemeral || n > 0 {
				a.followupError(ctx, i)
			}
			return first, false
		}
		if n == 0 {
			first = sent
		}
	}
	return first, true
}

func (a *adapter) edit(ctx context.Context, i *discordgo.Interaction, m outMessage, comps []discordgo.MessageComponent) (*discordgo.Message, error) {
	content := m.Content
	embeds := m.Embeds
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{} // clears a progress embed
	}
	if comps == nil {
		comps = []discordgo.MessageComponent{}
	}
	body, err := a.call(ctx, http.MethodPatch, discordgo.EndpointInteractionResponseActions(i.AppID, i.Token), &discordgo.WebhookEdit{
		Content: &content, Embeds: &embeds, Components: &comps, AllowedMentions: noMentions(),
	})
	if err != nil {
		return nil, err
	}
	var msg discordgo.Message
	if err := json.Unmarshal(body, &msg); err != nil {
		return nil, fmt.Errorf("discord: reading the edited message: %w", err)
	}
	return &msg, nil
}

func (a *adapter) deleteOriginal(ctx context.Context, i *discordgo.Interaction) error {
	_, err := a.call(ctx, http.MethodDelete, discordgo.EndpointInteractionResponseActions(i.AppID, i.Token), nil)
	return err
}

func (a *adapter) followup(ctx context.Context, i *discordgo.Interaction, m outMessage, comps []discordgo.MessageComponent, ephemeral bool) (*discordgo.Message, error) {
	p := &discordgo.WebhookParams{Content: m.Content, Embeds: m.Embeds, Components: comps, AllowedMentions: noMentions()}
	if ephemeral {
		p.Flags = discordgo.MessageFlagsEphemeral
	}
	body, err := a.call(ctx, http.MethodPost, discordgo.EndpointWebhookToken(i.AppID, i.Token)+"?wait=true", p)
	if err != nil {
		return nil, err
	}
	var msg discordgo.Message
	if err := json.Unmarshal(body, &msg); err != nil {
		return nil, fmt.Errorf("discord: reading the follow-up: %w", err)
	}
	return &msg, nil
}

// followupError tells the user something went wrong, best effort.
func (a *adapter) followupError(ctx context.Context, i *discordgo.Interaction) {
	if _, err := a.followup(ctx, i, outMessage{Content: bot.Say(locale(i.Locale), bot.MsgFailed)}, nil, true); err != nil {
		a.logErr(i, "sending the error notice", err)
	}
}

// progress edits the deferred response in place while an answer streams,
// at most once per editInterval; stop waits for an edit in flight so the
// final edit is always the last one. The bot sends only checked text; a
// reply with no text withdraws what was shown.
type progress struct {
	a    *adapter
	j    *job
	mu   sync.Mutex
	last *bot.Reply
	wake chan struct{}
	quit chan struct{}
	done chan struct{}
}

func (a *adapter) startProgress(j *job) *progress {
	p := &progress{a: a, j: j, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
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
		m := outMessage{Content: "…"} // withdrawn: back to a placeholder
		if strings.TrimSpace(r.Answer) != "" {
			m = renderProgress(*r)
		}
		if _, err := p.a.edit(p.j.dctx, p.j.i, m, nil); err != nil && !errors.Is(err, context.Canceled) {
			p.a.logErr(p.j.i, "editing progress", err)
		}
		sent = time.Now()
	}
}

// autocomplete offers labels for /cite.
func (a *adapter) autocomplete(j *job) {
	prefix := ""
	if data, ok := j.i.Data.(discordgo.ApplicationCommandInteractionData); ok {
		for _, o := range data.Options {
			if o != nil && o.Focused {
				prefix, _ = o.Value.(string)
			}
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
	err := a.callback(j, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices},
	})
	if err != nil {
		a.logErr(j.i, "answering autocomplete", err)
	}
}

// vote records a 👍/👎 click and thanks the user privately. A user's
// second vote on an answer replaces the first (the bot keeps the latest).
func (a *adapter) vote(j *job) {
	i := j.i
	lang := locale(i.Locale)
	data, ok := i.Data.(discordgo.MessageComponentInteractionData)
	if !ok {
		a.log.Warn("discord: a button click without readable data", "interaction", i.ID)
		a.respondNow(j, bot.Say(lang, bot.MsgFailed))
		return
	}
	if data.CustomID != voteUp && data.CustomID != voteDown {
		return
	}
	if i.Message == nil {
		a.respondNow(j, bot.Say(lang, bot.MsgVoteExpired))
		return
	}
	rec, ok := a.votes.Get(i.Message.ID)
	if !ok {
		a.respondNow(j, bot.Say(lang, bot.MsgVoteExpired))
		return
	}
	req := requester(j)
	vctx, cancel := context.WithTimeout(j.dctx, voteTimeout)
	err := a.h.RecordVote(vctx, bot.Vote{
		UserID: req.UserID, Up: data.CustomID == voteUp, Question: rec.Question,
		Labels: append([]string(nil), rec.Labels...), Mode: rec.Mode, Model: rec.Model, AnswerID: i.Message.ID,
	})
	cancel()
	if err != nil {
		a.logErr(i, "recording a vote", err)
		a.respondNow(j, bot.Say(lang, bot.MsgFailed))
		return
	}
	a.respondNow(j, bot.Say(lang, bot.MsgThanks))
}
