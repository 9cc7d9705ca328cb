package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/embeddings"
	"github.com/citebot/citebot/retrieval"
)

// ErrRateLimited marks a question refused by the per-user rate limit.
var ErrRateLimited = errors.New("rate limited")

// extractiveRelative keeps, in an extractive answer, the passages scoring at
// least this share of the best one: quoting five passages when one answers
// buries the answer.
const extractiveRelative = 0.6

// maxExtractive bounds the passages an extractive answer quotes.
const maxExtractive = 3

// followUp matches the pronouns and demonstratives by which a question points
// back to the one before it; maxFollowUp bounds such a question's length, as
// a long question usually stands on its own.
var followUp = regexp.MustCompile(`[它其该此]|他们|那个|这个|那里|那么|^那|^(?i:and )|(?i)\b(it|its|they|them|their|this|that|there)\b`)

const maxFollowUp = 20

func (b *Bot) ask(ctx context.Context, req Request, progress func(Reply)) Reply {
	q := strings.TrimSpace(req.Text)
	if err := b.validQuestion(req.Text); err != nil {
		return failure(q, err, capitalize(err.Error())+".")
	}
	if wait, ok := b.limits.allow(req.UserID); !ok {
		return failure(q, ErrRateLimited, fmt.Sprintf("You are asking too fast: the limit is %d questions a minute. Try again in %d s.", b.cfg.RatePerMinute, int(wait.Seconds())+1))
	}
	lang := languageOf(q)
	query := b.rewrite(ctx, req.Conversation, q)
	res, err := b.cfg.Searcher.Search(ctx, query, b.cfg.K)
	if err != nil {
		b.log.Error("search failed", "err", err)
		return failure(q, err, "Search failed; please try again.")
	}
	b.history.add(req.Conversation, q)
	if res.Section != "" {
		ps := paragraphs(res.Hits)
		lead := messages[lang].section(res.Section, len(ps))
		return Reply{Question: q, Grounded: true, Mode: "section", Citations: citations(ps, res.Hits),
			Lead: lead, Answer: lead + "\n\n" + quote(ps)}
	}
	if !res.Grounded || len(res.Hits) == 0 {
		return notAddressed(q, lang, "extractive", "")
	}
	if b.cfg.Writer == nil {
		return extractive(q, lang, res.Hits, "")
	}
	return b.write(ctx, q, lang, res.Hits, progress)
}

// rewrite makes the search query: with a rewriter, follow-ups become
// standalone and foreign questions gain Chinese terms; on any failure the
// question is searched as asked.
func (b *Bot) rewrite(ctx context.Context, conversation, q string) string {
	prev := b.history.get(conversation)
	if b.cfg.Rewriter == nil {
		// Without a model, a short question that points back ("那它设在
		//哪里?") is searched together with the question it follows.
		if len(prev) > 0 && followUp.MatchString(q) && utf8.RuneCountInString(q) <= maxFollowUp {
			return prev[len(prev)-1] + " " + q
		}
		return q
	}
	if len(prev) == 0 && languageOf(q) != langEN {
		return q
	}
	if _, ok := corpus.FindRef(q); ok {
		// A question that names a section is answered by label; a rewrite
		// could only lose the reference.
		return q
	}
	out, err := b.cfg.Rewriter.Rewrite(ctx, prev, q)
	if err != nil || strings.TrimSpace(out) == "" {
		b.log.Warn("question rewrite failed; searching the question as asked", "err", err)
		return q
	}
	return out
}

// write asks the model for an answer and checks every citation in it; the
// extractive answer stands in whenever the model fails or cites nothing valid.
func (b *Bot) write(ctx context.Context, q string, lang language, hits []retrieval.Hit, progress func(Reply)) Reply {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.AnswerTimeout)
	defer cancel()
	ps := paragraphs(hits)
	var sofar strings.Builder
	onDelta := func(s string) {
		sofar.WriteString(s)
		if progress != nil {
			progress(Reply{Question: q, Grounded: true, Mode: "llm", Model: b.cfg.Writer.Model(), Answer: sofar.String()})
		}
	}
	text, grounded, err := b.cfg.Writer.Answer(ctx, q, ps, onDelta)
	if err != nil {
		b.log.Warn("model answer failed; answering with the passages", "err", err)
		return extractive(q, lang, hits, messages[lang].modelDown)
	}
	if !grounded {
		return notAddressed(q, lang, "llm", b.cfg.Writer.Model())
	}
	checked := CheckAnswer(text, ps, embeddings.Fold)
	if len(checked.Labels) == 0 {
		b.log.Warn("model answer had no valid citation; answering with the passages", "removed", checked.Removed)
		r := extractive(q, lang, hits, messages[lang].unchecked)
		r.Removed = checked.Removed
		return r
	}
	byLabel := make(map[string]retrieval.Hit, len(hits))
	for _, h := range hits {
		byLabel[h.Paragraph.Label] = h
	}
	r := Reply{Question: q, Grounded: true, Mode: "llm", Model: b.cfg.Writer.Model(), Answer: checked.Text, Removed: checked.Removed}
	for _, l := range checked.Labels {
		h := byLabel[l]
		r.Citations = append(r.Citations, Citation{Label: l, Section: h.Paragraph.Section, Text: h.Paragraph.Text, Score: h.Score})
	}
	return r
}

// notAddressed tells the asker plainly that the document does not answer;
// it cites nothing (an empty list, not a missing one, for JSON readers).
func notAddressed(q string, lang language, mode, model string) Reply {
	return Reply{Question: q, Grounded: false, Mode: mode, Model: model, Answer: messages[lang].notFound, Citations: []Citation{}}
}

// extractive answers with the best passages themselves.
func extractive(q string, lang language, hits []retrieval.Hit, notice string) Reply {
	keep := []retrieval.Hit{hits[0]}
	for _, h := range hits[1:] {
		if len(keep) == maxExtractive || h.Score < extractiveRelative*hits[0].Score {
			break
		}
		keep = append(keep, h)
	}
	ps := paragraphs(keep)
	labels := make([]string, len(ps))
	for i, p := range ps {
		labels[i] = p.Label
	}
	lead := messages[lang].lead(labels)
	return Reply{Question: q, Grounded: true, Mode: "extractive", Notice: notice, Citations: citations(ps, keep),
		Lead: lead, Answer: lead + "\n\n" + quote(ps)}
}

func paragraphs(hits []retrieval.Hit) []corpus.Paragraph {
	ps := make([]corpus.Paragraph, len(hits))
	for i, h := range hits {
		ps[i] = h.Paragraph
	}
	return ps
}

func citations(ps []corpus.Paragraph, hits []retrieval.Hit) []Citation {
	out := make([]Citation, len(ps))
	for i, p := range ps {
		out[i] = Citation{Label: p.Label, Section: p.Section, Text: p.Text}
		if i < len(hits) {
			out[i].Score = hits[i].Score
		}
	}
	return out
}

// quote renders passages as cited quotations, one block each.
func quote(ps []corpus.Paragraph) string {
	var sb strings.Builder
	for i, p := range ps {
		if i > 0 {
			sb.WriteString("\n\n")
		}
		fmt.Fprintf(&sb, "[%s] %s\n> %s", p.Label, p.Section, p.Text)
	}
	return sb.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// Search runs the bot's retrieval path for a standalone question: the
// rewrite (when a model is configured) and the search, without composing an
// answer. `citebot eval` measures this path.
func (b *Bot) Search(ctx context.Context, question string, k int) (retrieval.Result, error) {
	return b.cfg.Searcher.Search(ctx, b.rewrite(ctx, "", question), k)
}
