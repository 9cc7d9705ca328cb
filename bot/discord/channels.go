package discord

import (
	"context"
	"errors"
	"net/http"

	"github.com/bwmarrin/discordgo"
)

// chanInfo is what the bot needs to know of a channel to decide whether
// to speak in it: its type, and for a thread its channel, its creator
// (a forum post's poster) and its name (a forum post's title).
type chanInfo struct {
	typ    discordgo.ChannelType
	parent string
	owner  string
	name   string
}

func (c chanInfo) thread() bool {
	switch c.typ {
	case discordgo.ChannelTypeGuildPublicThread, discordgo.ChannelTypeGuildPrivateThread, discordgo.ChannelTypeGuildNewsThread:
		return true
	}
	return false
}

func infoOf(ch *discordgo.Channel) chanInfo {
	return chanInfo{typ: ch.Type, parent: ch.ParentID, owner: ch.OwnerID, name: ch.Name}
}

// set makes a lookup set of ids.
func set(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// onThreadCreate remembers new threads: a forum post's first message
// follows its THREAD_CREATE, and then needs no lookup.
func (a *adapter) onThreadCreate(_ *discordgo.Session, tc *discordgo.ThreadCreate) {
	if tc == nil || tc.Channel == nil || tc.ID == "" {
		return
	}
	a.chans.Put(tc.ID, infoOf(tc.Channel))
}

// channel returns what the bot knows of a channel: from its own memory,
// discordgo's state (filled by the guilds' GUILD_CREATE), or Discord. A
// thread's channel, owner and type never change, so a lookup is kept.
func (a *adapter) channel(ctx context.Context, id string) (chanInfo, bool) {
	if c, ok := a.chans.Get(id); ok {
		return c, true
	}
	if ch, err := a.s.State.Channel(id); err == nil && ch != nil {
		c := infoOf(ch)
		a.chans.Put(id, c)
		return c, true
	}
	opt, cancel := a.rest(ctx)
	defer cancel()
	ch, err := a.s.Channel(id, opt)
	if err != nil || ch == nil {
		a.log.Info("discord: cannot look up a channel", "channel", id, "err", a.red.err(err))
		return chanInfo{}, false
	}
	c := infoOf(ch)
	a.chans.Put(id, c)
	return c, true
}

// speaksIn reports whether the bot answers mentions and follow-ups in a
// channel (or a thread of parent): everywhere when CITEBOT_CHANNELS is
// empty, else in the listed channels and forums and their threads.
func (a *adapter) speaksIn(channelID, parent string) bool {
	if len(a.channels) == 0 {
		return true
	}
	for _, id := range []string{channelID, parent} {
		if id != "" && (a.channels[id] || a.forums[id]) {
			return true
		}
	}
	return false
}

// checkChannels warns about configured channels the bot cannot see, and
// forum channels that are not forums: a typo there would silently keep the
// bot quiet.
func (a *adapter) checkChannels(ctx context.Context) {
	check := func(name string, ids map[string]bool, forum bool) {
		for id := range ids {
			opt, cancel := a.rest(ctx)
			ch, err := a.s.Channel(id, opt)
			cancel()
			var rest *discordgo.RESTError
			switch {
			case err != nil && errors.As(err, &rest) && rest.Response != nil &&
				(rest.Response.StatusCode == http.StatusNotFound || rest.Response.StatusCode == http.StatusForbidden):
				a.log.Warn("discord: a configured channel is unknown or not visible to the bot; it stays quiet there",
					"setting", name, "channel", id)
			case err != nil:
				a.log.Info("discord: cannot check a configured channel", "setting", name, "channel", id, "err", a.red.err(err))
			case forum && ch.Type != discordgo.ChannelTypeGuildForum && ch.Type != discordgo.ChannelTypeGuildMedia:
				a.log.Warn("discord: a configured forum channel is not a forum; its messages are not answered without a mention",
					"setting", name, "channel", id, "type", int(ch.Type))
			default:
				a.chans.Put(id, infoOf(ch))
			}
			if ctx.Err() != nil {
				return
			}
		}
	}
	check("CITEBOT_CHANNELS", a.channels, false)
	check("CITEBOT_FORUM_CHANNELS", a.forums, true)
}
