package discord

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// redactor keeps secrets out of errors and logs: the bot token by value,
// interaction tokens by where they appear (webhook and callback paths, a
// "token" field), and byte dumps, which can hold either and what users
// wrote.
type redactor struct{ secrets []string }

var (
	// tokenPath is an interaction token in a callback or webhook URL path.
	tokenPath = regexp.MustCompile(`(/(?:interactions|webhooks)/[0-9]+/)[^/?#\s"']+`)
	// tokenField is a token in printed JSON.
	tokenField = regexp.MustCompile(`("token"\s*:\s*)"[^"]*"`)
	// byteDump is a []byte or json.RawMessage printed with %#v.
	byteDump = regexp.MustCompile(`(?:0x[0-9a-fA-F]{1,2},\s*){3,}0x[0-9a-fA-F]{1,2}`)
)

func (r redactor) str(s string) string {
	for _, sec := range r.secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[REDACTED]")
		}
	}
	if strings.Contains(s, "/interactions/") || strings.Contains(s, "/webhooks/") {
		s = tokenPath.ReplaceAllString(s, "${1}[REDACTED]")
	}
	if strings.Contains(s, `"token"`) {
		s = tokenField.ReplaceAllString(s, `${1}"[REDACTED]"`)
	}
	if strings.Contains(s, "0x") {
		s = byteDump.ReplaceAllString(s, "[bytes withheld]")
	}
	return s
}

// err returns err unchanged unless its text holds a secret; then it returns
// a flattened copy, since the wrapped chain would still hold the secret.
func (r redactor) err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := r.str(msg)
	if clean == msg {
		return err
	}
	if errors.Is(err, ErrTokenRejected) {
		return fmt.Errorf("%w: %s", ErrTokenRejected, clean)
	}
	return errors.New(clean)
}

func (r redactor) with(more ...string) redactor {
	return redactor{secrets: append(append([]string(nil), r.secrets...), more...)}
}

// discordgo logs through one package-wide function with no session; each
// running adapter registers its logger, and every line goes to all of
// them (one in production; tests run several sessions at once).
var (
	bridgeOnce sync.Once
	bridgesMu  sync.Mutex
	bridges    = map[*logBridge]struct{}{}
)

type logBridge struct {
	log *slog.Logger
	red redactor
}

// bridgeLogs sends discordgo's log lines to log until the returned func is
// called.
func bridgeLogs(log *slog.Logger, red redactor) (unbridge func()) {
	b := &logBridge{log: log, red: red}
	bridgesMu.Lock()
	bridges[b] = struct{}{}
	bridgesMu.Unlock()
	bridgeOnce.Do(func() { discordgo.Logger = discordgoLine })
	return func() {
		bridgesMu.Lock()
		delete(bridges, b)
		bridgesMu.Unlock()
	}
}

// discordgoLine logs one discordgo line. Its arguments are logged only as
// far as they are safe (see safeArgs), at every level: discordgo prints
// whole gateway events in warnings ("Expected READY/RESUMED, instead got:
// %#v" on a resume's replay), and their raw JSON holds interaction tokens
// and users' messages.
func discordgoLine(level, _ int, format string, args ...any) {
	msg := "discordgo: " + fmt.Sprintf(strings.TrimSpace(format), safeArgs(args)...)
	bridgesMu.Lock()
	defer bridgesMu.Unlock()
	for b := range bridges {
		line := b.red.str(msg)
		switch level {
		case discordgo.LogError:
			b.log.Error(line)
		case discordgo.LogWarning:
			b.log.Warn(line)
		default:
			b.log.Debug(line)
		}
	}
}

// safeArgs keeps what a log line may show of discordgo's arguments:
// numbers, durations, errors and short plain strings (an event type, the
// gateway's address). Anything else — an event printed with %#v, a
// payload passed as a string — is replaced by its type or size.
func safeArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, bool,
			time.Duration, time.Time:
			out[i] = v
		case error:
			out[i] = v.Error()
		case string:
			if plainString(v) {
				out[i] = v
			} else {
				out[i] = withheld(fmt.Sprintf("%d bytes", len(v)))
			}
		default:
			out[i] = withheld(fmt.Sprintf("%T", v))
		}
	}
	return out
}

// plainString is a short string without JSON or quoted text in it.
func plainString(s string) bool {
	return len(s) <= 200 && !strings.ContainsAny(s, "{}\"\n")
}

// withheld prints as a note of what was left out, whatever the verb.
type withheld string

// Format implements fmt.Formatter.
func (w withheld) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "[withheld: %s]", string(w)) }
