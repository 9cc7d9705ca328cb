package glossary

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/citebot/citebot/glossary/internal/textnorm"
)

func zhs(ts []Term) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Zh
	}
	return out
}

func froms(ts []Term) []string {
	var out []string
	for _, t := range ts {
		if !slices.Contains(out, t.From) {
			out = append(out, t.From)
		}
	}
	return out
}

func TestDefaultLoads(t *testing.T) {
	g := Default()
	if g.Len() < 50000 {
		t.Fatalf("embedded glossary has %d keys, want a real dictionary (≥50000)", g.Len())
	}
	// The tables are read in place rather than parsed at start-up (see
	// internal/tables), which costs their size in the binary: 9.3 MiB
	// instead of the 2.1 MiB of the gzip'd TSV they replace there, for
	// the 0.3–0.7 s that parsing it and building its indexes took at
	// every start.
	if len(embedded) > 10<<20 {
		t.Errorf("embedded data is %d bytes, budget is 10 MiB", len(embedded))
	}
	if Default() != g {
		t.Error("Default() built a second glossary")
	}
}

// The embedded tables must be exactly what the checked-in TSV builds: the
// TSV is the generator's reviewable output, and regenerating one without
// the other would ship a dictionary nobody reviewed.
func TestEmbeddedTablesMatchTSV(t *testing.T) {
	raw, err := os.ReadFile("data/en2zh.tsv.gz")
	if err != nil {
		t.Fatal(err)
	}
	g, err := Load(raw)
	if err != nil {
		t.Fatal(err)
	}
	b, err := g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != embedded {
		t.Fatal("data/en2zh.tables is not the tables of data/en2zh.tsv.gz: run go generate")
	}
}

func TestLoadRejectsBadData(t *testing.T) {
	gz := func(s string) []byte {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.Bytes()
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"not gzip", []byte("plain text")},
		{"empty", gz("")},
		{"no candidates", gz("word\n")},
		{"bad weight", gz("word\t词 abc\n")},
		{"weight out of range", gz("word\t词 300\n")},
		{"missing weight", gz("word\t词\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Load(tt.data); err == nil {
				t.Error("Load accepted bad data")
			}
		})
	}
	g, err := Load(gz("nuclear energy\t核能 100\nnuclear\t核 60\t核子 50\nenergy\t能源 90\n"))
	if err != nil {
		t.Fatalf("Load(valid): %v", err)
	}
	if got := zhs(g.Translate("nuclear energy")); !slices.Equal(got, []string{"核能"}) {
		t.Errorf("tiny glossary: Translate = %v, want [核能]", got)
	}
}

func TestPhrasesBeatWords(t *testing.T) {
	g := Default()
	tests := []struct {
		question, phrase, wantZh string
		words                    []string // words that must not be translated on their own
	}{
		{"What about nuclear energy?", "nuclear energy", "核能", []string{"nuclear", "energy"}},
		{"cooperation with international financial institutions", "financial institutions", "金融机构", []string{"financial", "institutions"}},
		{"the United Nations Security Council", "United Nations Security Council", "联合国安全理事会", []string{"United", "Nations", "Security"}},
		{"climate change and the environment", "climate change", "气候变化", []string{"climate", "change"}},
	}
	for _, tt := range tests {
		t.Run(tt.phrase, func(t *testing.T) {
			ts := g.Translate(tt.question)
			var got []string
			for _, tm := range ts {
				if tm.From == tt.phrase {
					got = append(got, tm.Zh)
				}
				if slices.Contains(tt.words, tm.From) {
					t.Errorf("word %q translated alone (%s) although it is inside the phrase", tm.From, tm.Zh)
				}
			}
			if !slices.Contains(got, tt.wantZh) {
				t.Errorf("phrase %q → %v, want %s among them (all: %v)", tt.phrase, got, tt.wantZh, ts)
			}
		})
	}
}

func TestStemmingMatchesBaseForm(t *testing.T) {
	g := Default()
	tests := []struct{ inflected, base string }{
		{"commitments", "commitment"},
		{"countries", "country"},
		{"taxes", "tax"},
		{"financial institutions", "financial institution"},
		{"negotiated", "negotiate"},
		{"cooperating", "cooperate"},
	}
	for _, tt := range tests {
		t.Run(tt.inflected, func(t *testing.T) {
			a, b := g.Translate(tt.inflected), g.Translate(tt.base)
			if len(b) == 0 {
				t.Fatalf("base form %q has no translation", tt.base)
			}
			if len(a) == 0 || a[0].Zh != b[0].Zh {
				t.Errorf("%q → %v, %q → %v: want the same best rendering", tt.inflected, zhs(a), tt.base, zhs(b))
			}
			if a[0].From != tt.inflected {
				t.Errorf("From = %q, want the words as written %q", a[0].From, tt.inflected)
			}
		})
	}
	// -ation reaches its verb: CC-CEDICT glosses 合作 only as "to cooperate".
	if got := zhs(g.Translate("cooperation")); !slices.Contains(got, "合作") {
		t.Errorf("cooperation → %v, want 合作 among them", got)
	}
	// -ing reaches the base verb's renderings: "trafficking" alone is only in
	// narrow glosses (human trafficking), "traffic" has the verb 贩运.
	if got := zhs(g.TranslateIn("trafficking", func(zh string) bool { return zh == "贩运" })); !slices.Equal(got, []string{"贩运"}) {
		t.Errorf("trafficking restricted to {贩运} → %v", got)
	}
}

func TestStopwordsAndQuestionWordsDropped(t *testing.T) {
	g := Default()
	for _, q := range []string{
		"What does the declaration say?",
		"How is it described in the document?",
		"Which of these, and why?",
		"",
		"   ?!",
	} {
		if ts := g.Translate(q); len(ts) != 0 {
			t.Errorf("Translate(%q) = %v, want no terms for a question without content words", q, ts)
		}
	}
	ts := g.Translate("What does the declaration say about terrorism?")
	if f := froms(ts); !slices.Equal(f, []string{"terrorism"}) {
		t.Errorf("units = %v, want only [terrorism]", f)
	}
}

func TestChineseInputHasNoTerms(t *testing.T) {
	g := Default()
	for _, q := range []string{"上合组织的宗旨是什么?", "上合組織 主要機構 有哪些", "三(四)¶2"} {
		if IsEnglish(q) {
			t.Errorf("IsEnglish(%q) = true", q)
		}
		if ts := g.Translate(q); len(ts) != 0 {
			t.Errorf("Translate(%q) = %v, want none", q, ts)
		}
	}
}

func TestIsEnglish(t *testing.T) {
	tests := []struct {
		q    string
		want bool
	}{
		{"What commitments do SCO members make?", true},
		{"Why do member states worry about 宣传?", true},
		{"上合组织成员国有哪些?", false},
		{"SCO 成员国有哪些", false},
		{"", false},
		{"2021 ?", false},
		{"Qu'est-ce que l'OCS?", true},
	}
	for _, tt := range tests {
		if got := IsEnglish(tt.q); got != tt.want {
			t.Errorf("IsEnglish(%q) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestAcronyms(t *testing.T) {
	g := Default()
	tests := []struct{ q, want string }{
		{"Which SCO bodies exist?", "上合组织"},
		{"What does the UN do?", "联合国"},
		{"parties to the NPT", "不扩散核武器条约"},
		{"use of ICTs", "信息与通讯技术"},
	}
	for _, tt := range tests {
		ts := g.Translate(tt.q)
		if !slices.Contains(zhs(ts), tt.want) {
			t.Errorf("Translate(%q) = %v, want %s", tt.q, ts, tt.want)
		}
	}
	// Case matters for acronyms: "us" is a pronoun, "US" a country.
	if ts := g.Translate("tell us"); len(ts) != 0 {
		t.Errorf(`Translate("tell us") = %v, want none`, ts)
	}
}

func TestWeightsAndCaps(t *testing.T) {
	g := Default()
	qs := []string{
		"What commitments do SCO members make as parties to the Nuclear Non-Proliferation Treaty?",
		"How is innovation characterized in the declaration?",
		"Where does the declaration mention cooperating with international financial institutions?",
	}
	for _, q := range qs {
		ts := g.Translate(q)
		if len(ts) == 0 {
			t.Fatalf("Translate(%q) is empty", q)
		}
		perFrom := map[string][]float64{}
		seen := map[string]bool{}
		for _, tm := range ts {
			if tm.Weight <= 0 || tm.Weight > 1 {
				t.Errorf("%q: weight %v of %s out of (0,1]", q, tm.Weight, tm.Zh)
			}
			if seen[tm.Zh] {
				t.Errorf("%q: %s proposed twice", q, tm.Zh)
			}
			seen[tm.Zh] = true
			if !strings.Contains(strings.ToLower(q), strings.ToLower(tm.From)) {
				t.Errorf("%q: From %q is not in the question", q, tm.From)
			}
			perFrom[tm.From] = append(perFrom[tm.From], tm.Weight)
		}
		for from, ws := range perFrom {
			if len(ws) > perUnit {
				t.Errorf("%q: %d candidates for %q, cap is %d", q, len(ws), from, perUnit)
			}
			if !slices.IsSortedFunc(ws, func(a, b float64) int { return -cmpFloat(a, b) }) {
				t.Errorf("%q: candidates for %q not best-first: %v", q, from, ws)
			}
		}
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// An exact gloss ("commitment", "to worry") must outrank words that merely
// mention the English word in a longer gloss, and common 2–4 character words
// must outrank long idioms.
func TestRankingPrefersExactShortWords(t *testing.T) {
	g := Default()
	tests := []struct{ word, want string }{
		{"commitment", "承诺"},
		{"terrorism", "恐怖主义"},
		{"treaty", "条约"},
		{"drug", "毒品"},
	}
	for _, tt := range tests {
		ts := g.Translate(tt.word)
		if len(ts) == 0 {
			t.Fatalf("%s: no terms", tt.word)
		}
		if i := slices.Index(zhs(ts), tt.want); i < 0 || ts[i].Weight < ts[0].Weight-1e-9 {
			t.Errorf("%s → %v, want %s ranked first (or tied)", tt.word, ts, tt.want)
		}
		if n := utf8.RuneCountInString(ts[0].Zh); n < 2 || n > 4 {
			t.Errorf("%s: best rendering %s has %d characters, want a 2–4 character word", tt.word, ts[0].Zh, n)
		}
	}
}

func TestTranslateInKeepsOnlyKnown(t *testing.T) {
	g := Default()
	text := "成员国对宣传为恐怖主义辩护的行为表示担忧,支持核不扩散条约"
	known := func(zh string) bool { return strings.Contains(text, zh) }
	q := "Why do members worry about propaganda that justifies terrorism?"
	all := g.Translate(q)
	in := g.TranslateIn(q, known)
	if len(in) == 0 || len(in) >= len(all) {
		t.Fatalf("TranslateIn kept %d of %d terms, want fewer but some", len(in), len(all))
	}
	for _, tm := range in {
		if !known(tm.Zh) {
			t.Errorf("TranslateIn proposed %s, absent from the text", tm.Zh)
		}
	}
	// 担忧 is not worry's top rendering, but it is the one the text has.
	if !slices.Contains(zhs(in), "担忧") {
		t.Errorf("TranslateIn = %v, want 担忧 for worry", in)
	}
	if got := g.TranslateIn(q, nil); !slices.Equal(zhs(got), zhs(all)) {
		t.Errorf("TranslateIn(nil) = %v, want Translate's %v", got, all)
	}
}

func TestTranslateInFallsBackToBigrams(t *testing.T) {
	g := Default()
	// The text lacks the whole NPT name but has most of its bigrams.
	text := "不扩散 核武器 条约"
	known := func(zh string) bool { return strings.Contains(text, zh) }
	ts := g.TranslateIn("NPT", known)
	if len(ts) == 0 {
		t.Fatal("no bigram fallback for an unknown long term")
	}
	for _, tm := range ts {
		if utf8.RuneCountInString(tm.Zh) != 2 || !known(tm.Zh) {
			t.Errorf("fallback term %s: want a known bigram", tm.Zh)
		}
		if tm.From != "NPT" {
			t.Errorf("fallback From = %q, want NPT", tm.From)
		}
	}
	// A single shared bigram of a long word is not enough.
	if ts := g.TranslateIn("NPT", func(zh string) bool { return zh == "条约" }); len(ts) != 0 {
		t.Errorf("one known bigram of 7 gave %v, want none", ts)
	}
}

func TestConcurrentUse(t *testing.T) {
	qs := []string{
		"What commitments do SCO members make?",
		"dangers of illicit drug trafficking",
		"international financial institutions",
		"上合组织",
	}
	want := make([][]Term, len(qs))
	for i, q := range qs {
		want[i] = Default().Translate(q)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				k := (w + i) % len(qs)
				got := Default().TranslateIn(qs[k], nil)
				if !slices.Equal(got, want[k]) {
					errs <- fmt.Sprintf("%q: %v, want %v", qs[k], got, want[k])
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// Every From must be made of question words the normaliser kept.
func TestFromIsContent(t *testing.T) {
	g := Default()
	q := "How does the declaration describe the dangers of illicit drug trafficking?"
	for _, tm := range g.Translate(q) {
		for _, tok := range textnorm.Tokenize(tm.From) {
			if textnorm.Question[tok.Word] {
				t.Errorf("term %s comes from question word %q", tm.Zh, tok.Raw)
			}
		}
	}
}

func TestCompoundSplit(t *testing.T) {
	g := Default()
	tests := []struct {
		word  string
		parts []string // nil: must not be split
	}{
		{"cybercrime", []string{"cyber", "crime"}},
		{"together", nil},  // known word, never split
		{"terrorism", nil}, // confident rendering, never split
	}
	for _, tt := range tests {
		var got []string
		for _, f := range froms(g.Translate(tt.word)) {
			if f != tt.word {
				got = append(got, f)
			}
		}
		if !slices.Equal(got, tt.parts) {
			t.Errorf("%s: split units %v, want %v", tt.word, got, tt.parts)
		}
	}
	if !slices.Contains(zhs(g.Translate("cybercrime")), "犯罪") {
		t.Errorf("cybercrime → %v, want 犯罪 via crime", g.Translate("cybercrime"))
	}
}

// With a vocabulary, a phrase whose renderings the text lacks gives way to
// its words rather than swallowing them.
func TestTranslateInPhraseFallsBackToWords(t *testing.T) {
	g := Default()
	q := "corruption and organized crime"
	phrase := zhs(g.Translate(q))
	text := "打击有组织犯罪和腐败"
	known := func(zh string) bool { return strings.Contains(text, zh) }
	for _, zh := range phrase {
		if known(zh) && zh != "腐败" {
			t.Skipf("dictionary now renders the phrase with %s, which the text has", zh)
		}
	}
	got := g.TranslateIn(q, known)
	if !slices.Contains(zhs(got), "犯罪") || !slices.Contains(froms(got), "crime") {
		t.Errorf("TranslateIn(%q) = %v, want 犯罪 from crime", q, got)
	}
}

func TestNamesMapToThemselves(t *testing.T) {
	g := Default()
	tests := []struct{ name, want, not string }{
		{"Uzbekistan", "乌兹别克斯坦", "撒马尔罕"}, // Samarkand's gloss ends ", Uzbekistan"
		{"Kazakhstan", "哈萨克斯坦", "阿斯塔纳"},
		{"Moscow", "莫斯科", ""},
	}
	for _, tt := range tests {
		got := zhs(g.Translate(tt.name))
		if !slices.Contains(got, tt.want) || tt.not != "" && slices.Contains(got, tt.not) {
			t.Errorf("%s → %v, want %s and not %q", tt.name, got, tt.want, tt.not)
		}
	}
}
