package discord

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// DefaultBaseURL is Discord itself; CITEBOT_DISCORD_URL overrides it for
// compatible servers (Spacebar) and for the tests' fake server.
const DefaultBaseURL = "https://discord.com"

// endpointVars lists every string endpoint variable of discordgo. The
// function-valued endpoints (EndpointChannelMessages and the rest) build their
// URLs from these at call time, so re-pointing these strings re-points them
// too. TestEndpointVarsCoverDiscordgo parses discordgo's source to keep this
// list complete when discordgo is upgraded.
func endpointVars() map[string]*string {
	return map[string]*string{
		"EndpointStatus":             &discordgo.EndpointStatus,
		"EndpointSm":                 &discordgo.EndpointSm,
		"EndpointSmActive":           &discordgo.EndpointSmActive,
		"EndpointSmUpcoming":         &discordgo.EndpointSmUpcoming,
		"EndpointDiscord":            &discordgo.EndpointDiscord,
		"EndpointAPI":                &discordgo.EndpointAPI,
		"EndpointGuilds":             &discordgo.EndpointGuilds,
		"EndpointChannels":           &discordgo.EndpointChannels,
		"EndpointUsers":              &discordgo.EndpointUsers,
		"EndpointGateway":            &discordgo.EndpointGateway,
		"EndpointGatewayBot":         &discordgo.EndpointGatewayBot,
		"EndpointWebhooks":           &discordgo.EndpointWebhooks,
		"EndpointStickers":           &discordgo.EndpointStickers,
		"EndpointStageInstances":     &discordgo.EndpointStageInstances,
		"EndpointSKUs":               &discordgo.EndpointSKUs,
		"EndpointCDN":                &discordgo.EndpointCDN,
		"EndpointCDNAttachments":     &discordgo.EndpointCDNAttachments,
		"EndpointCDNAvatars":         &discordgo.EndpointCDNAvatars,
		"EndpointCDNIcons":           &discordgo.EndpointCDNIcons,
		"EndpointCDNSplashes":        &discordgo.EndpointCDNSplashes,
		"EndpointCDNChannelIcons":    &discordgo.EndpointCDNChannelIcons,
		"EndpointCDNBanners":         &discordgo.EndpointCDNBanners,
		"EndpointCDNGuilds":          &discordgo.EndpointCDNGuilds,
		"EndpointCDNRoleIcons":       &discordgo.EndpointCDNRoleIcons,
		"EndpointVoice":              &discordgo.EndpointVoice,
		"EndpointVoiceRegions":       &discordgo.EndpointVoiceRegions,
		"EndpointNitroStickersPacks": &discordgo.EndpointNitroStickersPacks,
		"EndpointGuildCreate":        &discordgo.EndpointGuildCreate,
		"EndpointApplications":       &discordgo.EndpointApplications,
		"EndpointOAuth2":             &discordgo.EndpointOAuth2,
		"EndpointOAuth2Applications": &discordgo.EndpointOAuth2Applications,
		"EndpointOauth2":             &discordgo.EndpointOauth2,
		"EndpointOauth2Applications": &discordgo.EndpointOauth2Applications,
	}
}

// NormalizeBaseURL checks that base is an absolute http(s) URL and returns it
// without a trailing slash; empty means DefaultBaseURL.
func NormalizeBaseURL(base string) (string, error) {
	if strings.TrimSpace(base) == "" {
		return DefaultBaseURL, nil
	}
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil {
		return "", fmt.Errorf("discord base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("discord base URL %q: want http(s)://host[/path]", base)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("discord base URL %q: no query, fragment or credentials allowed", u.Redacted())
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// PointEndpoints re-points every discordgo endpoint at base (e.g.
// "https://discord.com" or a Spacebar-style server). discordgo computes its
// endpoints once at init, so this must run before a session is created, and
// not while another session is in use: the variables are process-wide.
// discordgo then discovers the gateway through GET {base}/api/v9/gateway.
func PointEndpoints(base string) error {
	base, err := NormalizeBaseURL(base)
	if err != nil {
		return err
	}
	// Real Discord keeps its CDN and status page on other hosts; a compatible
	// server (or the fake) serves everything itself, so nothing leaks out.
	cdn, status := base+"/", base+"/api/v2/"
	if base == DefaultBaseURL {
		cdn, status = "https://cdn.discordapp.com/", "https://status.discord.com/api/v2/"
	}
	discordgo.EndpointDiscord = base + "/"
	api := discordgo.EndpointDiscord + "api/v" + discordgo.APIVersion + "/"

	discordgo.EndpointStatus = status
	discordgo.EndpointSm = status + "scheduled-maintenances/"
	discordgo.EndpointSmActive = discordgo.EndpointSm + "active.json"
	discordgo.EndpointSmUpcoming = discordgo.EndpointSm + "upcoming.json"

	discordgo.EndpointAPI = api
	discordgo.EndpointGuilds = api + "guilds/"
	discordgo.EndpointChannels = api + "channels/"
	discordgo.EndpointUsers = api + "users/"
	discordgo.EndpointGateway = api + "gateway"
	discordgo.EndpointGatewayBot = discordgo.EndpointGateway + "/bot"
	discordgo.EndpointWebhooks = api + "webhooks/"
	discordgo.EndpointStickers = api + "stickers/"
	discordgo.EndpointStageInstances = api + "stage-instances"
	discordgo.EndpointSKUs = api + "skus"

	discordgo.EndpointCDN = cdn
	discordgo.EndpointCDNAttachments = cdn + "attachments/"
	discordgo.EndpointCDNAvatars = cdn + "avatars/"
	discordgo.EndpointCDNIcons = cdn + "icons/"
	discordgo.EndpointCDNSplashes = cdn + "splashes/"
	discordgo.EndpointCDNChannelIcons = cdn + "channel-icons/"
	discordgo.EndpointCDNBanners = cdn + "banners/"
	discordgo.EndpointCDNGuilds = cdn + "guilds/"
	discordgo.EndpointCDNRoleIcons = cdn + "role-icons/"

	// These two keep discordgo's own (odd) double slash so the default
	// configuration reproduces discordgo's values exactly.
	discordgo.EndpointVoice = api + "/voice/"
	discordgo.EndpointVoiceRegions = discordgo.EndpointVoice + "regions"
	discordgo.EndpointNitroStickersPacks = api + "/sticker-packs"

	discordgo.EndpointGuildCreate = api + "guilds"
	discordgo.EndpointApplications = api + "applications"
	discordgo.EndpointOAuth2 = api + "oauth2/"
	discordgo.EndpointOAuth2Applications = discordgo.EndpointOAuth2 + "applications"
	discordgo.EndpointOauth2 = discordgo.EndpointOAuth2
	discordgo.EndpointOauth2Applications = discordgo.EndpointOAuth2Applications
	return nil
}
