// Command devcheck is a sanity check of the glossary on the English dev
// questions: for each it prints the Chinese terms proposed (with and without
// the corpus-vocabulary filter) and where in the declaration they occur — in
// a gold paragraph, elsewhere, or nowhere — plus the rank a naive
// term-weight × idf scorer gives the gold paragraph. It is a measuring
// instrument, not a tuning loop: the glossary must not learn these questions.
//
//	go run ./glossary/internal/devcheck [-dev FILE] [-doc FILE] [question…]
//
// With questions as arguments it only prints their terms and where they occur.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/longbridgeapp/opencc"

	"github.com/citebot/citebot/glossary"
)

type question struct {
	ID       string   `json:"id"`
	Lang     string   `json:"lang"`
	Kind     string   `json:"kind"`
	Question string   `json:"question"`
	Gold     []string `json:"gold"`
}

type para struct{ label, text string }

func main() {
	dev := flag.String("dev", "retrieval/testdata/dev.jsonl", "dev questions (JSON lines)")
	doc := flag.String("doc", "corpus/declaration.txt", "declaration text")
	flag.Parse()
	if err := run(*dev, *doc, flag.Args()); err != nil {
		log.Fatalf("devcheck: %v", err)
	}
}

func run(devPath, docPath string, adhoc []string) error {
	raw, err := os.ReadFile(docPath)
	if err != nil {
		return fmt.Errorf("read declaration: %w", err)
	}
	cc, err := opencc.New("t2s")
	if err != nil {
		return fmt.Errorf("opencc t2s: %w", err)
	}
	simp, err := cc.Convert(string(raw))
	if err != nil {
		return fmt.Errorf("fold to simplified: %w", err)
	}
	paras := split(simp)
	if len(paras) < 100 {
		return fmt.Errorf("only %d paragraphs found in %s", len(paras), docPath)
	}
	var all strings.Builder
	for _, p := range paras {
		all.WriteString(p.text)
		all.WriteByte('\n')
	}
	body := all.String()
	known := func(zh string) bool { return strings.Contains(body, zh) }

	qs, err := readDev(devPath)
	if err != nil {
		return err
	}
	if len(adhoc) > 0 {
		qs = qs[:0]
		for i, q := range adhoc {
			qs = append(qs, question{ID: fmt.Sprintf("arg-%d", i+1), Kind: "adhoc", Question: q})
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

var (
	partRe = regexp.MustCompile(`^([一二三四五六七八九十]+)、`)
	subRe  = regexp.MustCompile(`^[(（]([一二三四五六七八九十]+)[)）]`)
)

// split labels the declaration's body paragraphs the way the gold labels
// do (序言¶n, 三¶n, 三(四)¶n). It is a small stand-in for the corpus package
// so this tool does not depend on another package's work in progress.
func split(doc string) []para {
	lines := strings.Split(doc, "\n")
	start := -1
	for i, l := range lines {
		if strings.Contains(l, "值此上海合作组织") {
			start = i
			break
		}
	}
	if start < 0 {
		return nil
	}
	var out []para
	key, n := "序言", 0
	part := ""
	for _, l := range lines[start:] {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "[责任编辑") {
			break
		}
		if m := partRe.FindStringSubmatch(l); m != nil {
			part, key, n = m[1], m[1], 0
			continue
		}
		if m := subRe.FindStringSubmatch(l); m != nil && part != "" {
			key, n = part+"("+m[1]+")", 0
			continue
		}
		n++
		out = append(out, para{fmt.Sprintf("%s¶%d", key, n), l})
	}
	return out
}

func readDev(path string) ([]question, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open dev set: %w", err)
	}
	defer f.Close()
	var qs []question
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var q question
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		qs = append(qs, q)
	}
	return qs, sc.Err()
}
