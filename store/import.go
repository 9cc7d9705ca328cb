package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Imported says what ImportFeedback did.
type Imported struct {
	// Votes is how many votes were imported.
	Votes int
	// Skipped counts the lines that were not a vote (damaged, empty).
	Skipped int
	// Already is true when this file's content had been imported before.
	Already bool
	// MovedTo is where the file was moved after the import ("" if it was
	// not moved).
	MovedTo string
}

// ImportedSuffix is added to feedback.jsonl's name once it is imported.
const ImportedSuffix = ".imported"

// maxFeedbackLine bounds one line of feedback.jsonl; a vote is a few
// hundred bytes.
const maxFeedbackLine = 1 << 20

// ImportFeedback moves the votes of an earlier citebot's feedback.jsonl
// into the log, once: the file's digest is recorded with its votes in one
// transaction, and the file is then renamed with ImportedSuffix, so that
// neither a second start nor a second process imports it again. A missing
// file is no error.
func (s *Store) ImportFeedback(ctx context.Context, path string) (Imported, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Imported{}, nil
	}
	if err != nil {
		return Imported{}, fmt.Errorf("import feedback: %w", err)
	}
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Imported{}, fmt.Errorf("import feedback: %w", err)
	}
	defer tx.Rollback()
	var res Imported
	var seen int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM imports WHERE sha256 = $1`, digest).Scan(&seen)
	switch {
	case err == nil:
		res.Already = true
	case !errors.Is(err, sql.ErrNoRows):
		return Imported{}, fmt.Errorf("import feedback: %w", err)
	default:
		if res, err = s.importVotes(ctx, tx, data); err != nil {
			return Imported{}, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO imports (sha256, name, imported_at, records) VALUES ($1, $2, $3, $4)`,
			digest, filepath.Base(path), millis(time.Now()), res.Votes); err != nil {
			return Imported{}, fmt.Errorf("import feedback: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return Imported{}, fmt.Errorf("import feedback: %w", err)
		}
	}
	moved := path + ImportedSuffix
	if err := os.Rename(path, moved); err != nil {
		// The digest keeps it from being imported twice; only the tidying failed.
		return res, fmt.Errorf("import feedback: imported, but could not rename the file: %w", err)
	}
	res.MovedTo = moved
	return res, nil
}

// oldVote is a line of feedback.jsonl as bot.RecordVote wrote it.
type oldVote struct {
	Time     time.Time `json:"time"`
	UserID   string    `json:"user_id"`
	Up       bool      `json:"up"`
	Question string    `json:"question"`
	Labels   []string  `json:"labels"`
	Mode     string    `json:"mode"`
	Model    string    `json:"model"`
	AnswerID string    `json:"answer_id"`
}

func (s *Store) importVotes(ctx context.Context, tx *sql.Tx, data []byte) (Imported, error) {
	var res Imported
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxFeedbackLine)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		var v oldVote
		if len(line) == 0 || json.Unmarshal(line, &v) != nil || v.Time.IsZero() {
			res.Skipped++
			continue
		}
		if _, err := recordVote(ctx, tx, s, Vote{Time: v.Time, UserID: v.UserID, Up: v.Up, Question: v.Question,
			Labels: v.Labels, Mode: v.Mode, Model: v.Model, AnswerID: v.AnswerID}); err != nil {
			return Imported{}, fmt.Errorf("import feedback: %w", err)
		}
		res.Votes++
	}
	if err := sc.Err(); err != nil {
		return Imported{}, fmt.Errorf("import feedback: %w", err)
	}
	return res, nil
}
