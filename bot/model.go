package bot

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/llm"
	"github.com/citebot/citebot/retrieval"
)

// DefaultContextTokens is the context budget, in tokens, for one model
// answer when none is configured: the whole declaration (about 20,000
// tokens in the most expensive common tokenizer) with room to spare, and a
// quarter of the 128,000-token window of the common hosted models.
const DefaultContextTokens = 32_000

// reservedTokens is kept out of the budget for the rules, the question and
// its history, and the answer itself.
const reservedTokens = 2_500

// wholeFits reports whether the whole document fits the context budget and
// the model server has not shown that it cannot take it.
func (b *Bot) wholeFits(doc *corpus.Document) bool {
	if !b.whole.Load() {
		return false
	}
	return documentTokens(doc) <= b.cfg.ContextTokens-reservedTokens
}

// documentTokens estimates the tokens of a document as the model reads it:
// every paragraph with its label and section.
func documentTokens(doc *corpus.Document) int {
	n := 0
	for _, p := range doc.Paragraphs {
		n += passageTokens(p)
	}
	return n
}

func passageTokens(p corpus.Paragraph) int {
	return analysis.EstimateTokens(p.Label+p.Section+p.Text) + 8 // the "[passage N] label:" frame
}

// retrieve picks the passages for a document over the budget: the model
// rewrites the question into the document's words (once per question and
// conversation, cached), every query is searched, and the fused results
// fill the budget. On a failed rewrite the question is searched as asked.
func (b *Bot) retrieve(ctx context.Context, t turn, asked retrieval.Result) ([]corpus.Paragraph, retrieval.Result) {
	results := []retrieval.Result{asked}
	for _, q := range b.queries(ctx, t) {
		res, err := b.cfg.Searcher.Search(ctx, q, retrieval.MaxK)
		if err != nil {
			b.log.Warn("search of a rewritten query failed", "err", err)
			continue
		}
		t.searched(q, res, false)
		results = append(results, res)
	}
	fused := fuseResults(results)
	t.ranked(fused.Hits)
	budget := b.cfg.ContextTokens - reservedTokens
	var ps []corpus.Paragraph
	for _, h := range fused.Hits {
		if budget -= passageTokens(h.Paragraph); budget < 0 && len(ps) > 0 {
			break
		}
		ps = append(ps, h.Paragraph)
	}
	return ps, fused
}

// queries returns the model's rewrites of the question, from the cache
// when it was asked before in the same context.
func (b *Bot) queries(ctx context.Context, t turn) []string {
	if b.cfg.Rewriter == nil {
		return nil
	}
	key := strings.Join(t.prev, "\x00") + "\x01" + t.q
	if qs, ok := b.rewrites.Get(key); ok {
		return qs
	}
	qs, err := b.cfg.Rewriter.Rewrite(ctx, llm.RewriteRequest{Question: t.q, Previous: t.prev,
		Title: t.title, Language: languageName(docLanguage(t.doc))})
	if err != nil {
		b.log.Warn("question rewrite failed; searching the question as asked", "err", err)
		return nil
	}
	b.rewrites.Put(key, qs)
	return qs
}

// fuseResults merges several searches by reciprocal rank fusion; the first
// result's judgement stands for the fused one.
func fuseResults(rs []retrieval.Result) retrieval.Result {
	const k = 60
	score := map[string]float64{}
	hit := map[string]retrieval.Hit{}
	var order []string
	for _, r := range rs {
		for i, h := range r.Hits {
			l := h.Paragraph.Label
			if _, ok := hit[l]; !ok {
				order = append(order, l)
				hit[l] = h
			}
			score[l] += 1 / float64(k+i+1)
		}
	}
	slices.SortStableFunc(order, func(a, b string) int { return cmp.Compare(score[b], score[a]) })
	out := rs[0]
	out.Hits = make([]retrieval.Hit, len(order))
	for i, l := range order {
		out.Hits[i] = hit[l]
	}
	return out
}

// write asks the model for an answer and checks every citation in it;
// the offline reply stands in whenever the model fails or cites nothing
// valid. It returns the model's error too, so that a cut prompt can be
// retried.
//
// While the answer streams, progress receives only checked text: whole
// sentences that passed the check, once they hold a valid citation. What
// was shown of an answer that is then asked again (a cut prompt) is
// withdrawn with an empty progress reply.
func (b *Bot) write(ctx context.Context, t turn, ask llm.Request, res retrieval.Result, progress func(Reply)) (Reply, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, b.cfg.AnswerTimeout)
	defer cancel()
	model := b.cfg.Writer.Model()
	links := linksOf(t.doc)
	stream := newStreamCheck(ask.Passages, analysis.Fold)
	shown := false
	onDelta := func(s string) {
		if !stream.add(s) || progress == nil {
			return
		}
		if text := stream.shown(); text != "" {
			shown = true
			progress(Reply{Question: t.q, Grounded: true, Outcome: Answered, Mode: ModeLLM, Model: model,
				Answer: links.clean(text), Lang: t.lang})
		}
	}
	a, err := b.cfg.Writer.Answer(ctx, ask, onDelta)
	switch {
	case errors.Is(err, llm.ErrTruncated):
		if shown {
			progress(Reply{Question: t.q, Mode: ModeLLM, Model: model, Lang: t.lang})
		}
		return Reply{}, err
	case err != nil && parent.Err() != nil:
		// The caller stopped waiting (a shutdown): finish with what was
		// checked, else with the passages.
		b.log.Info("model answer interrupted", "err", err)
		if checked := stream.c.result(); len(checked.Labels) > 0 {
			r := b.modelReply(t, ask, res, checked, model, links)
			r.Notice = Say(t.lang, MsgInterrupted)
			return r, err
		}
		return b.judged(t, res, Say(t.lang, MsgInterrupted)), err
	case err != nil:
		b.log.Warn("model answer failed; answering with the passages", "err", err)
		return b.judged(t, res, Say(t.lang, MsgModelDown)), err
	}
	b.log.Info("model answered", "whole", ask.Whole, "passages", len(ask.Passages), "grounded", a.Grounded,
		"prompt_tokens", a.PromptTokens, "completion_tokens", a.CompletionTokens, "cut_short", a.CutShort)
	if !a.Grounded {
		return notAddressed(t, ModeLLM, model, res.Hits), nil
	}
	text := a.Text
	if a.CutShort {
		text = dropUnfinished(text)
	}
	checked := CheckAnswer(text, ask.Passages, analysis.Fold)
	if len(checked.Labels) == 0 {
		b.log.Warn("model answer had no valid citation; answering with the passages", "removed", checked.Removed)
		r := b.judged(t, res, Say(t.lang, MsgUnchecked))
		r.Removed = checked.Removed
		return r, nil
	}
	return b.modelReply(t, ask, res, checked, model, links), nil
}

// modelReply is a checked model answer with its citations, without the
// links the document does not contain.
func (b *Bot) modelReply(t turn, ask llm.Request, res retrieval.Result, checked Checked, model string, links *docLinks) Reply {
	scores := make(map[string]float64, len(res.Hits))
	for _, h := range res.Hits {
		scores[h.Paragraph.Label] = h.Score
	}
	byLabel := make(map[string]corpus.Paragraph, len(ask.Passages))
	for _, p := range ask.Passages {
		byLabel[p.Label] = p
	}
	r := Reply{Question: t.q, Grounded: true, Outcome: Answered, Mode: ModeLLM, Model: model,
		Answer: links.clean(checked.Text), Removed: checked.Removed, Lang: t.lang}
	for _, l := range checked.Labels {
		p := byLabel[l]
		r.Citations = append(r.Citations, Citation{Label: l, Section: p.Section, Text: p.Text,
			Score: scores[l], Document: partTitle(t.doc, p)})
	}
	return r
}

// dropUnfinished removes the last sentence of a reply that a length limit
// cut off, when it has no sentence end.
func dropUnfinished(text string) string {
	sents := splitSentences(text)
	if len(sents) == 0 {
		return text
	}
	last := sents[len(sents)-1]
	if finished(last.body) {
		return text
	}
	return strings.TrimSpace(text[:len(text)-len(last.body)-len(last.sep)])
}

// finished reports whether a sentence ends with a sentence end, before any
// closing marks and citations.
func finished(s string) bool {
	for {
		s = strings.TrimRight(s, " \t")
		if i := strings.LastIndexAny(s, groupOpeners); i >= 0 && groupAt(s[i:]) == len(s)-i {
			s = s[:i]
			continue
		}
		if r, n := utf8.DecodeLastRuneInString(s); n > 0 && strings.ContainsRune(closers, r) {
			s = s[:len(s)-n]
			continue
		}
		break
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	return r != utf8.RuneError && isTerminator(r, "")
}

// languageName names a document's language for the model.
func languageName(l Lang) string {
	switch l {
	case Simplified:
		return "Simplified Chinese"
	case Traditional:
		return "Traditional Chinese"
	}
	return "English"
}

// Search runs the bot's retrieval for a standalone question as an answer
// would: with a model, the question and its rewrites searched and fused.
// The judgement is the offline one. `citebot eval` measures this path.
func (b *Bot) Search(ctx context.Context, question string, k int) (retrieval.Result, error) {
	res, err := b.cfg.Searcher.Search(ctx, question, k)
	if err != nil || res.Section != "" || b.cfg.Rewriter == nil {
		return res, err
	}
	doc := b.cfg.Searcher.Document()
	t := turn{q: question, doc: doc, title: b.title(doc), lang: replyLanguage(question, doc)}
	results := []retrieval.Result{res}
	for _, q := range b.queries(ctx, t) {
		r, err := b.cfg.Searcher.Search(ctx, q, k)
		if err != nil {
			return retrieval.Result{}, err
		}
		results = append(results, r)
	}
	fused := fuseResults(results)
	fused.Hits = fused.Hits[:min(k, len(fused.Hits))]
	return fused, nil
}
