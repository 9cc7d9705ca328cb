// Command glossarycheck is a sanity check of the glossary on the English dev
// questions: for each it prints the Chinese terms proposed (with and without
// the corpus-vocabulary filter) and where in the declaration they occur — in
// a gold paragraph, elsewhere, or nowhere — plus the rank a naive
// term-weight × idf scorer gives the gold paragraph. It is a measuring
// instrument, not a tuning loop: the glossary must not learn these questions.
//
//	go run ./tools/glossarycheck [-dev FILE] [-doc FILE] [question…]
//
// With questions as arguments it only prints their terms and where they occur.
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/glossary"
	"github.com/citebot/citebot/retrieval"
)

type para struct{ label, text string }

func main() {
	dev := flag.String("dev", "retrieval/testdata/dev.jsonl", "dev questions (JSON lines)")
	doc := flag.String("doc", "corpus/declaration.txt", "declaration text")
	flag.Parse()
	if err := run(*dev, *doc, flag.Args()); err != nil {
		log.Fatalf("glossarycheck: %v", err)
	}
}

func run(devPath, docPath string, adhoc []string) error {
	d, err := corpus.Load(docPath)
	if err != nil {
		return err
	}
	paras := make([]para, len(d.Paragraphs))
	for i, p := range d.Paragraphs {
		paras[i] = para{p.Label, analysis.Fold(p.Text)}
	}
	var all strings.Builder
	for _, p := range paras {
		all.WriteString(p.text)
		all.WriteByte('\n')
	}
	body := all.String()
	known := func(zh string) bool { return strings.Contains(body, zh) }

	f, err := os.Open(devPath)
	if err != nil {
		return fmt.Errorf("open dev set: %w", err)
	}
	defer f.Close()
	qs, err := retrieval.ReadCases(f)
	if err != nil {
		return fmt.Errorf("%s: %w", devPath, err)
	}
	if len(adhoc) > 0 {
		qs = qs[:0]
		for i, q := range adhoc {
			qs = append(qs, retrieval.Case{ID: fmt.Sprintf("arg-%d", i+1), Kind: "adhoc", Question: q})
		}
	}
	g := glossary.Default()
	var nq, ngold, goldHit, tot, inGold, elsewhere, absent int
	var rrSum float64
	for _, q := range qs {
		if !glossary.IsEnglish(q.Question) {
			continue
		}
		nq++
		gold := map[string]bool{}
		for _, l := range q.Gold {
			gold[l] = true
		}
		fmt.Printf("\n%s [%s] %s\n  gold %v\n", q.ID, q.Kind, q.Question, q.Gold)
		raw := g.Translate(q.Question)
		fmt.Printf("  Translate: %d terms, %d in the text\n", len(raw), countKnown(raw, known))
		terms := g.TranslateIn(q.Question, known)
		hitAny := false
		for _, t := range terms {
			var g, o []string
			for _, p := range paras {
				if strings.Contains(p.text, t.Zh) {
					if gold[p.label] {
						g = append(g, p.label)
					} else {
						o = append(o, p.label)
					}
				}
			}
			tot++
			switch {
			case len(g) > 0:
				inGold++
				hitAny = true
			case len(o) > 0:
				elsewhere++
			default:
				absent++
			}
			fmt.Printf("    %-26s %-10s %.2f  gold:%-12s elsewhere:%d\n", t.From, t.Zh, t.Weight, strings.Join(g, ","), len(o))
		}
		if hitAny {
			goldHit++
		}
		if len(gold) > 0 {
			ngold++
			r := goldRank(paras, terms, gold)
			fmt.Printf("  naive rank of first gold paragraph: %d / %d\n", r, len(paras))
			if r > 0 {
				rrSum += 1 / float64(r)
			}
		}
	}
	fmt.Printf("\nEnglish questions: %d; with ≥1 term in a gold paragraph: %d\n", nq, goldHit)
	fmt.Printf("TranslateIn terms: %d; in gold: %d, only elsewhere: %d, nowhere: %d\n", tot, inGold, elsewhere, absent)
	fmt.Printf("naive MRR over questions with gold: %.3f\n", rrSum/float64(max(1, ngold)))
	return nil
}

func countKnown(ts []glossary.Term, known func(string) bool) int {
	n := 0
	for _, t := range ts {
		if known(t.Zh) {
			n++
		}
	}
	return n
}

// goldRank scores every paragraph by Σ weight·idf of the terms it contains
// and returns the 1-based rank of the best gold paragraph (0: none scored).
func goldRank(paras []para, terms []glossary.Term, gold map[string]bool) int {
	type sc struct {
		label string
		s     float64
	}
	df := map[string]int{}
	for _, t := range terms {
		for _, p := range paras {
			if strings.Contains(p.text, t.Zh) {
				df[t.Zh]++
			}
		}
	}
	var ss []sc
	for _, p := range paras {
		s := 0.0
		for _, t := range terms {
			if strings.Contains(p.text, t.Zh) {
				s += t.Weight * math.Log(float64(len(paras))/float64(df[t.Zh]))
			}
		}
		ss = append(ss, sc{p.label, s})
	}
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].s > ss[j].s })
	for i, x := range ss {
		if gold[x.label] {
			if x.s == 0 {
				return 0
			}
			return i + 1
		}
	}
	return 0
}
