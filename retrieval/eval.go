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

// Outcome is what one question retrieved.
type Outcome struct {
	ID        string   `json:"id"`
	Retrieved []string `json:"retrieved"`
	Grounded  bool     `json:"grounded"`
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

// Stats are the retrieval figures over a set of cases.
type Stats struct {
	Answerable int     `json:"answerable"`
	Recall     float64 `json:"recall"` // share of answerable cases with a gold label in the top k
	MRR        float64 `json:"mrr"`    // mean reciprocal rank of the first gold label, over answerable cases
	// WronglyRefused is the share of answerable cases judged not grounded.
	WronglyRefused float64 `json:"wrongly_refused"`
}

// Summary is the outcome of an evaluation.
type Summary struct {
	K      int              `json:"k"`
	All    Stats            `json:"all"`
	ByLang map[string]Stats `json:"by_lang"`
	// Unanswerable counts cases with no gold label; Refused is the share of
	// them judged not grounded.
	Unanswerable int     `json:"unanswerable"`
	Refused      float64 `json:"refused"`
}

// Evaluate runs every case through s and scores the top k.
func Evaluate(ctx context.Context, s Searcher, cases []Case, k int) ([]Outcome, Summary, error) {
	type acc struct {
		n, hit, refused int
		rr              float64
	}
	all := &acc{}
	byLang := map[string]*acc{}
	sum := Summary{K: k, ByLang: map[string]Stats{}}
	var refused int
	outs := make([]Outcome, 0, len(cases))
	for _, c := range cases {
		res, err := s.Search(ctx, c.Question, k)
		if err != nil {
			return nil, Summary{}, fmt.Errorf("case %s: %w", c.ID, err)
		}
		o := Outcome{ID: c.ID, Retrieved: []string{}, Grounded: res.Grounded}
		for _, h := range res.Hits[:min(k, len(res.Hits))] {
			o.Retrieved = append(o.Retrieved, h.Paragraph.Label)
		}
		outs = append(outs, o)
		if len(c.Gold) == 0 {
			sum.Unanswerable++
			if !res.Grounded {
				refused++
			}
			continue
		}
		group := func(name string) *acc {
			if byLang[name] == nil {
				byLang[name] = &acc{}
			}
			return byLang[name]
		}
		accs := []*acc{all, group(c.Lang)}
		// The Chinese variants are also reported together: the document is
		// Chinese, and script folding should make them one case.
		if strings.HasPrefix(c.Lang, "zh-") {
			accs = append(accs, group("zh"))
		}
		rank := firstGold(o.Retrieved, c.Gold)
		for _, a := range accs {
			a.n++
			if rank > 0 {
				a.hit++
				a.rr += 1 / float64(rank)
			}
			if !res.Grounded {
				a.refused++
			}
		}
	}
	stats := func(a *acc) Stats {
		if a.n == 0 {
			return Stats{}
		}
		n := float64(a.n)
		return Stats{Answerable: a.n, Recall: float64(a.hit) / n, MRR: a.rr / n, WronglyRefused: float64(a.refused) / n}
	}
	sum.All = stats(all)
	langs := make([]string, 0, len(byLang))
	for l := range byLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		sum.ByLang[l] = stats(byLang[l])
	}
	if sum.Unanswerable > 0 {
		sum.Refused = float64(refused) / float64(sum.Unanswerable)
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
	fmt.Fprintf(&sb, "answerable: %d  recall@%d %.3f  MRR %.3f  wrongly refused %.3f\n",
		s.All.Answerable, s.K, s.All.Recall, s.All.MRR, s.All.WronglyRefused)
	langs := make([]string, 0, len(s.ByLang))
	for l := range s.ByLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		st := s.ByLang[l]
		fmt.Fprintf(&sb, "  %-8s n=%-3d recall@%d %.3f  MRR %.3f  wrongly refused %.3f\n",
			l, st.Answerable, s.K, st.Recall, st.MRR, st.WronglyRefused)
	}
	fmt.Fprintf(&sb, "unanswerable: %d  refused %.3f\n", s.Unanswerable, s.Refused)
	return sb.String()
}
