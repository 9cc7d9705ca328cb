package web

import (
	"fmt"
	"math"

	"github.com/citebot/citebot/internal/anchor"
	"github.com/citebot/citebot/report"
)

// The charts are drawn here, as geometry the templates write out as SVG:
// no script, no library, nothing fetched, and every shape carries its
// figure in a <title> for tooltips and screen readers.

// outcomeColours stack bottom to top: answered, uncertain, not addressed,
// error.
var outcomeColours = []struct{ name, fill string }{
	{"answered", "#2e7d32"}, {"uncertain", "#f9a825"}, {"not addressed", "#c62828"}, {"error", "#757575"},
}

// dailyChart is the questions per day, stacked by outcome.
type dailyChart struct {
	Width, Height            int
	Left, Right, Top, Bottom float64
	Bars                     []shape
	Ticks                    []tick
	Days                     []tick
	Legend                   []legendItem
	Empty                    bool
}

type shape struct {
	X, Y, W, H        float64
	Fill, Title, Href string
}

type tick struct {
	X, Y  float64
	Label string
}

type legendItem struct {
	X          float64
	Fill, Name string
}

const (
	dailyWidth  = 760
	dailyHeight = 260
)

func drawDaily(days []report.Day) dailyChart {
	c := dailyChart{Width: dailyWidth, Height: dailyHeight, Left: 44, Right: dailyWidth - 10, Top: 30, Bottom: dailyHeight - 28}
	for i, o := range outcomeColours {
		c.Legend = append(c.Legend, legendItem{X: c.Left + float64(i)*130, Fill: o.fill, Name: o.name})
	}
	most := 0
	for _, d := range days {
		most = max(most, d.Total())
	}
	c.Empty = most == 0
	top := niceCeil(most)
	for _, v := range []int{0, top / 2, top} {
		if v == 0 && top == 0 {
			continue
		}
		c.Ticks = append(c.Ticks, tick{Y: c.y(v, top), Label: fmt.Sprint(v)})
	}
	if len(days) == 0 {
		return c
	}
	step := (c.Right - c.Left) / float64(len(days))
	w := math.Max(1, step*0.7)
	every := (len(days) + 9) / 10 // at most ten day labels
	for i, d := range days {
		x := c.Left + float64(i)*step + (step-w)/2
		if i%every == 0 {
			c.Days = append(c.Days, tick{X: x + w/2, Y: c.Bottom + 16, Label: d.Date.Format("01-02")})
		}
		base := 0
		for j, n := range []int{d.Answered, d.Uncertain, d.NotAddressed, d.Error} {
			if n == 0 {
				continue
			}
			y0, y1 := c.y(base, top), c.y(base+n, top)
			c.Bars = append(c.Bars, shape{X: x, Y: y1, W: w, H: y0 - y1, Fill: outcomeColours[j].fill,
				Title: fmt.Sprintf("%s: %d %s", d.Date.Format("2006-01-02"), n, outcomeColours[j].name)})
			base += n
		}
	}
	return c
}

// y is the height of value v on a scale up to top.
func (c dailyChart) y(v, top int) float64 {
	if top == 0 {
		return c.Bottom
	}
	return c.Bottom - float64(v)/float64(top)*(c.Bottom-c.Top)
}

// niceCeil rounds n up to 2, 4 or 10 times a power of ten: a round top
// whose half, the middle tick, is a whole number too.
func niceCeil(n int) int {
	if n <= 0 {
		return 0
	}
	for p := 1; ; p *= 10 {
		for _, m := range []int{2, 4, 10} {
			if n <= m*p {
				return m * p
			}
		}
	}
}

// heatMap draws the document, a row of cells per section, each cell a
// paragraph coloured by how often it was cited and linking to it.
type heatMap struct {
	Width, Height int
	Rows          []heatRow
	Cells         []shape
	Legend        []shape
	// Hidden counts the sections left out of a very large document's map
	// because nothing in them was cited.
	Hidden int
}

type heatRow struct {
	Y   float64
	Key string
}

const (
	heatCell     = 14
	heatGap      = 2
	heatKeyWidth = 96
	heatPerRow   = 40
	// heatMaxParagraphs is the size past which only sections with
	// citations are drawn, so that the page stays readable.
	heatMaxParagraphs = 3000
)

// heatColours go from never cited to the most cited paragraph.
var heatColours = []string{"#e6e6e6", "#c6dbef", "#6baed6", "#2171b5", "#08306b"}

func heatColour(n, most int) string {
	if n <= 0 || most <= 0 {
		return heatColours[0]
	}
	i := (n*(len(heatColours)-1) + most - 1) / most
	return heatColours[min(i, len(heatColours)-1)]
}

func drawHeat(r report.Report) heatMap {
	total := 0
	for _, s := range r.Sections {
		total += len(s.Paragraphs)
	}
	h := heatMap{Width: heatKeyWidth + heatPerRow*(heatCell+heatGap) + 8}
	y := 4.0
	for _, s := range r.Sections {
		if total > heatMaxParagraphs && !cited(s) {
			h.Hidden++
			continue
		}
		key := s.Key
		if key == "" {
			key = "¶"
		}
		h.Rows = append(h.Rows, heatRow{Y: y + heatCell - 3, Key: key})
		for i, p := range s.Paragraphs {
			if i > 0 && i%heatPerRow == 0 {
				y += heatCell + heatGap
			}
			x := float64(heatKeyWidth + (i%heatPerRow)*(heatCell+heatGap))
			title := fmt.Sprintf("%s: cited %d times (%d in answers, %d as closest passages)", p.Label, p.Total(), p.Answered, p.Uncertain)
			h.Cells = append(h.Cells, shape{X: x, Y: y, W: heatCell, H: heatCell, Fill: heatColour(p.Total(), r.MaxCited),
				Title: title, Href: "/" + anchor.Fragment(p.Label)})
		}
		y += heatCell + heatGap
	}
	for i, c := range heatColours {
		h.Legend = append(h.Legend, shape{X: float64(heatKeyWidth + i*(heatCell+heatGap)), Y: y + 8, W: heatCell, H: heatCell, Fill: c})
	}
	h.Height = int(y) + 8 + heatCell + 6
	return h
}

func cited(s report.Section) bool {
	for _, p := range s.Paragraphs {
		if p.Total() > 0 {
			return true
		}
	}
	return false
}

func links(labels []string) []linkView {
	out := make([]linkView, len(labels))
	for i, l := range labels {
		out[i] = linkView{Label: l, Href: "/" + anchor.Fragment(l)}
	}
	return out
}
