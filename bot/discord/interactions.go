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

// Custom ids of the buttons under an answer. A passage button carries the
// answer's language and the label ("citebot:passage:en:一¶7"), so it works
// on any answer, also one from before a restart; the others find what
// they need by the message's id.
const (
	voteUp        = "citebot:vote:up"
	voteDown      = "citebot:vote:down"
	howID         = "citebot:how"
	postID        = "citebot:post"
	passagePrefix = "citebot:passage:"
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

// answered is what a message answered, kept for its buttons: a vote is
// recorded with it, "how I found this" shows its trace.
type answered struct {
	Question string
	Labels   []string
	Mode     bot.Mode
	Model    string
	Lang     bot.Lang
	Trace    *bot.Trace
}

// postable is a private answer that its asker may post publicly, once.
type postable struct {
	mu     sync.Mutex
	reply  bot.Reply
	posted bool
}

// job is one interaction being answered.
type job struct {
	i        *discordgo.Interaction
	perms    bot.Perms
	received time.Time
	// hctx bounds the bot's work, dctx every REST call (see adapter).
	hctx, dctx context.Context
	acked      bool // the interaction's first response was sent
	// lang is the language of the adapter's own words for this
	// interaction: the question's, else the asker's Discord locale.
	lang bot.Lang
	// downloads are attachments to fetch before the bot is asked.
	downloads []*discordgo.MessageAttachment
}

// replyOpts say how a reply to an interaction is shown.
type replyOpts struct {
	ephemeral bool // to the asker only
	postable  bool // a private answer gets a "post publicly" button
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
	j := &job{i: i, perms: perms, received: received, hctx: hctx, dctx: dctx, lang: locale(i.Locale)}
	defer func() {
		// A bug here must still leave the user a word, not a spinner.
		if p := recover(); p != nil {
			a.log.Error("discord: interaction handler panicked", "interaction", i.ID, "panic", p, "stack", string(debug.Stack()))
			if j.acked {
				a.followupError(j)
			} else {
				a.respondNow(j, bot.Say(j.lang, bot.MsgFailed))
			}
		}
	}()
	if a.cfg.NoDMs && i.GuildID == "" && i.Type != discordgo.InteractionApplicationCommandAutocomplete {
		a.respondNow(j, bot.Say(j.lang, bot.MsgDMsOff))
		return
	}
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		a.command(j)
	case discordgo.InteractionApplicationCommandAutocomplete:
		a.autocomplete(j)
	case discordgo.InteractionMessageComponent:
		a.component(j)
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

// command answers an application command from the table of commands.
func (a *adapter) command(j *job) {
	i := j.i
	data, ok := i.Data.(discordgo.ApplicationCommandInteractionData)
	if !ok {
		// discordgo could not read the command (no data, options that are
		// not a list): say so rather than fail without a word.
		a.log.Warn("discord: a command without readable data", "interaction", i.ID)
		a.respondNow(j, bot.Say(j.lang, bot.MsgUnknownCommand))
		return
	}
	c := commandNamed(data.Name)
	if c == nil {
		a.respondNow(j, bot.Say(j.lang, bot.MsgUnknownCommand))
		return
	}
	req := requester(j)
	req.Kind, req.Lang = c.kind, j.lang
	req.Conversation = a.conversation(i.ChannelID, i.GuildID)
	if refusal := c.request(a, j, data, &req); refusal != "" {
		a.respondNow(j, refusal)
		return
	}
	j.lang = bot.LanguageOf(req.Text, req.Lang)
	reply := a.respond(j, replyOpts{ephemeral: c.ephemeral, postable: c.postable}, func(progress func(bot.Reply)) (bot.Reply, bool) {
		for _, att := range j.downloads {
			body, err := a.fetch(j.dctx, att.URL)
			if err != nil {
				a.logErr(i, "downloading the attachment "+att.Filename, err)
				return bot.Reply{Answer: bot.Say(j.lang, bot.MsgDownloadFailed), Mode: bot.ModeError, Private: true, Lang: j.lang, Err: err}, true
			}
			req.Attachments = append(req.Attachments, bot.Attachment{Name: att.Filename, Data: body})
		}
		return a.handle(j.hctx, req, progress)
	})
	if req.Kind == bot.KindReload && reply.Err == nil {
		// The commands describe the document: describe the new one.
		if err := a.register(j.dctx, a.appID, a.cfg.GuildID); err != nil {
			a.log.Warn("discord: registering the commands for the reloaded document", "err", a.red.err(err))
		}
	}
}

// respond runs work, the bot's answer to an interaction, and delivers its
// reply. A reply within respondWithin of the interaction is the response
// itself; otherwise, or as soon as the answer starts streaming, the
// response is deferred (Discord's "thinking…") and edited as the answer
// grows. It returns the reply delivered.
func (a *adapter) respond(j *job, o replyOpts, work func(progress func(bot.Reply)) (bot.Reply, bool)) bot.Reply {
	type result struct {
		r  bot.Reply
		ok bool
	}
	done := make(chan result, 1)
	p := newProgress(a.editInterval, a.renderProgress, func(err error) {
		if !errors.Is(err, context.Canceled) {
			a.logErr(j.i, "editing progress", err)
		}
	})
	go func() {
		r, ok := work(p.push)
		done <- result{r, ok}
	}()
	timer := time.NewTimer(time.Until(j.received.Add(a.respondWithin)))
	defer timer.Stop()
	var res result
	deferred := false
	select {
	case res = <-done:
	case <-p.first:
		deferred = true
	case <-timer.C:
		deferred = true
	}
	if deferred {
		if err := a.deferResponse(j, o.ephemeral); err != nil {
			a.logErr(j.i, "deferring the response", err)
			return bot.Reply{Err: err}
		}
		p.start(func(m outMessage) error {
			_, err := a.edit(j.dctx, j.i, m, nil)
			return err
		})
		res = <-done
		p.stop()
	}
	if !res.ok || (res.r.Err != nil && a.shuttingDown()) {
		res.r = restarting(j.lang)
	}
	if res.r.Err != nil {
		// A refusal (rate limit, unknown label) is the user's business,
		// and its error may quote what they typed: not for warn.
		a.log.Debug("discord: request refused or failed", "interaction", j.i.ID, "err", a.red.err(res.r.Err))
	}
	a.deliver(j, res.r, o, deferred)
	return res.r
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
	if _, err := a.respondWith(j, outMessage{Content: truncate(escapeMarkup(msg), maxContent)}, nil, true, false); err != nil {
		a.logErr(j.i, "responding", err)
	}
}

// respondWith makes m the interaction's response. When the message's id
// is wanted (its buttons need it), Discord is asked to return the
// message, and asked again for it when it does not.
func (a *adapter) respondWith(j *job, m outMessage, comps []discordgo.MessageComponent, ephemeral, want bool) (*discordgo.Message, error) {
	data := &discordgo.InteractionResponseData{Content: m.Content, Embeds: m.Embeds, Components: comps, AllowedMentions: noMentions()}
	if ephemeral {
		data.Flags = discordgo.MessageFlagsEphemeral
	}
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: data}
	ctx, cancel := context.WithDeadline(j.dctx, j.received.Add(ackWindow))
	defer cancel()
	url := discordgo.EndpointInteractionResponse(j.i.ID, j.i.Token)
	if want {
		url += "?with_response=true"
	}
	body, err := a.call(ctx, http.MethodPost, url, resp)
	if err != nil {
		return nil, err
	}
	j.acked = true
	if !want {
		return nil, nil
	}
	var cb struct {
		Interaction struct {
			ResponseMessageID string `json:"response_message_id"`
		} `json:"interaction"`
		Resource struct {
			Message *discordgo.Message `json:"message"`
		} `json:"resource"`
	}
	if len(body) > 0 && json.Unmarshal(body, &cb) == nil {
		if msg := cb.Resource.Message; msg != nil && msg.ID != "" {
			return msg, nil
		}
		if id := cb.Interaction.ResponseMessageID; id != "" {
			return &discordgo.Message{ID: id}, nil
		}
	}
	// A server that ignores with_response: read the response back.
	body, err = a.call(j.dctx, http.MethodGet, discordgo.EndpointInteractionResponseActions(j.i.AppID, j.i.Token), nil)
	if err != nil {
		return nil, err
	}
	var msg discordgo.Message
	if err := json.Unmarshal(body, &msg); err != nil {
		return nil, fmt.Errorf("discord: reading the response: %w", err)
	}
	return &msg, nil
}

func (a *adapter) logErr(i *discordgo.Interaction, what string, err error) {
	// Interaction tokens are in webhook URLs, which net/http puts in errors.
	a.log.Error("discord: "+what, "interaction", i.ID, "err", a.red.with(i.Token).err(err))
}

// deliver sends a reply to an interaction. Answered at once (deferred
// false), the first message is the interaction's response; deferred, it
// replaces the "thinking…" response, and a private reply to a public
// deferral deletes the public placeholder and answers ephemerally. The
// other messages follow as follow-ups.
//
// Nothing the reply replaces may stay: when the final edit fails, the
// response (which may show a partial answer) is deleted and the reply
// sent as follow-ups; when a public placeholder cannot be deleted, it
// says that the asker was answered privately.
func (a *adapter) deliver(j *job, r bot.Reply, o replyOpts, deferred bool) {
	i, ctx := j.i, j.dctx
	lang := r.Lang
	if lang == "" {
		lang = j.lang
	}
	msgs := a.render(r)
	if len(msgs) == 0 {
		msgs = []outMessage{{Content: bot.Say(lang, bot.MsgFailed)}}
	}
	private := o.ephemeral || r.Private
	set := buttonsFor(r, private, o.postable)
	comps := components(r, lang, set)
	if !deferred {
		msg, err := a.respondWith(j, msgs[0], comps, private, set.remembered())
		if err != nil {
			a.logErr(i, "answering the interaction", err)
			return
		}
		a.remember(msg, r, lang, set)
		a.followups(j, msgs[1:], nil, private)
		return
	}
	if r.Private && !o.ephemeral {
		if err := a.deleteOriginal(ctx, i); err != nil {
			a.logErr(i, "deleting the public placeholder", err)
			if _, err := a.edit(ctx, i, outMessage{Content: bot.Say(lang, bot.MsgAnsweredPrivately)}, nil); err != nil {
				a.logErr(i, "replacing the public placeholder", err)
			}
		}
		a.followups(j, msgs, nil, true)
		return
	}
	msg, err := a.edit(ctx, i, msgs[0], comps)
	if err != nil {
		a.logErr(i, "editing the response", err)
		if err := a.deleteOriginal(ctx, i); err != nil {
			a.logErr(i, "deleting the response after a failed edit", err)
		}
		if first, ok := a.followups(j, msgs, comps, o.ephemeral); ok {
			a.remember(first, r, lang, set)
		}
		return
	}
	a.remember(msg, r, lang, set)
	a.followups(j, msgs[1:], nil, o.ephemeral)
}

// remember keeps what a message answered, for the buttons under it that
// need it: votes and "how I found this" the answer's outline, "post
// publicly" the whole answer.
func (a *adapter) remember(msg *discordgo.Message, r bot.Reply, lang bot.Lang, set buttonSet) {
	if msg == nil || msg.ID == "" || !set.remembered() {
		return
	}
	if set.votes || set.how {
		a.votes.Put(msg.ID, answered{Question: r.Question, Labels: citedLabels(r), Mode: r.Mode, Model: r.Model,
			Lang: lang, Trace: r.Trace})
	}
	if set.post {
		a.postable.Put(msg.ID, &postable{reply: r})
	}
	a.log.Debug("discord: answer delivered", "message", msg.ID)
}

// followups sends msgs as follow-up messages, the first with comps; it
// returns the first message sent and whether all were. A failure ends the
// sending with a private error notice.
func (a *adapter) followups(j *job, msgs []outMessage, comps []discordgo.MessageComponent, ephemeral bool) (*discordgo.Message, bool) {
	ctx, i := j.dctx, j.i
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
				a.followupError(j)
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
func (a *adapter) followupError(j *job) {
	if _, err := a.followup(j.dctx, j.i, outMessage{Content: bot.Say(j.lang, bot.MsgFailed)}, nil, true); err != nil {
		a.logErr(j.i, "sending the error notice", err)
	}
}

// progress shows an answer while it streams, editing one message in
// place at most once per interval: the deferred response of an
// interaction, or the message a mention's answer started. Until start, it
// only keeps the latest reply and signals first; stop waits for an edit in
// flight so the final edit is always the last one. The bot sends only
// checked text; a reply with no text withdraws what was shown.
type progress struct {
	interval time.Duration
	render   func(bot.Reply) outMessage
	logErr   func(error)
	edit     func(outMessage) error // set by start

	mu      sync.Mutex
	last    *bot.Reply
	started bool
	first   chan struct{} // a reply came before start
	wake    chan struct{}
	quit    chan struct{}
	done    chan struct{}
}

func newProgress(interval time.Duration, render func(bot.Reply) outMessage, logErr func(error)) *progress {
	return &progress{interval: interval, render: render, logErr: logErr, first: make(chan struct{}, 1),
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

// push records the newest partial reply; the loop sends the latest one.
func (p *progress) push(r bot.Reply) {
	p.mu.Lock()
	p.last = &r
	c := p.first
	if p.started {
		c = p.wake
	}
	p.mu.Unlock()
	select {
	case c <- struct{}{}:
	default:
	}
}

// start begins editing with edit, showing any reply pushed before.
func (p *progress) start(edit func(outMessage) error) {
	p.mu.Lock()
	p.edit, p.started = edit, true
	pending := p.last != nil
	p.mu.Unlock()
	if pending {
		select {
		case p.wake <- struct{}{}:
		default: // a push since has woken it
		}
	}
	go p.loop()
}

// stop ends the edits; the last one has returned when it returns.
func (p *progress) stop() {
	p.mu.Lock()
	started := p.started
	p.mu.Unlock()
	if !started {
		return
	}
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
		if wait := p.interval - time.Since(sent); wait > 0 {
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
			m = p.render(*r)
		}
		if err := p.edit(m); err != nil {
			p.logErr(err)
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

// component answers a click on a button under an answer.
func (a *adapter) component(j *job) {
	i := j.i
	data, ok := i.Data.(discordgo.MessageComponentInteractionData)
	if !ok {
		a.log.Warn("discord: a button click without readable data", "interaction", i.ID)
		a.respondNow(j, bot.Say(j.lang, bot.MsgFailed))
		return
	}
	switch id := data.CustomID; {
	case id == voteUp || id == voteDown:
		a.vote(j, id == voteUp)
	case id == howID:
		a.how(j)
	case id == postID:
		a.post(j)
	case strings.HasPrefix(id, passagePrefix):
		a.passage(j, strings.TrimPrefix(id, passagePrefix))
	default:
		// A button of an older version of the bot.
		a.log.Debug("discord: unknown button", "interaction", i.ID)
		a.respondNow(j, bot.Say(j.lang, bot.MsgExpired))
	}
}

// clicked is what the bot remembers of the message a button is under, in
// the language the answer was written in.
func (a *adapter) clicked(j *job) (answered, bool) {
	if j.i.Message == nil {
		return answered{}, false
	}
	rec, ok := a.votes.Get(j.i.Message.ID)
	if ok && rec.Lang != "" {
		j.lang = rec.Lang
	}
	return rec, ok
}

// vote records a 👍/👎 click and thanks the user privately. A user's
// second vote on an answer replaces the first (the bot keeps the latest).
func (a *adapter) vote(j *job, up bool) {
	i := j.i
	rec, ok := a.clicked(j)
	if !ok {
		a.respondNow(j, bot.Say(j.lang, bot.MsgVoteExpired))
		return
	}
	req := requester(j)
	vctx, cancel := context.WithTimeout(j.dctx, voteTimeout)
	err := a.h.RecordVote(vctx, bot.Vote{
		UserID: req.UserID, Up: up, Question: rec.Question,
		Labels: append([]string(nil), rec.Labels...), Mode: rec.Mode, Model: rec.Model, AnswerID: i.Message.ID,
	})
	cancel()
	if err != nil {
		a.logErr(i, "recording a vote", err)
		a.respondNow(j, bot.Say(j.lang, bot.MsgFailed))
		return
	}
	a.respondNow(j, bot.Say(j.lang, bot.MsgThanks))
}

// how shows, privately, how the answer above the button was found.
func (a *adapter) how(j *job) {
	rec, ok := a.clicked(j)
	if !ok || rec.Trace == nil {
		a.respondNow(j, bot.Say(j.lang, bot.MsgExpired))
		return
	}
	if _, err := a.respondWith(j, renderTrace(*rec.Trace, j.lang, a.cfg.PublicURL), nil, true, false); err != nil {
		a.logErr(j.i, "showing how an answer was found", err)
	}
}

// post posts a private answer publicly in its channel, once.
func (a *adapter) post(j *job) {
	var p *postable
	if j.i.Message != nil {
		p, _ = a.postable.Get(j.i.Message.ID)
	}
	if p == nil {
		a.respondNow(j, bot.Say(j.lang, bot.MsgExpired))
		return
	}
	p.mu.Lock()
	posted := p.posted
	p.posted = true
	r := p.reply
	p.mu.Unlock()
	j.lang = r.Lang
	if posted {
		a.respondNow(j, bot.Say(j.lang, bot.MsgAlreadyPosted))
		return
	}
	a.respond(j, replyOpts{}, func(func(bot.Reply)) (bot.Reply, bool) { return r, true })
}

// passage shows, privately, the paragraph a button names with the ones
// before and after it; arg is "lang:label".
func (a *adapter) passage(j *job, arg string) {
	lang, label, _ := strings.Cut(arg, ":")
	switch l := bot.Lang(lang); l {
	case bot.Simplified, bot.Traditional, bot.English:
		j.lang = l
	}
	req := requester(j)
	req.Kind, req.Text, req.Lang = bot.KindPassage, label, j.lang
	a.respond(j, replyOpts{ephemeral: true}, func(func(bot.Reply)) (bot.Reply, bool) {
		return a.handle(j.hctx, req, nil)
	})
}
