package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// barWidth is the longest bar of the text charts, in characters.
const barWidth = 40

// shades draw the heat map in a terminal, from few citations to the most.
var shades = []rune("░▒▓█")

// Shade is the heat-map character for n citations out of most: · for
// none, then the quarter of most that n falls in.
func Shade(n, most int) rune {
	if n <= 0 || most <= 0 {
		return '·'
	}
	i := (n*len(shades) + most - 1) / most
	return shades[min(i, len(shades))-1]
}

// WriteText prints the report for a terminal: the same figures as the
// dashboard, with bars and a heat map of block characters.
func (r Report) WriteText(w io.Writer) error {
	p := &printer{w: w}
	p.f("Questions about %s\n", r.Title)
	p.f("%s – %s (UTC)\n\n", r.Since.Format("2006-01-02 15:04"), r.Until.Format("2006-01-02 15:04"))
	t := r.Total
	p.f("%d questions: %d answered (%s), %d uncertain (%s), %d not addressed (%s), %d errors\n",
		t.Total(), t.Answered, pct(t.Answered, t.Total()), t.Uncertain, pct(t.Uncertain, t.Total()),
		t.NotAddressed, pct(t.NotAddressed, t.Total()), t.Error)
	p.f("Votes: %d 👍, %d 👎\n\n", r.Up, r.Down)

	p.f("Per day (A answered, U uncertain, N not addressed, E error)\n")
	most := 0
	for _, d := range r.Days {
		most = max(most, d.Total())
	}
	for _, d := range r.Days {
		p.f("  %s %4d %s\n", d.Date.Format("2006-01-02"), d.Total(), dayBar(d, most))
	}

	p.f("\nCitations per paragraph (heat map: · none, ░▒▓█ fewer to most; most cited: %d)\n", r.MaxCited)
	keyWidth := 0
	for _, s := range r.Sections {
		keyWidth = max(keyWidth, displayWidth(s.Key))
	}
	for _, s := range r.Sections {
		var sb strings.Builder
		n := 0
		for _, c := range s.Paragraphs {
			sb.WriteRune(Shade(c.Total(), r.MaxCited))
			n += c.Total()
		}
		key := s.Key
		if key == "" {
			key = "¶"
		}
		p.f("  %s%s %s %d\n", key, strings.Repeat(" ", max(0, keyWidth-displayWidth(key))), sb.String(), n)
	}
	if top := r.topCited(10); len(top) > 0 {
		p.f("  Most cited:")
		for _, c := range top {
			p.f(" %s (%d)", c.Label, c.Total())
		}
		p.f("\n")
	}
	if len(r.Elsewhere) > 0 {
		p.f("  Cited from an earlier corpus:")
		for _, c := range r.Elsewhere {
			p.f(" %s (%d)", c.Label, c.Total())
		}
		p.f("\n")
	}

	p.f("\nCoverage gaps: questions the document did not answer, grouped (%d groups)\n", len(r.Gaps))
	for _, g := range r.Gaps {
		p.f("  %3d× %s\n", g.Count, quoted(g.Question))
		p.f("       not addressed %d, uncertain %d, last %s", g.NotAddressed, g.Uncertain, g.Last.Format("2006-01-02"))
		if len(g.Near) > 0 {
			p.f(", nearest %s", strings.Join(g.Near, ", "))
		}
		p.f("\n")
		for _, e := range g.Examples {
			p.f("       also: %s\n", quoted(e))
		}
	}

	p.f("\nAnswers voted down (%d)\n", len(r.DownVoted))
	for _, v := range r.DownVoted {
		p.f("  👎 %d 👍 %d  %s\n", v.Down, v.Up, quoted(v.Question))
		how := v.Mode
		if v.Model != "" {
			how += ", " + v.Model
		}
		cites := "nothing"
		if len(v.Labels) > 0 {
			cites = strings.Join(v.Labels, ", ")
		}
		p.f("         cited %s (%s), last %s\n", cites, how, v.Last.Format("2006-01-02"))
	}
	return p.err
}

// topCited lists the n most cited paragraphs.
func (r Report) topCited(n int) []Cited {
	var all []Cited
	for _, s := range r.Sections {
		for _, c := range s.Paragraphs {
			if c.Total() > 0 {
				all = append(all, c)
			}
		}
	}
	// A stable insertion sort keeps document order among equals.
	for i := 1; i < len(all); i++ {
		for j := i; j > 0 && all[j].Total() > all[j-1].Total(); j-- {
			all[j], all[j-1] = all[j-1], all[j]
		}
	}
	return all[:min(n, len(all))]
}

func dayBar(d Day, most int) string {
	if most == 0 {
		return ""
	}
	scale := func(n int) int { return (n*barWidth + most - 1) / most }
	return strings.Repeat("A", scale(d.Answered)) + strings.Repeat("U", scale(d.Uncertain)) +
		strings.Repeat("N", scale(d.NotAddressed)) + strings.Repeat("E", scale(d.Error))
}

func pct(n, of int) string {
	if of == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(of))
}

// quoted shows a question on one line, or says that its text is not kept.
func quoted(q string) string {
	if q == "" {
		return "(question text not kept)"
	}
	q = strings.Join(strings.Fields(q), " ")
	if utf8.RuneCountInString(q) > 120 {
		q = string([]rune(q)[:120]) + "…"
	}
	return "“" + q + "”"
}

// displayWidth is how many terminal columns s takes: Chinese characters
// and full-width forms take two.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// printer keeps the first write error, so that the report reads as a list
// of lines.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
