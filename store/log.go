package store

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/internal/docversion"
)

// Defaults of LogConfig.
const (
	DefaultRetentionDays = 90
	defaultQueue         = 1024
	defaultPurgeEvery    = time.Hour
	// writeTimeout bounds one write: a stuck database must not hold the
	// queue for ever.
	writeTimeout = 10 * time.Second
)

// ErrClosed is returned by a Log that was closed.
var ErrClosed = errors.New("question log closed")

// LogConfig configures a Log.
type LogConfig struct {
	// RetentionDays is how long questions and votes are kept (default 90).
	RetentionDays int
	// Queue bounds the questions waiting to be written (default 1024);
	// past it, questions are dropped and counted rather than slowing the
	// answers down.
	Queue int
	// PurgeEvery is how often old entries are removed (default hourly,
	// and once at start).
	PurgeEvery time.Duration
	// Logger receives write failures; nil discards them.
	Logger *slog.Logger
	// Now is the clock, for tests.
	Now func() time.Time
}

// Log is the bot's question log: it satisfies bot.QuestionLog, writing
// questions from a queue so that an answer never waits for the database,
// and it purges what is older than the retention period.
type Log struct {
	s     *Store
	cfg   LogConfig
	log   *slog.Logger
	queue chan job

	mu     sync.RWMutex // held for reading while sending on queue
	closed bool
	done   chan struct{}

	dropped atomic.Int64
	failed  atomic.Int64
}

// job is one piece of work for the writer: a question, a vote (whose
// sender waits for the result) or a flush barrier.
type job struct {
	q      *Question
	v      *Vote
	result chan error
}

// NewLog starts a Log writing to s. Close it to write what is queued.
func NewLog(s *Store, cfg LogConfig) *Log {
	if cfg.RetentionDays <= 0 {
		cfg.RetentionDays = DefaultRetentionDays
	}
	if cfg.Queue <= 0 {
		cfg.Queue = defaultQueue
	}
	if cfg.PurgeEvery <= 0 {
		cfg.PurgeEvery = defaultPurgeEvery
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	l := &Log{s: s, cfg: cfg, log: cfg.Logger, queue: make(chan job, cfg.Queue), done: make(chan struct{})}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	go l.run()
	return l
}

// Asked queues a question; it never blocks. A full queue drops the
// question and counts it (Dropped).
func (l *Log) Asked(_ context.Context, a bot.Asked) {
	q := questionOf(a)
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		l.dropped.Add(1)
		return
	}
	select {
	case l.queue <- job{q: &q}:
	default:
		if l.dropped.Add(1) == 1 {
			l.log.Warn("question log queue full; dropping questions until the database catches up")
		}
	}
}

// questionOf is what the log keeps of an answered question.
func questionOf(a bot.Asked) Question {
	labels := make([]string, len(a.Reply.Citations))
	for i, c := range a.Reply.Citations {
		labels[i] = c.Label
	}
	return Question{
		Time: a.Time, Transport: a.Request.Transport, UserID: a.Request.UserID, Text: a.Text(),
		Outcome: Outcome(a.Reply), Mode: string(a.Reply.Mode), Labels: labels, Latency: a.Took,
		Model: a.Reply.Model, Corpus: docversion.Of(a.Document), Lang: string(a.Reply.Lang),
	}
}

// Outcome is the outcome a reply is logged and counted with.
func Outcome(r bot.Reply) string {
	if r.Err != nil || r.Outcome == "" {
		return Error
	}
	return string(r.Outcome)
}

// Voted writes a vote after every question queued before it, and waits
// for the write or ctx.
func (l *Log) Voted(ctx context.Context, v bot.Vote) error {
	sv := Vote{Time: l.cfg.Now(), UserID: v.UserID, Up: v.Up, Question: v.Question,
		Labels: v.Labels, Mode: string(v.Mode), Model: v.Model, AnswerID: v.AnswerID}
	return l.send(ctx, job{v: &sv, result: make(chan error, 1)})
}

// Flush waits until everything queued before it is written.
func (l *Log) Flush(ctx context.Context) error {
	return l.send(ctx, job{result: make(chan error, 1)})
}

func (l *Log) send(ctx context.Context, j job) error {
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return ErrClosed
	}
	select {
	case l.queue <- j:
		l.mu.RUnlock()
	case <-ctx.Done():
		l.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-j.result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Dropped counts the questions dropped because the queue was full or the
// log closed.
func (l *Log) Dropped() int64 { return l.dropped.Load() }

// Failed counts the writes that failed.
func (l *Log) Failed() int64 { return l.failed.Load() }

// Close stops taking questions and waits, up to ctx, for the queue to be
// written. It does not close the Store.
func (l *Log) Close(ctx context.Context) error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.queue)
	}
	l.mu.Unlock()
	select {
	case <-l.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run is the writer: it writes queued work in order and purges on a
// timer, until the queue is closed and drained.
func (l *Log) run() {
	defer close(l.done)
	l.purge()
	tick := time.NewTicker(l.cfg.PurgeEvery)
	defer tick.Stop()
	for {
		select {
		case j, ok := <-l.queue:
			if !ok {
				return
			}
			l.write(j)
		case <-tick.C:
			l.purge()
		}
	}
}

func (l *Log) write(j job) {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	var err error
	switch {
	case j.q != nil:
		_, err = l.s.Record(ctx, *j.q)
	case j.v != nil:
		_, err = l.s.RecordVote(ctx, *j.v)
	}
	if err != nil {
		l.failed.Add(1)
		// The error carries no question text or user ID: the store's
		// errors name the statement, not the values.
		l.log.Error("question log write failed", "err", err)
	}
	if j.result != nil {
		j.result <- err
	}
}

func (l *Log) purge() {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	before := l.cfg.Now().Add(-time.Duration(l.cfg.RetentionDays) * 24 * time.Hour)
	p, err := l.s.Purge(ctx, before)
	if err != nil {
		l.failed.Add(1)
		l.log.Error("question log purge failed", "err", err)
		return
	}
	if p.Questions > 0 || p.Votes > 0 {
		l.log.Info("question log purged", "questions", p.Questions, "votes", p.Votes, "before", before.UTC())
	}
}
