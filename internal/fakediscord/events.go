package fakediscord

import (
	"context"
	"strconv"
	"time"
)

// Interaction types and option types of the wire format.
const (
	TypeCommand      = 2
	TypeComponent    = 3
	TypeAutocomplete = 4

	OptionString     = 3
	OptionAttachment = 11
)

// Permission bits the bot's admin rule looks at.
const (
	PermAdministrator = 1 << 3
	PermManageGuild   = 1 << 5
)

// Member is the guild member who triggers an interaction or sends a message.
type Member struct {
	UserID      string
	Roles       []string
	Permissions int64
}

// Option is one slash-command option.
type Option struct {
	Name    string
	Type    int
	Value   any
	Focused bool
}

// Attachment is a file resolved in a slash command.
type Attachment struct {
	ID       string
	Filename string
	Size     int
	URL      string
}

// Interaction describes an INTERACTION_CREATE to dispatch.
type Interaction struct {
	Type        int // TypeCommand, TypeComponent or TypeAutocomplete; default TypeCommand
	Name        string
	Options     []Option
	Attachments []Attachment
	Member      *Member // guild interactions
	DMUserID    string  // DM interactions (no Member)
	ChannelID   string
	CustomID    string // components
	MessageID   string // components: the message whose button was clicked
	Token       string // the interaction token; default "itoken-" and the id
	Locale      string // the user's Discord locale; default "zh-TW"
	GuildID     string // guild interactions; default the server's
	// Target makes the command a message context-menu command (type 3) on
	// this message.
	Target *TargetMessage

	// Malformed interactions, as a buggy or hostile server might send.
	NoData         bool // leave out "data"
	RawOptions     any  // when not nil, sent as "options" verbatim (e.g. a string)
	RawPermissions any  // when not nil, the member's "permissions" verbatim (e.g. "-1" or 8)
}

// TargetMessage is the message a context-menu command was used on.
type TargetMessage struct {
	ID       string
	AuthorID string
	Content  string
}

// Sent identifies a dispatched interaction.
type Sent struct{ ID, Token string }

// SendInteraction dispatches an interaction and returns its id and token.
func (s *Server) SendInteraction(ctx context.Context, in Interaction) (Sent, error) {
	sent, d := s.interaction(in)
	return sent, s.Dispatch(ctx, "INTERACTION_CREATE", d)
}

// ReplayInteractionOnResume queues an interaction for the next resume to
// replay (see ReplayOnResume) and returns its id and token.
func (s *Server) ReplayInteractionOnResume(in Interaction) Sent {
	sent, d := s.interaction(in)
	s.ReplayOnResume("INTERACTION_CREATE", d)
	return sent
}

// interaction builds an INTERACTION_CREATE payload.
func (s *Server) interaction(in Interaction) (Sent, map[string]any) {
	sent := Sent{ID: s.newID(), Token: in.Token}
	if sent.Token == "" {
		sent.Token = "itoken-" + sent.ID
	}
	if in.Type == 0 {
		in.Type = TypeCommand
	}
	if in.ChannelID == "" {
		in.ChannelID = "800000000000000001"
	}
	if in.Locale == "" {
		in.Locale = "zh-TW"
	}
	if in.GuildID == "" {
		in.GuildID = s.GuildID
	}
	d := map[string]any{
		"id": sent.ID, "application_id": s.AppID, "type": in.Type, "token": sent.Token, "version": 1,
		"channel_id": in.ChannelID, "locale": in.Locale,
	}
	if in.Member != nil {
		d["guild_id"] = in.GuildID
		var perms any = strconv.FormatInt(in.Member.Permissions, 10)
		if in.RawPermissions != nil {
			perms = in.RawPermissions
		}
		d["member"] = map[string]any{
			"user":        map[string]any{"id": in.Member.UserID, "username": "user" + in.Member.UserID},
			"roles":       nonNil(in.Member.Roles),
			"permissions": perms,
			"joined_at":   time.Unix(1600000000, 0).UTC().Format(time.RFC3339),
		}
	} else {
		d["user"] = map[string]any{"id": in.DMUserID, "username": "user" + in.DMUserID}
	}
	switch in.Type {
	case TypeComponent:
		d["data"] = map[string]any{"custom_id": in.CustomID, "component_type": 2}
		d["message"] = map[string]any{"id": in.MessageID, "channel_id": in.ChannelID,
			"timestamp": time.Unix(1600000000, 0).UTC().Format(time.RFC3339)}
	default:
		opts := make([]any, 0, len(in.Options))
		for _, o := range in.Options {
			m := map[string]any{"name": o.Name, "type": o.Type, "value": o.Value}
			if o.Focused {
				m["focused"] = true
			}
			opts = append(opts, m)
		}
		data := map[string]any{"id": "700000000000000001", "name": in.Name, "type": 1, "options": opts}
		if in.RawOptions != nil {
			data["options"] = in.RawOptions
		}
		if t := in.Target; t != nil {
			data["type"] = 3
			data["target_id"] = t.ID
			delete(data, "options")
			data["resolved"] = map[string]any{"messages": map[string]any{t.ID: map[string]any{
				"id": t.ID, "channel_id": in.ChannelID, "content": t.Content, "type": 0,
				"author":    map[string]any{"id": t.AuthorID, "username": "user" + t.AuthorID},
				"timestamp": time.Unix(1600000000, 0).UTC().Format(time.RFC3339),
			}}}
		}
		if len(in.Attachments) > 0 {
			atts := map[string]any{}
			for _, a := range in.Attachments {
				atts[a.ID] = map[string]any{"id": a.ID, "filename": a.Filename, "size": a.Size,
					"url": a.URL, "proxy_url": a.URL, "content_type": "text/plain; charset=utf-8"}
			}
			data["resolved"] = map[string]any{"attachments": atts}
		}
		d["data"] = data
	}
	if in.NoData {
		delete(d, "data")
	}
	return sent, d
}

// Message describes a MESSAGE_CREATE to dispatch.
type Message struct {
	ID         string // default a new id
	GuildID    string // default the server's (unless DM)
	ChannelID  string
	DM         bool // no guild
	AuthorID   string
	AuthorBot  bool
	Content    string
	MentionBot bool // the bot is in mentions (put <@BotID> in Content too)
	Roles      []string
}

// SendMessage dispatches a message and returns its id.
func (s *Server) SendMessage(ctx context.Context, m Message) (string, error) {
	id := m.ID
	if id == "" {
		id = s.newID()
	}
	if m.GuildID == "" {
		m.GuildID = s.GuildID
	}
	if m.ChannelID == "" {
		m.ChannelID = "800000000000000001"
	}
	mentions := []any{}
	if m.MentionBot {
		mentions = append(mentions, s.botUser())
	}
	d := map[string]any{
		"id": id, "channel_id": m.ChannelID, "content": m.Content, "type": 0,
		"author":    map[string]any{"id": m.AuthorID, "username": "user" + m.AuthorID, "bot": m.AuthorBot},
		"mentions":  mentions,
		"timestamp": time.Now().UTC().Format(time.RFC3339),
	}
	if !m.DM {
		d["guild_id"] = m.GuildID
		d["member"] = map[string]any{"roles": nonNil(m.Roles),
			"joined_at": time.Unix(1600000000, 0).UTC().Format(time.RFC3339)}
	}
	return id, s.Dispatch(ctx, "MESSAGE_CREATE", d)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
