package bot

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/internal/docversion"
	"github.com/citebot/citebot/internal/lazyre"
	"github.com/citebot/citebot/llm"
	"github.com/citebot/citebot/retrieval"
)

// ErrRateLimited marks a question refused by the per-user rate limit.
var ErrRateLimited = errors.New("rate limited")

// extractiveRelative keeps, in an extractive answer, the passages scoring at
// least this share of the best one: quoting five passages when one answers
// buries the answer.
const extractiveRelative = 0.6

// maxExtractive bounds the passages an extractive or uncertain reply quotes.
const maxExtractive = 3

// followUp matches the pronouns and demonstratives by which a question points
// back to the one before it; maxFollowUp bounds such a question's length, as
// a long question usually stands on its own.
var followUp = lazyre.New(`[它其该此]|他们|那个|这个|那里|那么|^那|^(?i:and )|(?i)\b(it|its|they|them|their|this|that|there)\b`)

const maxFollowUp = 20

func (b *Bot) ask(ctx context.Context, req Request, progress func(Reply)) Reply {
	q := strings.TrimSpace(req.Text)
	doc := b.cfg.Searcher.Document()
	lang := b.language(req)
	if m, args := b.invalid(req.Text); m != nil {
		return failure(q, errors.New(Say(English, *m, args...)), Say(lang, *m, args...))
	}
	if wait, ok := b.limits.allow(req.UserID); !ok {
		return failure(q, ErrRateLimited, Say(lang, MsgRateLimited, b.cfg.RatePerMinute, int(wait.Seconds())+1))
	}
	prev := b.history.get(req.Conversation)
	if len(prev) == 0 && req.Conversation != "" && len(req.Previous) > 0 {
		// The transport remembers more of the conversation than the bot
		// (a forum post answered before a restart).
		for _, p := range req.Previous[max(len(req.Previous)-b.history.turns, 0):] {
			if p = strings.TrimSpace(p); p != "" && utf8.ValidString(p) {
				b.history.add(req.Conversation, truncateRunes(p, b.cfg.MaxQuestionRunes))
			}
		}
		prev = b.history.get(req.Conversation)
	}
	b.history.add(req.Conversation, q)
	t := turn{q: q, prev: prev, lang: lang, doc: doc, title: b.title(doc), titled: b.cfg.Title != "",
		trace: &Trace{Version: docversion.Of(doc), Paragraphs: len(doc.Paragraphs)}}
	var r Reply
	if b.cfg.Writer == nil {
		r = b.offline(ctx, t)
	} else {
		r = b.withModel(ctx, t, progress)
	}
	if r.Err == nil && len(t.trace.Queries) > 0 {
		t.trace.Model = r.Model
		r.Trace = t.trace
	}
	return r
}

// turn is one question being answered.
type turn struct {
	q     string
	prev  []string // the conversation's earlier questions, oldest first
	lang  Lang
	doc   *corpus.Document
	title string // the document's title as replies give it
	// titled is set when the title is configured: it names the corpus
	// whatever documents it holds.
	titled bool
	// trace collects how the answer is found, as the searches run.
	trace *Trace
}

// maxTraceHits is how many passages a trace keeps.
const maxTraceHits = 5

// searched notes a search in the trace: the text as the index searched it
// (folded, with any translations), and the results when they are the
// ones the answer is drawn from.
func (t turn) searched(query string, res retrieval.Result, ranked bool) {
	if res.Query != "" {
		query = res.Query
	}
	t.trace.Queries = append(t.trace.Queries, query)
	if ranked {
		t.ranked(res.Hits)
	}
}

// ranked notes the passages the answer is drawn from, best first.
func (t turn) ranked(hits []retrieval.Hit) {
	t.trace.Hits = t.trace.Hits[:0]
	for _, h := range hits[:min(maxTraceHits, len(hits))] {
		t.trace.Hits = append(t.trace.Hits, TraceHit{Label: h.Paragraph.Label, Section: h.Paragraph.Section, Score: h.Score})
	}
}

// offline answers without a model: the search's own judgement decides
// between an answer, the closest passages, and "not addressed".
func (b *Bot) offline(ctx context.Context, t turn) Reply {
	query := t.q
	// A short question that points back ("那它设在哪里?") is searched
	// together with the question it follows.
	if len(t.prev) > 0 && followUp.MatchString(t.q) && utf8.RuneCountInString(t.q) <= maxFollowUp {
		query = t.prev[len(t.prev)-1] + " " + t.q
	}
	res, err := b.cfg.Searcher.Search(ctx, query, b.cfg.K)
	if err != nil {
		b.log.Error("search failed", "err", err)
		return failure(t.q, err, Say(t.lang, MsgSearchFailed))
	}
	t.searched(query, res, true)
	b.log.Debug("searched", "outcome", res.Outcome, "evidence", res.Evidence)
	return b.judged(t, res, "")
}

// judged replies with what a search found, as its judgement says.
func (b *Bot) judged(t turn, res retrieval.Result, notice string) Reply {
	switch {
	case res.Section != "":
		return sectionReply(t, res)
	case res.Outcome == retrieval.NotAddressed || len(res.Hits) == 0:
		return notAddressed(t, ModeExtractive, "", res.Hits)
	case res.Outcome == retrieval.Uncertain:
		r := uncertain(t, res.Hits)
		r.Notice = notice
		return r
	}
	r := extractive(t, res.Hits)
	r.Notice = notice
	return r
}

func sectionReply(t turn, res retrieval.Result) Reply {
	ps := paragraphs(res.Hits)
	lead := Say(t.lang, MsgSection, analysis.Script(res.Section, t.lang), len(ps))
	r := Reply{Question: t.q, Grounded: true, Outcome: Answered, Mode: ModeSection,
		Citations: citations(t.doc, ps, res.Hits), Lead: lead, Answer: lead + "\n\n" + quote(ps), Lang: t.lang}
	return r
}

// notAddressed tells the asker plainly that the document does not answer;
// it cites nothing (an empty list, not a missing one, for JSON readers).
// The sections of the nearest passages are named for transports that
// suggest what to read instead.
func notAddressed(t turn, mode Mode, model string, near []retrieval.Hit) Reply {
	return Reply{Question: t.q, Grounded: false, Outcome: NotAddressed, Mode: mode, Model: model,
		Answer: Say(t.lang, MsgNotAddressed, TitleIn(t.title, t.lang)), Citations: []Citation{}, Lang: t.lang,
		Closest: closestSections(near, t.lang)}
}

// maxClosest is how many sections a not-addressed reply suggests.
const maxClosest = 3

// closestSections names the distinct sections of the best hits, best
// first, with their titles in the reply's script.
func closestSections(hits []retrieval.Hit, lang Lang) []SectionRef {
	var out []SectionRef
	seen := map[string]bool{}
	for _, h := range hits {
		p := h.Paragraph
		if len(out) == maxClosest {
			break
		}
		if p.Key == "" || seen[p.Key] {
			continue // text before any heading has no key /cite takes
		}
		seen[p.Key] = true
		t := p.Section
		if lang.Chinese() {
			t = analysis.Script(t, lang)
		}
		out = append(out, SectionRef{Key: p.Key, Title: t})
	}
	return out
}

// uncertain shows the closest passages, saying that they may not answer.
func uncertain(t turn, hits []retrieval.Hit) Reply {
	keep := hits[:min(maxExtractive, len(hits))]
	ps := paragraphs(keep)
	lead := Say(t.lang, MsgUncertain, TitleIn(t.whose(ps), t.lang))
	return Reply{Question: t.q, Grounded: true, Uncertain: true, Outcome: Uncertain, Mode: ModeExtractive,
		Citations: citations(t.doc, ps, keep), Lead: lead, Answer: lead + "\n\n" + quote(ps), Lang: t.lang}
}

// extractive answers with the best passages themselves.
func extractive(t turn, hits []retrieval.Hit) Reply {
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
	m := MsgLead
	if docLanguage(t.doc).Chinese() != t.lang.Chinese() {
		m = MsgLeadOriginal
	}
	lead := Say(t.lang, m, TitleIn(t.whose(ps), t.lang), list(t.lang, labels))
	return Reply{Question: t.q, Grounded: true, Outcome: Answered, Mode: ModeExtractive,
		Citations: citations(t.doc, ps, keep), Lead: lead, Answer: lead + "\n\n" + quote(ps), Lang: t.lang}
}

// whose is the title a reply quoting ps gives: in a corpus of several
// documents, the one they all come from ("Apache License 2.0 addresses
// this", not every loaded title joined); else the corpus's title.
func (t turn) whose(ps []corpus.Paragraph) string {
	if t.titled || len(t.doc.Parts) == 0 || len(ps) == 0 {
		return t.title
	}
	title := partTitle(t.doc, ps[0])
	for _, p := range ps[1:] {
		if partTitle(t.doc, p) != title {
			return t.title
		}
	}
	if title == "" {
		return t.title
	}
	return title
}

func paragraphs(hits []retrieval.Hit) []corpus.Paragraph {
	ps := make([]corpus.Paragraph, len(hits))
	for i, h := range hits {
		ps[i] = h.Paragraph
	}
	return ps
}

// citations lists the passages an answer cites, naming the document each
// comes from when the corpus holds several.
func citations(doc *corpus.Document, ps []corpus.Paragraph, hits []retrieval.Hit) []Citation {
	out := make([]Citation, len(ps))
	for i, p := range ps {
		out[i] = Citation{Label: p.Label, Section: p.Section, Text: p.Text, Document: partTitle(doc, p)}
		if i < len(hits) {
			out[i].Score = hits[i].Score
		}
	}
	return out
}

// partTitle is the title of the document a paragraph of a merged corpus
// comes from, "" in a single document.
func partTitle(doc *corpus.Document, p corpus.Paragraph) string {
	if p.Doc == "" {
		return ""
	}
	for _, part := range doc.Parts {
		if part.Prefix == p.Doc {
			return part.Title
		}
	}
	return p.Doc
}

// quote renders passages as cited quotations, one block each.
func quote(ps []corpus.Paragraph) string {
	var sb strings.Builder
	for i, p := range ps {
		if i > 0 {
			sb.WriteString("\n\n")
		}
		sb.WriteString("[" + p.Label + "] " + p.Section + "\n> " + strings.ReplaceAll(p.Text, "\n", "\n> "))
	}
	return sb.String()
}

// withModel answers with the model, which decides whether the document
// answers: nothing offline refuses a question before it has read it. When
// the whole document fits the context budget the model reads all of it;
// otherwise it rewrites the question into the document's words and reads
// the passages the fused searches of its queries find.
func (b *Bot) withModel(ctx context.Context, t turn, progress func(Reply)) Reply {
	// The question as asked orders the citations and stands in for the
	// model when it fails; a section named by label needs no model.
	res, err := b.cfg.Searcher.Search(ctx, t.q, b.cfg.K)
	if err != nil {
		b.log.Error("search failed", "err", err)
		return failure(t.q, err, Say(t.lang, MsgSearchFailed))
	}
	t.searched(t.q, res, true)
	if res.Section != "" {
		return sectionReply(t, res)
	}
	// Offline signals are passed along to the logs, never decide.
	b.log.Debug("offline judgement", "outcome", res.Outcome, "evidence", res.Evidence)
	ask := llm.Request{Question: t.q, Previous: t.prev, Title: t.title}
	if b.wholeFits(t.doc) {
		t.trace.Whole = true
		ask.Passages, ask.Whole = t.doc.Paragraphs, true
		r, err := b.write(ctx, t, ask, res, progress)
		if !errors.Is(err, llm.ErrTruncated) {
			return r
		}
		// The server cut the document to its context window: say so once
		// and keep to retrieval from now on.
		b.whole.Store(false)
		b.log.Warn("the model server cut the whole document to its context window; using retrieval instead. "+
			"Raise the server's context (Ollama num_ctx, llama.cpp -c) or lower CITEBOT_CONTEXT_TOKENS", "err", err)
	}
	ask.Whole, t.trace.Whole = false, false
	ask.Passages, res = b.retrieve(ctx, t, res)
	r, err := b.write(ctx, t, ask, res, progress)
	if errors.Is(err, llm.ErrTruncated) {
		// Even the retrieved passages were cut: they serve as they are.
		b.log.Warn("the model server cut the retrieved passages too; answering with the passages", "err", err)
		return b.judged(t, res, Say(t.lang, MsgModelDown))
	}
	return r
}
