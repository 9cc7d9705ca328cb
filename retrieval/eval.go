package retrieval

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Case is one evaluation question in the format of shared/eval/dev.jsonl.
type Case struct {
	ID       string   `json:"id"`
	Lang     string   `json:"lang"`
	Kind     string   `json:"kind"`
	Question string   `json:"question"`
	Gold     []string `json:"gold"`
}

// CaseResult is what one question retrieved and how it was judged.
type CaseResult struct {
	ID        string   `json:"id"`
	Retrieved []string `json:"retrieved"`
	// Grounded is false when the question was judged not addressed.
	Grounded bool `json:"grounded"`
	// Uncertain is true when the passages were shown as the closest ones,
	// not as an answer.
	Uncertain bool    `json:"uncertain"`
	Outcome   Outcome `json:"outcome"`
}

// Searcher is what Evaluate measures: the index itself, or the bot's whole
// retrieval path.
type Searcher interface {
	Search(ctx context.Context, question string, k int) (Result, error)
}

// ReadCases reads JSON lines of cases; blank lines are skipped.
func ReadCases(r io.Reader) ([]Case, error) {
	var cases []Case
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var c Case
		if err := json.Unmarshal([]byte(text), &c); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if strings.TrimSpace(c.Question) == "" {
			return nil, fmt.Errorf("line %d: empty question", line)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return cases, nil
}

// Stats are the retrieval figures over a set of answerable cases.
type Stats struct {
	Answerable int     `json:"answerable"`
	Recall     float64 `json:"recall"` // share of answerable cases with a gold label in the top k
	MRR        float64 `json:"mrr"`    // mean reciprocal rank of the first gold label, over answerable cases
	// Answered, Uncertain and WronglyRefused are the shares of answerable
	// cases judged answered, uncertain and not addressed.
	Answered       float64 `json:"answered"`
	Uncertain      float64 `json:"uncertain"`
	WronglyRefused float64 `json:"wrongly_refused"`
}

// Summary is the outcome of an evaluation.
type Summary struct {
	K      int              `json:"k"`
	All    Stats            `json:"all"`
	ByLang map[string]Stats `json:"by_lang"`
	// Unanswerable counts cases with no gold label; Refused, Uncertain and
	// Answered are the shares of them judged not addressed, uncertain and
	// answered.
	Unanswerable int     `json:"unanswerable"`
	Refused      float64 `json:"refused"`
	Uncertain    float64 `json:"uncertain"`
	Answered     float64 `json:"answered"`
}

// tally counts outcomes and ranks over a group of cases.
type tally struct {
	n, hit   int
	rr       float64
	outcomes [3]int
}

func (t *tally) add(rank int, o Outcome) {
	t.n++
	if rank > 0 {
		t.hit++
		t.rr += 1 / float64(rank)
	}
	t.outcomes[o]++
}

func (t *tally) share(o Outcome) float64 {
	if t.n == 0 {
		return 0
	}
	return float64(t.outcomes[o]) / float64(t.n)
}

func (t *tally) stats() Stats {
	if t.n == 0 {
		return Stats{}
	}
	n := float64(t.n)
	return Stats{Answerable: t.n, Recall: float64(t.hit) / n, MRR: t.rr / n,
		Answered: t.share(Answered), Uncertain: t.share(Uncertain), WronglyRefused: t.share(NotAddressed)}
}

// Evaluate runs every case through s and scores the top k.
func Evaluate(ctx context.Context, s Searcher, cases []Case, k int) ([]CaseResult, Summary, error) {
	all, unans := &tally{}, &tally{}
	byLang := map[string]*tally{}
	group := func(name string) *tally {
		if byLang[name] == nil {
			byLang[name] = &tally{}
		}
		return byLang[name]
	}
	outs := make([]CaseResult, 0, len(cases))
	for _, c := range cases {
		res, err := s.Search(ctx, c.Question, k)
		if err != nil {
			return nil, Summary{}, fmt.Errorf("case %s: %w", c.ID, err)
		}
		o := CaseResult{ID: c.ID, Retrieved: []string{}, Grounded: res.Grounded,
			Uncertain: res.Outcome == Uncertain, Outcome: res.Outcome}
		for _, h := range res.Hits[:min(k, len(res.Hits))] {
			o.Retrieved = append(o.Retrieved, h.Paragraph.Label)
		}
		outs = append(outs, o)
		if len(c.Gold) == 0 {
			unans.add(0, res.Outcome)
			continue
		}
		rank := firstGold(o.Retrieved, c.Gold)
		all.add(rank, res.Outcome)
		group(c.Lang).add(rank, res.Outcome)
		// The Chinese variants are also reported together: script folding
		// should make them one case.
		if strings.HasPrefix(c.Lang, "zh-") {
			group("zh").add(rank, res.Outcome)
		}
	}
	sum := Summary{K: k, All: all.stats(), ByLang: map[string]Stats{}, Unanswerable: unans.n,
		Refused: unans.share(NotAddressed), Uncertain: unans.share(Uncertain), Answered: unans.share(Answered)}
	for l, t := range byLang {
		sum.ByLang[l] = t.stats()
	}
	return outs, sum, nil
}

func firstGold(retrieved, gold []string) int {
	for i, l := range retrieved {
		for _, g := range gold {
			if l == g {
				return i + 1
			}
		}
	}
	return 0
}

// FormatSummary renders a summary for people, one figure a line.
func FormatSummary(s Summary) string {
	var sb strings.Builder
	line := func(name string, st Stats) {
		fmt.Fprintf(&sb, "%-8s n=%-3d recall@%d %.3f  MRR %.3f  answered %.3f  uncertain %.3f  refused %.3f\n",
			name, st.Answerable, s.K, st.Recall, st.MRR, st.Answered, st.Uncertain, st.WronglyRefused)
	}
	sb.WriteString("answerable:\n")
	line("all", s.All)
	langs := make([]string, 0, len(s.ByLang))
	for l := range s.ByLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		line(l, s.ByLang[l])
	}
	fmt.Fprintf(&sb, "unanswerable: n=%d  refused %.3f  uncertain %.3f  answered %.3f  (refused or uncertain %.3f)\n",
		s.Unanswerable, s.Refused, s.Uncertain, s.Answered, s.Refused+s.Uncertain)
	return sb.String()
}
