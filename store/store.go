// Package store keeps the question log: every question asked, what it
// cited, how it was judged, and the votes its answers got. It is the only
// package that speaks SQL. The log lives in SQLite (a file in the data
// directory, through a pure-Go driver so that the binary stays static) or,
// when a database URL is given, in Postgres, so that several processes
// share one log.
//
// No raw user ID is ever written: the store hashes IDs with a random salt
// kept in the database itself, so that one user is one hash across
// restarts and processes, and the salt never leaves the database.
package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Outcomes a question is logged with: the bot's three, and error for a
// question refused or failed (rate limit, empty, too long, search failure).
const (
	Answered     = "answered"
	Uncertain    = "uncertain"
	NotAddressed = "not_addressed"
	Error        = "error"
)

// connectTimeout bounds opening a Postgres connection when the URL sets
// no connect_timeout of its own.
const connectTimeout = 10 * time.Second

// Config says where the log is kept.
type Config struct {
	// DatabaseURL, when set, is a Postgres URL
	// (postgres://user:pass@host:5432/db?sslmode=…); it wins over Path.
	DatabaseURL string
	// Path is the SQLite database file, created when missing.
	Path string
	// NoText keeps no question text: questions and votes are written with
	// a keyed hash of their text only, enough to group repeats and to match
	// a vote to its question.
	NoText bool
}

// Store is an open question log. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect string // "sqlite" or "postgres"
	salt    []byte
	noText  bool
}

// Open connects to the log that cfg names, brings its schema up to date
// and loads (on first use, creates) the salt of its hashes.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	var s *Store
	var err error
	switch {
	case cfg.DatabaseURL != "":
		s, err = openPostgres(cfg.DatabaseURL)
	case cfg.Path != "":
		s, err = openSQLite(cfg.Path)
	default:
		return nil, errors.New("open question log: neither a database URL nor a file")
	}
	if err != nil {
		return nil, err
	}
	s.noText = cfg.NoText
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("open question log: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	if err := s.loadSalt(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

func openSQLite(path string) (*Store, error) {
	// WAL lets the dashboard read while an answer is written; the busy
	// timeout and IMMEDIATE transactions make writers queue instead of
	// failing with SQLITE_BUSY; foreign keys make a purge take a
	// question's citations with it.
	dsn := "file:" + uriPath.Replace(path) + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open question log %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	return &Store{db: db, dialect: "sqlite"}, nil
}

// uriPath escapes what a SQLite file: URI would read as its query,
// fragment or an escape, so that any file name opens that file.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")

func openPostgres(url string) (*Store, error) {
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password included.
		return nil, errors.New("open question log: CITEBOT_DATABASE_URL is not a valid Postgres URL")
	}
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = connectTimeout
	}
	db := stdlib.OpenDB(*cc)
	db.SetMaxOpenConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &Store{db: db, dialect: "postgres"}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// loadSalt reads the salt of the hashes, creating it on first use. Every
// process sharing the database reads the same one.
func (s *Store) loadSalt(ctx context.Context) error {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("question log salt: %w", err)
	}
	if _, err := s.db.ExecContext(ctx,
		`INSERT INTO settings (name, value) VALUES ('salt', $1) ON CONFLICT (name) DO NOTHING`,
		hex.EncodeToString(b)); err != nil {
		return fmt.Errorf("question log salt: %w", err)
	}
	var v string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = 'salt'`).Scan(&v); err != nil {
		return fmt.Errorf("question log salt: %w", err)
	}
	salt, err := hex.DecodeString(v)
	if err != nil || len(salt) < 16 {
		return errors.New("question log salt: damaged setting")
	}
	s.salt = salt
	return nil
}

// hash is a keyed hash of v in its domain (user IDs and question texts
// never share a hash): 128 bits, hex.
func (s *Store) hash(domain, v string) string {
	m := hmac.New(sha256.New, s.salt)
	m.Write([]byte(domain))
	m.Write([]byte{0})
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// UserHash is the hash under which the store keeps a user ID.
func (s *Store) UserHash(userID string) string { return s.hash("user", userID) }

// QuestionHash is the hash under which the store groups a question's
// text: case and runs of white space do not count.
func (s *Store) QuestionHash(text string) string {
	return s.hash("question", strings.ToLower(strings.Join(strings.Fields(text), " ")))
}

// text is what is written for a question's text: nothing when none is kept.
func (s *Store) text(t string) sql.NullString {
	if s.noText {
		return sql.NullString{}
	}
	return sql.NullString{String: t, Valid: true}
}

// Question is one question to log.
type Question struct {
	// Time is when it was asked.
	Time time.Time
	// Transport is where it came from: terminal, discord, web.
	Transport string
	// UserID is hashed before it is written; the raw ID is never stored.
	UserID string
	// Text is the question; not written when the store keeps no text.
	Text string
	// Outcome is Answered, Uncertain, NotAddressed or Error.
	Outcome string
	// Mode is the path that answered (llm, extractive, section, error).
	Mode string
	// Labels are the cited paragraphs, in order.
	Labels []string
	// Latency is how long the answer took.
	Latency time.Duration
	// Model is the chat model that answered, if any.
	Model string
	// Corpus is the version of the corpus that served it.
	Corpus string
	// Lang is the reply's language.
	Lang string
}

// Record writes one question and its citations, returning its ID.
func (s *Store) Record(ctx context.Context, q Question) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("record question: %w", err)
	}
	defer tx.Rollback()
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO questions
		(asked_at, transport, user_hash, question, question_hash, outcome, mode, latency_us, model, corpus_version, lang)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		millis(q.Time), q.Transport, s.UserHash(q.UserID), s.text(q.Text), s.QuestionHash(q.Text),
		q.Outcome, q.Mode, q.Latency.Microseconds(), q.Model, q.Corpus, q.Lang).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("record question: %w", err)
	}
	for i, l := range q.Labels {
		if _, err := tx.ExecContext(ctx, `INSERT INTO citations (question_id, position, label) VALUES ($1, $2, $3)`,
			id, i, l); err != nil {
			return 0, fmt.Errorf("record question: citation: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("record question: %w", err)
	}
	return id, nil
}

// Vote is a 👍/👎 on an answer.
type Vote struct {
	// Time is when the vote was cast.
	Time time.Time
	// UserID is the voter's ID, hashed before it is written.
	UserID string
	// Up is 👍; false is 👎.
	Up bool
	// Question is the question the voted answer answered.
	Question string
	// Labels are the answer's citations.
	Labels []string
	// Mode and Model say how the answer was made.
	Mode, Model string
	// AnswerID identifies the answer voted on (a Discord message ID), if
	// known: a voter's later vote on the same answer replaces the earlier.
	AnswerID string
}

// matchWindow bounds how far back a vote looks for its question: Discord
// keeps vote buttons for recent answers only.
const matchWindow = 7 * 24 * time.Hour

// RecordVote writes a vote, tied to the latest logged question with the
// same text asked before it (votes carry no question ID); matched reports
// whether one was found. A vote with an AnswerID replaces the voter's
// earlier vote on that answer.
func (s *Store) RecordVote(ctx context.Context, v Vote) (matched bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("record vote: %w", err)
	}
	defer tx.Rollback()
	if matched, err = recordVote(ctx, tx, s, v); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("record vote: %w", err)
	}
	return matched, nil
}

// execer is what recordVote needs: the database or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func recordVote(ctx context.Context, db execer, s *Store, v Vote) (bool, error) {
	labels, err := json.Marshal(nonNil(v.Labels))
	if err != nil {
		return false, fmt.Errorf("record vote: %w", err)
	}
	qh := s.QuestionHash(v.Question)
	var qid sql.NullInt64
	err = db.QueryRowContext(ctx, `SELECT id FROM questions WHERE question_hash = $1 AND asked_at <= $2 AND asked_at >= $3
		ORDER BY asked_at DESC LIMIT 1`, qh, millis(v.Time), millis(v.Time.Add(-matchWindow))).Scan(&qid)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("record vote: find its question: %w", err)
	}
	up := 0
	if v.Up {
		up = 1
	}
	voter := s.UserHash(v.UserID)
	if v.AnswerID != "" {
		if _, err := db.ExecContext(ctx, `DELETE FROM votes WHERE answer_id = $1 AND voter_hash = $2`, v.AnswerID, voter); err != nil {
			return false, fmt.Errorf("record vote: replace the earlier one: %w", err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO votes
		(voted_at, question_id, voter_hash, up, question, question_hash, labels, mode, model, answer_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		millis(v.Time), qid, voter, up, s.text(v.Question), qh, string(labels), v.Mode, v.Model, v.AnswerID); err != nil {
		return false, fmt.Errorf("record vote: %w", err)
	}
	return qid.Valid, nil
}

// Purged counts what Purge removed.
type Purged struct {
	Questions, Votes int64
}

// Purge removes the questions and votes older than before, with the
// questions' citations.
func (s *Store) Purge(ctx context.Context, before time.Time) (Purged, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Purged{}, fmt.Errorf("purge question log: %w", err)
	}
	defer tx.Rollback()
	var p Purged
	cut := millis(before)
	// Explicit rather than left to the foreign keys' actions, so that the
	// result does not hang on a connection setting.
	steps := []struct {
		query string
		n     *int64
	}{
		{`DELETE FROM votes WHERE voted_at < $1`, &p.Votes},
		{`UPDATE votes SET question_id = NULL WHERE question_id IN (SELECT id FROM questions WHERE asked_at < $1)`, nil},
		{`DELETE FROM citations WHERE question_id IN (SELECT id FROM questions WHERE asked_at < $1)`, nil},
		{`DELETE FROM questions WHERE asked_at < $1`, &p.Questions},
	}
	for _, st := range steps {
		res, err := tx.ExecContext(ctx, st.query, cut)
		if err != nil {
			return Purged{}, fmt.Errorf("purge question log: %w", err)
		}
		if st.n != nil {
			if *st.n, err = res.RowsAffected(); err != nil {
				return Purged{}, fmt.Errorf("purge question log: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return Purged{}, fmt.Errorf("purge question log: %w", err)
	}
	return p, nil
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
