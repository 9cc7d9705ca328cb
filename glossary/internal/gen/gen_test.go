package main

import (
	"bufio"
	"bytes"
	"slices"
	"strings"
	"testing"
)

const sample = `export default {"all":[
["承諾","承诺","cheng2 nuo4",["to promise","to undertake to do something","commitment"],[],[]],
["許諾","许诺","xu3 nuo4","promise; pledge",[],[]],
["夙諾","夙诺","su4 nuo4","(literary) an old promise",[],[]],
["李","李","Li3","surname Li",[],[]],
["丟","丢","diu1","variant of 丟|丢[diu1]",[],[]],
["上合組織","上合组织","Shang4 He2 Zu3 zhi1","Shanghai Cooperation Organization (SCO)",[],[]],
["海淀區","海淀区","Hai3 dian4 Qu1","Haidian District of Beijing",[],[]],
["核能","核能","he2 neng2","nuclear energy",[],[]],
["3D打印","3D打印","san1 D da3 yin4","to 3D print",[],[]],
["聯合國","联合国","Lian2 he2 guo2","United Nations",[],[]],
["不擴散核武器條約","不扩散核武器条约","Bu4 Kuo4 san4","Treaty on the Non-Proliferation of Nuclear Weapons",[],[]],
["獨聯體","独联体","Du2 Lian2 ti3","Commonwealth of Independent States",[],[]],
["一帶一路","一带一路","Yi1 dai4 Yi1 lu4","Belt and Road Initiative",[],[]],
["撒馬爾罕","撒马尔罕","Sa1 ma3 er3 han3","Samarkand, Uzbekistan",[],[]],
["烏茲別克斯坦","乌兹别克斯坦","Wu1 zi1 bie2 ke4 si1 tan3","Uzbekistan",[],[]]
]}`

func build(t *testing.T) map[string][]string {
	t.Helper()
	entries, err := parse([]byte(sample))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	x := newIndex()
	x.freq = map[string]int{"承诺": 1887, "许诺": 200}
	for _, e := range entries {
		x.addEntry(e)
	}
	if err := x.addAcronyms(handAcronyms); err != nil {
		t.Fatalf("addAcronyms: %v", err)
	}
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	x.write(w)
	w.Flush()
	out := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		f := strings.Split(line, "\t")
		for _, c := range f[1:] {
			out[f[0]] = append(out[f[0]], strings.Fields(c)[0])
		}
	}
	return out
}

func TestIndex(t *testing.T) {
	idx := build(t)
	tests := []struct {
		key  string
		want []string // exact candidate order; nil: key must be absent
	}{
		{"promise", []string{"承诺", "许诺", "夙诺"}}, // "to promise" is the whole gloss; literary last
		{"commitment", []string{"承诺"}},
		{"nuclear energy", []string{"核能"}},
		{"^SCO", []string{"上合组织"}},
		{"^UN", []string{"联合国"}},
		{"^NPT", []string{"不扩散核武器条约"}},
		{"treaty nonproliferation nuclear weapon", []string{"不扩散核武器条约"}},
		{"uzbekistan", []string{"乌兹别克斯坦"}}, // not Samarkand: names index whole glosses only
		{"samarkand", []string{"撒马尔罕"}},
		{"li", nil},      // surname
		{"variant", nil}, // cross-reference
		{"haidian", nil}, // small place
		{"print", nil},   // non-Han headword
	}
	for _, tt := range tests {
		got := idx[tt.key]
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("key %q → %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", "export default {}", `{"all":[["a","b"]]}`, `{"all":[["a","b","c",7]]}`} {
		if _, err := parse([]byte(in)); err == nil {
			t.Errorf("parse(%q) accepted bad input", in)
		}
	}
}

func TestFreqFactorRange(t *testing.T) {
	for _, c := range []int{0, 1, 100, 10000, 1e7} {
		for _, phrase := range []bool{false, true} {
			f := freqFactor(c, phrase)
			if f < 0.6 || f > 1 {
				t.Errorf("freqFactor(%d,%v) = %v, want within [0.6,1]", c, phrase, f)
			}
		}
	}
	if freqFactor(10, false) >= freqFactor(1000, false) {
		t.Error("freqFactor does not grow with frequency")
	}
}

func TestCharGlosses(t *testing.T) {
	tests := []struct {
		sense string
		i     int
		want  []string
	}{
		{"to open; to start", 0, []string{"1.00 to open", "1.00 to start"}},
		{"to turn on (a machine)", 2, []string{"0.80 to turn on"}},
		{"(literary) to go", 0, []string{"0.60 to go"}},
		{"(archaic) a kind of vessel", 0, nil},
		{"variant of 髮[fa4]", 0, nil},
		{"CL:個|个[ge4]", 0, nil},
		{"surname Gai", 0, nil},
	}
	for _, tt := range tests {
		if got := charGlosses(tt.sense, tt.i); !slices.Equal(got, tt.want) {
			t.Errorf("charGlosses(%q, %d) = %q, want %q", tt.sense, tt.i, got, tt.want)
		}
	}
}
