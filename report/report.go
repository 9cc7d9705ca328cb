// Package report turns the question log into what the admins read: the
// questions per day by outcome, how often each paragraph of the document
// was cited, the questions the document could not answer grouped as its
// coverage gaps, and the answers voted down. The web dashboard draws it;
// `citebot report` prints it.
package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/store"
)

// Source is the question log the report reads; *store.Store satisfies it.
type Source interface {
	Daily(ctx context.Context, since time.Time) ([]store.DayCount, error)
	Cited(ctx context.Context, since time.Time) ([]store.LabelCount, error)
	Questions(ctx context.Context, f store.Filter) ([]store.Logged, error)
	Votes(ctx context.Context, since time.Time, down bool, limit int) ([]store.VoteRecord, error)
}

// Bounds on what one report reads and shows.
const (
	maxGapQuestions = 2000
	maxVotes        = 5000
	maxGaps         = 30
	maxDownVoted    = 30
	maxExamples     = 5
	// gapSimilarity is the share of terms two questions must have in
	// common (Jaccard) to be one gap: "上合组织的预算是多少" and
	// "上合组织每年预算多少钱" are one, "上合组织之歌" another.
	gapSimilarity = 0.4
)

// Report is the figures of the question log over a period.
type Report struct {
	// Title is the document's.
	Title string
	// Since and Until bound the period.
	Since, Until time.Time
	// Days has one entry per day (UTC) of the period, oldest first, days
	// without questions included.
	Days []Day
	// Total sums Days.
	Total Day
	// Sections are the document's sections in order, each with its
	// paragraphs and how often they were cited: the heat map.
	Sections []Section
	// MaxCited is the most citations of one paragraph, for scaling.
	MaxCited int
	// Elsewhere are labels cited in the period that the serving document
	// no longer has (answers from an earlier corpus).
	Elsewhere []Cited
	// Gaps are the uncertain and not-addressed questions, grouped, most
	// asked first.
	Gaps []Gap
	// DownVoted are the answers voted 👎, most down votes first.
	DownVoted []Voted
	// Up and Down count all votes of the period.
	Up, Down int
}

// Day is one day's questions by outcome.
type Day struct {
	Date                                     time.Time
	Answered, Uncertain, NotAddressed, Error int
}

// Total is the day's questions.
func (d Day) Total() int { return d.Answered + d.Uncertain + d.NotAddressed + d.Error }

// Section is a section of the document with its own paragraphs' counts.
type Section struct {
	Key, Title string
	Paragraphs []Cited
}

// Cited is how often one paragraph was cited.
type Cited struct {
	Label string
	// Text is the paragraph's text, for tooltips ("" for Elsewhere).
	Text string
	// Answered counts citations in answers, Uncertain among the closest
	// passages of uncertain replies.
	Answered, Uncertain int
}

// Total is every citation of the paragraph.
func (c Cited) Total() int { return c.Answered + c.Uncertain }

// Gap is a group of similar questions the document did not answer.
type Gap struct {
	// Question is the most recent question of the group ("" when the log
	// keeps no text).
	Question string
	// Examples are other wordings in the group, most recent first.
	Examples []string
	// Count is how many times the group was asked; NotAddressed and
	// Uncertain split it.
	Count, NotAddressed, Uncertain int
	// Last is when it was last asked.
	Last time.Time
	// Near are the paragraphs most often offered as closest passages.
	Near []string
}

// Voted is an answer voted down: its question and citations.
type Voted struct {
	Question string
	Labels   []string
	Mode     string
	Model    string
	Up, Down int
	Last     time.Time
}

// Build reads the report for [since, now] from src, with the heat map laid
// over doc.
func Build(ctx context.Context, src Source, doc *corpus.Document, title string, since, now time.Time) (Report, error) {
	r := Report{Title: title, Since: since.UTC(), Until: now.UTC()}
	daily, err := src.Daily(ctx, since)
	if err != nil {
		return Report{}, err
	}
	r.days(daily)
	cited, err := src.Cited(ctx, since)
	if err != nil {
		return Report{}, err
	}
	r.heat(doc, cited)
	gaps, err := src.Questions(ctx, store.Filter{Since: since, Outcomes: []string{store.Uncertain, store.NotAddressed}, Limit: maxGapQuestions})
	if err != nil {
		return Report{}, err
	}
	r.Gaps = groupGaps(gaps)
	votes, err := src.Votes(ctx, since, false, maxVotes)
	if err != nil {
		return Report{}, err
	}
	r.votes(votes)
	return r, nil
}

func (r *Report) days(counts []store.DayCount) {
	byDay := map[time.Time]*Day{}
	for d := r.Since.Truncate(24 * time.Hour); !d.After(r.Until); d = d.Add(24 * time.Hour) {
		r.Days = append(r.Days, Day{Date: d})
	}
	for i := range r.Days {
		byDay[r.Days[i].Date] = &r.Days[i]
	}
	for _, c := range counts {
		d, ok := byDay[c.Day]
		if !ok {
			continue
		}
		switch c.Outcome {
		case store.Answered:
			d.Answered += c.Count
		case store.Uncertain:
			d.Uncertain += c.Count
		case store.NotAddressed:
			d.NotAddressed += c.Count
		default:
			d.Error += c.Count
		}
	}
	for _, d := range r.Days {
		r.Total.Answered += d.Answered
		r.Total.Uncertain += d.Uncertain
		r.Total.NotAddressed += d.NotAddressed
		r.Total.Error += d.Error
	}
}

func (r *Report) heat(doc *corpus.Document, cited []store.LabelCount) {
	counts := make(map[string]store.LabelCount, len(cited))
	for _, c := range cited {
		counts[c.Label] = c
	}
	seen := map[string]bool{}
	for _, s := range doc.Sections {
		if len(s.Paragraphs) == 0 {
			continue
		}
		sec := Section{Key: s.Key, Title: s.Title}
		for _, i := range s.Paragraphs {
			p := doc.Paragraphs[i]
			c := counts[p.Label]
			sec.Paragraphs = append(sec.Paragraphs, Cited{Label: p.Label, Text: p.Text, Answered: c.Answered, Uncertain: c.Uncertain})
			r.MaxCited = max(r.MaxCited, c.Answered+c.Uncertain)
			seen[p.Label] = true
		}
		r.Sections = append(r.Sections, sec)
	}
	for _, c := range cited {
		if !seen[c.Label] {
			r.Elsewhere = append(r.Elsewhere, Cited{Label: c.Label, Answered: c.Answered, Uncertain: c.Uncertain})
		}
	}
}

// gapGroup is a Gap being built, with its representative's terms.
type gapGroup struct {
	Gap
	terms map[string]bool
	hash  string
	near  map[string]int
	seen  map[string]bool
}

// groupGaps groups similar questions, newest first, greedily: each joins
// the group whose first (most recent) question shares most terms with it,
// if enough; identical questions always meet.
func groupGaps(qs []store.Logged) []Gap {
	var groups []*gapGroup
	for _, q := range qs {
		terms := termSet(q.Text)
		var best *gapGroup
		bestSim := 0.0
		for _, g := range groups {
			sim := 0.0
			if g.hash == q.Hash {
				sim = 1
			} else if q.Text != "" {
				sim = jaccard(terms, g.terms)
			}
			if sim > bestSim {
				best, bestSim = g, sim
			}
		}
		if best == nil || bestSim < gapSimilarity {
			best = &gapGroup{Gap: Gap{Question: q.Text, Last: q.Time}, terms: terms, hash: q.Hash,
				near: map[string]int{}, seen: map[string]bool{strings.ToLower(q.Text): true}}
			groups = append(groups, best)
		} else if key := strings.ToLower(q.Text); !best.seen[key] {
			best.seen[key] = true
			if len(best.Examples) < maxExamples {
				best.Examples = append(best.Examples, q.Text)
			}
		}
		best.Count++
		if q.Outcome == store.NotAddressed {
			best.NotAddressed++
		} else {
			best.Uncertain++
		}
		for _, l := range q.Labels {
			best.near[l]++
		}
	}
	slices.SortStableFunc(groups, func(a, b *gapGroup) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), b.Last.Compare(a.Last))
	})
	out := make([]Gap, 0, min(len(groups), maxGaps))
	for _, g := range groups[:min(len(groups), maxGaps)] {
		g.Near = topLabels(g.near, 3)
		out = append(out, g.Gap)
	}
	return out
}

func termSet(text string) map[string]bool {
	set := map[string]bool{}
	for _, t := range analysis.Terms(analysis.Fold(text)) {
		set[t] = true
	}
	return set
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	both := 0
	for t := range a {
		if b[t] {
			both++
		}
	}
	return float64(both) / float64(len(a)+len(b)-both)
}

func topLabels(counts map[string]int, n int) []string {
	labels := make([]string, 0, len(counts))
	for l := range counts {
		labels = append(labels, l)
	}
	slices.SortFunc(labels, func(a, b string) int { return cmp.Or(cmp.Compare(counts[b], counts[a]), strings.Compare(a, b)) })
	return labels[:min(n, len(labels))]
}

// votes counts the period's votes and groups the answers voted down by
// question and citations.
func (r *Report) votes(vs []store.VoteRecord) {
	type key struct{ hash, labels string }
	groups := map[key]*Voted{}
	var order []key
	for _, v := range vs {
		if v.Up {
			r.Up++
		} else {
			r.Down++
		}
		k := key{v.Hash, strings.Join(v.Labels, "\x00")}
		g, ok := groups[k]
		if !ok {
			g = &Voted{Question: v.Question, Labels: v.Labels, Mode: v.Mode, Model: v.Model, Last: v.Time}
			groups[k] = g
			order = append(order, k)
		}
		if v.Up {
			g.Up++
		} else {
			g.Down++
		}
	}
	for _, k := range order {
		if g := groups[k]; g.Down > 0 {
			r.DownVoted = append(r.DownVoted, *g)
		}
	}
	slices.SortStableFunc(r.DownVoted, func(a, b Voted) int {
		return cmp.Or(cmp.Compare(b.Down, a.Down), b.Last.Compare(a.Last))
	})
	r.DownVoted = r.DownVoted[:min(len(r.DownVoted), maxDownVoted)]
}

// ErrBadSince is returned by ParseSince for what is not a period.
var ErrBadSince = errors.New(`want a period such as 7d, 2w or 36h, or a date such as 2026-11-01`)

// ParseSince reads a period back from now ("7d", "2w", "36h", "90m") or a
// date (2026-11-01, UTC) and returns its start.
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if n, unit := strings.TrimRight(s, "dw"), strings.TrimLeft(s, "0123456789"); (unit == "d" || unit == "w") && n != "" {
		k, err := strconv.Atoi(n)
		if err != nil || k <= 0 {
			return time.Time{}, fmt.Errorf("%q: %w", s, ErrBadSince)
		}
		days := k
		if unit == "w" {
			days *= 7
		}
		return now.Add(-time.Duration(days) * 24 * time.Hour), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return time.Time{}, fmt.Errorf("%q: %w", s, ErrBadSince)
	}
	return now.Add(-d), nil
}
