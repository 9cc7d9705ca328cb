package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/internal/atomicfile"
	"github.com/citebot/citebot/retrieval"
)

// ErrForbidden marks a reload asked for by someone who is not an admin.
var ErrForbidden = errors.New("not allowed")

// UploadName is the file in the data directory that keeps the last corpus an
// admin uploaded, so that it survives a restart.
const UploadName = "uploaded-corpus.txt"

// admin reports whether the requester may reload: the rule is checked here on
// every call, whatever the transport's own command permissions say.
func (b *Bot) admin(req Request) bool {
	if req.Perms.Administrator || req.Perms.ManageServer {
		return true
	}
	if req.UserID != "" && slices.Contains(b.cfg.AdminUserIDs, req.UserID) {
		return true
	}
	for _, r := range req.RoleIDs {
		if slices.Contains(b.cfg.AdminRoleIDs, r) {
			return true
		}
	}
	return false
}

func (b *Bot) reloadRequest(ctx context.Context, req Request) Reply {
	if !b.admin(req) {
		b.log.Warn("reload refused", "user", req.UserID)
		return failure("", ErrForbidden, "Only server admins can reload the corpus.")
	}
	var (
		diff retrieval.Diff
		err  error
	)
	if req.Attachment != nil {
		diff, err = b.reloadUpload(ctx, *req.Attachment)
	} else {
		diff, err = b.Reload(ctx)
	}
	if err != nil {
		b.log.Error("reload failed", "err", err)
		return failure("", err, "Reload failed, the old corpus keeps serving: "+err.Error())
	}
	b.log.Info("corpus reloaded", "user", req.UserID, "paragraphs", diff.Paragraphs, "added", diff.Added,
		"removed", diff.Removed, "changed", diff.Changed, "took", diff.Took)
	return Reply{Mode: "reload", Grounded: true, Answer: fmt.Sprintf(
		"Reloaded: %d paragraphs (%d added, %d removed, %d changed) in %s.",
		diff.Paragraphs, diff.Added, diff.Removed, diff.Changed, diff.Took.Round(time.Millisecond))}
}

// Reload reloads the configured corpus (the embedded default when none is
// configured) and forgets any uploaded one. The operator's SIGHUP lands here.
func (b *Bot) Reload(ctx context.Context) (retrieval.Diff, error) {
	doc := corpus.Default()
	if b.cfg.CorpusPath != "" {
		var err error
		if doc, err = corpus.Load(b.cfg.CorpusPath); err != nil {
			return retrieval.Diff{}, err
		}
	}
	diff, err := b.cfg.Searcher.Reload(ctx, doc)
	if err != nil {
		return diff, err
	}
	if b.cfg.DataDir != "" {
		if err := os.Remove(filepath.Join(b.cfg.DataDir, UploadName)); err != nil && !errors.Is(err, os.ErrNotExist) {
			b.log.Warn("could not remove the uploaded corpus", "err", err)
		}
	}
	return diff, nil
}

func (b *Bot) reloadUpload(ctx context.Context, a Attachment) (retrieval.Diff, error) {
	ext := strings.ToLower(filepath.Ext(a.Name))
	if ext != ".txt" && ext != ".md" {
		return retrieval.Diff{}, fmt.Errorf("attachment %q: only .txt and .md files can be loaded", a.Name)
	}
	if len(a.Data) > b.cfg.MaxUploadBytes {
		return retrieval.Diff{}, fmt.Errorf("attachment %q: %d bytes is over the %d byte limit", a.Name, len(a.Data), b.cfg.MaxUploadBytes)
	}
	doc, err := corpus.Parse(a.Name, a.Data)
	if err != nil {
		return retrieval.Diff{}, err
	}
	diff, err := b.cfg.Searcher.Reload(ctx, doc)
	if err != nil {
		return diff, err
	}
	if b.cfg.DataDir != "" {
		if err := saveUpload(b.cfg.DataDir, a.Data); err != nil {
			// The new corpus serves; only its survival across a restart failed.
			b.log.Error("could not save the uploaded corpus", "err", err)
		}
	}
	return diff, nil
}

// RecordVote appends a vote to the feedback log in the data directory.
func (b *Bot) RecordVote(ctx context.Context, v Vote) error {
	if b.cfg.DataDir == "" {
		return nil
	}
	line, err := json.Marshal(struct {
		Time time.Time `json:"time"`
		Vote
	}{b.cfg.Now().UTC(), v})
	if err != nil {
		return fmt.Errorf("record vote: %w", err)
	}
	b.feedback.Lock()
	defer b.feedback.Unlock()
	path := filepath.Join(b.cfg.DataDir, "feedback.jsonl")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("record vote: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("record vote %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("record vote %s: %w", path, err)
	}
	return nil
}

// saveUpload keeps an uploaded corpus in the data directory, atomically, so
// a crash never leaves half a document to load at the next start.
func saveUpload(dir string, data []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, UploadName), data)
}
