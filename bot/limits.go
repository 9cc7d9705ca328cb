package bot

import (
	"sync"
	"time"

	"github.com/citebot/citebot/internal/lru"

	"golang.org/x/time/rate"
)

// limiter gives each user a token bucket of perMinute questions that refills
// evenly over a minute. Buckets of users idle for a while are dropped so the
// map does not grow with every user the bot ever met.
type limiter struct {
	perMinute int
	now       func() time.Time
	mu        sync.Mutex
	users     map[string]*bucket
	swept     time.Time
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

func newLimiter(perMinute int, now func() time.Time) *limiter {
	return &limiter{perMinute: perMinute, now: now, users: make(map[string]*bucket)}
}

// allow takes one question from user's budget, or says how long to wait.
func (l *limiter) allow(user string) (time.Duration, bool) {
	if l.perMinute < 0 {
		return 0, true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > 10*time.Minute {
		for id, b := range l.users {
			if now.Sub(b.last) > 10*time.Minute {
				delete(l.users, id)
			}
		}
		l.swept = now
	}
	b, ok := l.users[user]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Every(time.Minute/time.Duration(l.perMinute)), l.perMinute)}
		l.users[user] = b
	}
	b.last = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// history keeps the last few questions of each conversation so follow-ups
// can be understood; the least recently active conversations are forgotten
// first.
type history struct {
	turns int
	byID  *lru.Map[string, []string]
}

func newHistory(turns, conversations int) *history {
	return &history{turns: turns, byID: lru.New[string, []string](conversations)}
}

func (h *history) add(id, q string) {
	if id == "" {
		return
	}
	prev, _ := h.byID.Get(id)
	prev = append(append([]string(nil), prev...), q)
	if len(prev) > h.turns {
		prev = prev[len(prev)-h.turns:]
	}
	h.byID.Put(id, prev)
}

func (h *history) get(id string) []string {
	if id == "" {
		return nil
	}
	prev, _ := h.byID.Get(id)
	return prev
}
