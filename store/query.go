package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Logged is a question as the log keeps it.
type Logged struct {
	ID        int64
	Time      time.Time
	Transport string
	// UserHash is the salted hash of the asker's ID.
	UserHash string
	// Text is the question, "" when the log keeps no text.
	Text string
	// Hash is the keyed hash of the text, the same for repeats of it.
	Hash    string
	Outcome string
	Mode    string
	Labels  []string
	Latency time.Duration
	Model   string
	Corpus  string
	Lang    string
	// Up and Down count the votes the answer got.
	Up, Down int
}

// Filter selects logged questions.
type Filter struct {
	// Since is the earliest time included.
	Since time.Time
	// Outcomes, when set, keeps only these outcomes.
	Outcomes []string
	// Limit bounds the rows, newest first (default 1000).
	Limit int
}

// Questions returns the logged questions f selects, newest first, with
// their citations and votes.
func (s *Store) Questions(ctx context.Context, f Filter) ([]Logged, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	where := `q.asked_at >= $1`
	args := []any{millis(f.Since)}
	if len(f.Outcomes) > 0 {
		ph := make([]string, len(f.Outcomes))
		for i, o := range f.Outcomes {
			args = append(args, o)
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		where += ` AND q.outcome IN (` + strings.Join(ph, ", ") + `)`
	}
	args = append(args, f.Limit)
	rows, err := s.db.QueryContext(ctx, `SELECT q.id, q.asked_at, q.transport, q.user_hash, q.question, q.question_hash,
			q.outcome, q.mode, q.latency_us, q.model, q.corpus_version, q.lang,
			(SELECT COUNT(*) FROM votes v WHERE v.question_id = q.id AND v.up = 1),
			(SELECT COUNT(*) FROM votes v WHERE v.question_id = q.id AND v.up = 0)
		FROM questions q WHERE `+where+` ORDER BY q.asked_at DESC, q.id DESC LIMIT $`+fmt.Sprint(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("read questions: %w", err)
	}
	defer rows.Close()
	var out []Logged
	byID := map[int64]int{}
	for rows.Next() {
		var l Logged
		var at, us int64
		var text sql.NullString
		if err := rows.Scan(&l.ID, &at, &l.Transport, &l.UserHash, &text, &l.Hash, &l.Outcome, &l.Mode,
			&us, &l.Model, &l.Corpus, &l.Lang, &l.Up, &l.Down); err != nil {
			return nil, fmt.Errorf("read questions: %w", err)
		}
		l.Time, l.Text, l.Latency = fromMillis(at), text.String, time.Duration(us)*time.Microsecond
		byID[l.ID] = len(out)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read questions: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	if err := s.citationsOf(ctx, out, byID); err != nil {
		return nil, err
	}
	return out, nil
}

// citationBatch bounds the IDs of one citation query, well inside both
// dialects' limits on bound parameters.
const citationBatch = 500

// citationsOf fills in the labels of the questions read.
func (s *Store) citationsOf(ctx context.Context, qs []Logged, byID map[int64]int) error {
	for start := 0; start < len(qs); start += citationBatch {
		batch := qs[start:min(start+citationBatch, len(qs))]
		ph := make([]string, len(batch))
		args := make([]any, len(batch))
		for i, q := range batch {
			ph[i], args[i] = fmt.Sprintf("$%d", i+1), q.ID
		}
		rows, err := s.db.QueryContext(ctx, `SELECT question_id, label FROM citations
			WHERE question_id IN (`+strings.Join(ph, ", ")+`) ORDER BY question_id, position`, args...)
		if err != nil {
			return fmt.Errorf("read citations: %w", err)
		}
		for rows.Next() {
			var id int64
			var label string
			if err := rows.Scan(&id, &label); err != nil {
				rows.Close()
				return fmt.Errorf("read citations: %w", err)
			}
			if i, ok := byID[id]; ok {
				qs[i].Labels = append(qs[i].Labels, label)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("read citations: %w", err)
		}
	}
	return nil
}

// DayCount is how many questions of one outcome were asked on one day (UTC).
type DayCount struct {
	Day     time.Time
	Outcome string
	Count   int
}

const dayMillis = 24 * 60 * 60 * 1000

// Daily counts the questions asked since since, by day (UTC) and outcome,
// oldest first.
func (s *Store) Daily(ctx context.Context, since time.Time) ([]DayCount, error) {
	// Integer division by the milliseconds of a day, written out: both
	// dialects then group the same expression the same way.
	rows, err := s.db.QueryContext(ctx, `SELECT asked_at / 86400000, outcome, COUNT(*) FROM questions
		WHERE asked_at >= $1 GROUP BY asked_at / 86400000, outcome ORDER BY 1, 2`, millis(since))
	if err != nil {
		return nil, fmt.Errorf("count questions by day: %w", err)
	}
	defer rows.Close()
	var out []DayCount
	for rows.Next() {
		var day int64
		var c DayCount
		if err := rows.Scan(&day, &c.Outcome, &c.Count); err != nil {
			return nil, fmt.Errorf("count questions by day: %w", err)
		}
		c.Day = fromMillis(day * dayMillis)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count questions by day: %w", err)
	}
	return out, nil
}

// LabelCount is how often a paragraph was cited.
type LabelCount struct {
	Label string
	// Answered counts citations in answers, Uncertain those among the
	// closest passages of an uncertain reply.
	Answered, Uncertain int
}

// Cited counts the citations of every paragraph cited since since.
func (s *Store) Cited(ctx context.Context, since time.Time) ([]LabelCount, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT c.label,
			SUM(CASE WHEN q.outcome = 'answered' THEN 1 ELSE 0 END),
			SUM(CASE WHEN q.outcome = 'uncertain' THEN 1 ELSE 0 END)
		FROM citations c JOIN questions q ON q.id = c.question_id
		WHERE q.asked_at >= $1 GROUP BY c.label ORDER BY c.label`, millis(since))
	if err != nil {
		return nil, fmt.Errorf("count citations: %w", err)
	}
	defer rows.Close()
	var out []LabelCount
	for rows.Next() {
		var c LabelCount
		if err := rows.Scan(&c.Label, &c.Answered, &c.Uncertain); err != nil {
			return nil, fmt.Errorf("count citations: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count citations: %w", err)
	}
	return out, nil
}

// VoteRecord is a vote as the log keeps it.
type VoteRecord struct {
	Time      time.Time
	VoterHash string
	Up        bool
	// Question is the voted answer's question, "" when no text is kept.
	Question string
	// Hash is the keyed hash of the question's text.
	Hash   string
	Labels []string
	Mode   string
	Model  string
	// QuestionID is the logged question the vote was tied to, 0 if none
	// (imported votes, or a question past retention).
	QuestionID int64
	// Outcome is that question's outcome, "" if none.
	Outcome string
}

// Votes returns the votes cast since since, newest first; down keeps only
// 👎. limit bounds the rows (default 1000).
func (s *Store) Votes(ctx context.Context, since time.Time, down bool, limit int) ([]VoteRecord, error) {
	if limit <= 0 {
		limit = 1000
	}
	cond := ``
	if down {
		cond = ` AND v.up = 0`
	}
	rows, err := s.db.QueryContext(ctx, `SELECT v.voted_at, v.voter_hash, v.up, v.question, v.question_hash, v.labels,
			v.mode, v.model, v.question_id, q.outcome
		FROM votes v LEFT JOIN questions q ON q.id = v.question_id
		WHERE v.voted_at >= $1`+cond+` ORDER BY v.voted_at DESC, v.id DESC LIMIT $2`, millis(since), limit)
	if err != nil {
		return nil, fmt.Errorf("read votes: %w", err)
	}
	defer rows.Close()
	var out []VoteRecord
	for rows.Next() {
		var v VoteRecord
		var at int64
		var up int
		var text, outcome sql.NullString
		var qid sql.NullInt64
		var labels string
		if err := rows.Scan(&at, &v.VoterHash, &up, &text, &v.Hash, &labels, &v.Mode, &v.Model, &qid, &outcome); err != nil {
			return nil, fmt.Errorf("read votes: %w", err)
		}
		if err := json.Unmarshal([]byte(labels), &v.Labels); err != nil {
			return nil, fmt.Errorf("read votes: labels: %w", err)
		}
		v.Time, v.Up, v.Question, v.QuestionID, v.Outcome = fromMillis(at), up == 1, text.String, qid.Int64, outcome.String
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read votes: %w", err)
	}
	return out, nil
}
