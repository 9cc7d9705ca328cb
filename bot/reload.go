package bot

import (
	"bytes"
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
	"github.com/citebot/citebot/internal/docversion"
	"github.com/citebot/citebot/internal/upload"
	"github.com/citebot/citebot/retrieval"
)

// ErrForbidden marks a reload asked for by someone who is not an admin.
var ErrForbidden = errors.New("not allowed")

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

func (b *Bot) reloadRequest(ctx context.Context, req Request, lang Lang) Reply {
	if !b.admin(req) {
		b.log.Warn("reload refused", "user", req.UserID)
		return failure("", ErrForbidden, Say(lang, MsgForbidden))
	}
	var (
		res Reloaded
		err error
	)
	if len(req.Attachments) > 0 {
		res, err = b.reloadUpload(ctx, req.Attachments, lang)
	} else {
		res, err = b.Reload(ctx)
	}
	switch {
	case errors.Is(err, retrieval.ErrReloadInProgress):
		return failure("", err, Say(lang, MsgReloadBusy))
	case err != nil:
		b.log.Error("reload failed", "err", err)
		return failure("", err, Say(lang, MsgReloadFailed, userError(err, lang)))
	}
	d := res.Diff
	b.log.Info("corpus reloaded", "user", req.UserID, "paragraphs", d.Paragraphs, "added", d.Added,
		"removed", d.Removed, "changed", d.Changed, "dropped", len(res.Dropped), "took", d.Took)
	text := Say(lang, MsgReloaded, d.Paragraphs, d.Added, d.Removed, d.Changed, d.Took.Round(time.Millisecond))
	if len(res.Dropped) > 0 {
		text += "\n" + Say(lang, MsgDropped, len(res.Dropped), truncateRunes(res.Dropped[0], 80))
	}
	return Reply{Mode: ModeReload, Grounded: true, Answer: text, Lang: lang}
}

// userError is an error's message for a user, in the user's language:
// the reason, from the table of messages, never the error's own text with
// the package prefixes and paths that only an operator needs (the log has
// those).
func userError(err error, lang Lang) string {
	for _, r := range []struct {
		err  error
		msg  Msg
		args []any
	}{
		{corpus.ErrEmpty, MsgDocEmpty, nil},
		{corpus.ErrBinary, MsgDocBinary, nil},
		{corpus.ErrInvalidUTF8, MsgDocNotUTF8, nil},
		{corpus.ErrTooLarge, MsgDocTooLarge, []any{corpus.MaxBytes}},
		{corpus.ErrNoParagraphs, MsgDocNoParagraphs, nil},
		{corpus.ErrNoFiles, MsgDocNoFiles, nil},
	} {
		if errors.Is(err, r.err) {
			return Say(lang, r.msg, r.args...)
		}
	}
	var bad *badAttachment
	if errors.As(err, &bad) {
		return bad.msg
	}
	var large *retrieval.TooLargeError
	if errors.As(err, &large) {
		return Say(lang, MsgTooManyParagraphs, large.Paragraphs, large.Limit)
	}
	return Say(lang, MsgDocUnreadable)
}

// Reloaded says what a reload did.
type Reloaded struct {
	retrieval.Diff
	// Dropped are the lines removed from the new documents as web-page
	// boilerplate.
	Dropped []string
}

// Reload reloads the configured corpus (the embedded default when none is
// configured) and forgets any uploaded one. The operator's SIGHUP lands here.
func (b *Bot) Reload(ctx context.Context) (Reloaded, error) {
	doc, err := corpus.Configured(b.cfg.CorpusPaths...)
	if err != nil {
		return Reloaded{}, err
	}
	diff, err := b.cfg.Searcher.Reload(ctx, doc)
	if err != nil {
		return Reloaded{}, err
	}
	b.rewrites.Clear()
	if b.cfg.DataDir != "" {
		if err := upload.Remove(b.cfg.DataDir); err != nil {
			b.log.Warn("could not remove the uploaded corpus", "err", err)
		}
	}
	return Reloaded{Diff: diff, Dropped: doc.Dropped}, nil
}

// Sync brings the served corpus in line with the data directory when
// several processes share it (the shards of one bot): the corpus uploaded
// there, else the configured one. A /reload or SIGHUP reaches only the
// process that received it; the others catch up here. It reads the data
// directory only when the upload there changed since the last Sync, and
// reports whether it reloaded.
func (b *Bot) Sync(ctx context.Context) (bool, error) {
	if b.cfg.DataDir == "" {
		return false, nil
	}
	b.sync.Lock()
	defer b.sync.Unlock()
	stamp := upload.StampOf(b.cfg.DataDir)
	if b.sync.done && stamp == b.sync.stamp {
		return false, nil
	}
	// Whatever the outcome but a busy index, this upload has been seen:
	// a damaged one is not read again until it changes.
	seen := func() { b.sync.done, b.sync.stamp = true, stamp }
	files, ok, err := upload.Load(b.cfg.DataDir)
	var doc *corpus.Document
	if err == nil {
		if ok {
			doc, err = corpus.ParseFiles(files)
		} else {
			doc, err = corpus.Configured(b.cfg.CorpusPaths...)
		}
	}
	if err != nil {
		seen()
		return false, fmt.Errorf("sync with %s: %w", b.cfg.DataDir, err)
	}
	if docversion.Of(doc) == docversion.Of(b.cfg.Searcher.Document()) {
		seen()
		return false, nil
	}
	if _, err := b.cfg.Searcher.Reload(ctx, doc); err != nil {
		return false, fmt.Errorf("sync with %s: %w", b.cfg.DataDir, err)
	}
	b.rewrites.Clear()
	seen()
	return true, nil
}

// badAttachment is an attachment refused before parsing, with the reason
// in the requester's language.
type badAttachment struct{ msg string }

func (e *badAttachment) Error() string { return e.msg }

func (b *Bot) reloadUpload(ctx context.Context, as []Attachment, lang Lang) (Reloaded, error) {
	files := make([]corpus.File, len(as))
	total := 0
	for i, a := range as {
		ext := strings.ToLower(filepath.Ext(a.Name))
		if ext != ".txt" && ext != ".md" {
			return Reloaded{}, &badAttachment{Say(lang, MsgBadAttachment, a.Name)}
		}
		if total += len(a.Data); total > b.cfg.MaxUploadBytes {
			return Reloaded{}, &badAttachment{Say(lang, MsgAttachmentSize, a.Name, total, b.cfg.MaxUploadBytes)}
		}
		files[i] = corpus.File{Name: a.Name, Data: a.Data}
	}
	doc, err := corpus.ParseFiles(files)
	if err != nil {
		return Reloaded{}, err
	}
	diff, err := b.cfg.Searcher.Reload(ctx, doc)
	if err != nil {
		return Reloaded{}, err
	}
	b.rewrites.Clear()
	if b.cfg.DataDir != "" {
		if err := upload.Save(b.cfg.DataDir, files); err != nil {
			// The new corpus serves; only its survival across a restart failed.
			b.log.Error("could not save the uploaded corpus", "err", err)
		}
	}
	return Reloaded{Diff: diff, Dropped: doc.Dropped}, nil
}

// RecordVote keeps a vote in the question log, else appends it to the
// feedback log in the data directory.
func (b *Bot) RecordVote(ctx context.Context, v Vote) error {
	if b.cfg.Log != nil {
		return b.cfg.Log.Voted(ctx, v)
	}
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
	key := v.UserID + "\x00" + v.AnswerID
	if _, again := b.voted.Get(key); again && v.AnswerID != "" {
		if err := replaceVote(path, v, line); err != nil {
			return fmt.Errorf("record vote %s: %w", path, err)
		}
		return nil
	}
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
	b.voted.Put(key, struct{}{})
	return nil
}

// maxVoters bounds the votes remembered for replacing: as many as the
// answers the Discord adapter still accepts votes on, a few times over.
const maxVoters = 20_000

// replaceVote rewrites the feedback log with the user's earlier vote on
// the same answer replaced by line, which goes last. A first vote is only
// appended; this runs when someone votes again.
func replaceVote(path string, v Vote, line []byte) error {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var out []byte
	for l := range bytes.Lines(data) {
		var old struct {
			UserID   string `json:"user_id"`
			AnswerID string `json:"answer_id"`
		}
		if json.Unmarshal(l, &old) == nil && old.UserID == v.UserID && old.AnswerID == v.AnswerID {
			continue
		}
		out = append(out, l...)
		if !bytes.HasSuffix(l, []byte("\n")) {
			out = append(out, '\n')
		}
	}
	return atomicfile.Write(path, append(append(out, line...), '\n'))
}
