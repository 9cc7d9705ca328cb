package analysis

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/width"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"上合組織秘書處", "上合组织秘书处"},
		{"上合组织秘书处", "上合组织秘书处"},
		{"ＳＣＯ（上合）１２３", "sco(上合)123"},
		{"Nuclear Non-Proliferation", "nuclear non-proliferation"},
		{"", ""},
		{"禁毒合作", "禁毒合作"},
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

var (
	t2sOnce sync.Once
	t2s     *opencc.OpenCC
)

// converter is opencc's t2s converter, which t2sTable was generated from.
func converter() (*opencc.OpenCC, error) {
	var err error
	t2sOnce.Do(func() { t2s, err = opencc.New("t2s") })
	if t2s == nil && err == nil {
		err = errors.New("no converter")
	}
	return t2s, err
}

// TestT2STableIsOpenCC checks the generated table against opencc for every
// Chinese character: Fold must fold each exactly as opencc converts it
// alone.
func TestT2STableIsOpenCC(t *testing.T) {
	cc, err := converter()
	if err != nil {
		t.Fatal(err)
	}
	check := func(r rune) {
		want := string(r)
		if c, err := cc.Convert(want); err == nil && c != "" {
			want = c
		}
		if got := Fold(string(r)); got != want {
			t.Errorf("Fold(%q) = %q, opencc t2s %q: run go generate ./analysis", string(r), got, want)
		}
	}
	for _, rg := range unicode.Han.R16 {
		for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
			check(r)
		}
	}
	for _, rg := range unicode.Han.R32 {
		for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
			check(r)
		}
	}
}

// foldReference is Fold as it was written first: width.Fold over the whole
// string, then opencc per Chinese character and lower case.
func foldReference(s string) string {
	s = width.Fold.String(s)
	var sb strings.Builder
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			out := string(r)
			if cc, err := converter(); err == nil {
				if c, err := cc.Convert(out); err == nil && c != "" {
					out = c
				}
			}
			sb.WriteString(out)
			continue
		}
		sb.WriteRune(unicode.ToLower(r))
	}
	return sb.String()
}

// Fold folds width, script and case character by character, with its
// tables; it must agree with the plain definition on every character and
// on text mixing them (twice, the second time from the tables).
func TestFoldIsReference(t *testing.T) {
	var all strings.Builder
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		if r < 0x3000 && r > 0x2000 || r >= 0x3000 && r < 0xA000 || r >= 0xF900 && r < 0x10000 || r >= 0x20000 && r < 0x20400 || r < 0x600 {
			all.WriteRune(r)
		}
	}
	texts := []string{all.String(), "ＳＣＯ（上合）１２３ 組織 ｶﾀｶﾅ \xff\xfe Ǆǅ İ", "a\u3000b"}
	for range 2 {
		for _, s := range texts {
			if got, want := Fold(s), foldReference(s); got != want {
				gr, wr := []rune(got), []rune(want)
				for i := range min(len(gr), len(wr)) {
					if gr[i] != wr[i] {
						t.Fatalf("Fold differs at rune %d: %q, want %q", i, string(gr[i]), string(wr[i]))
					}
				}
				t.Fatalf("Fold differs in length: %d runes, want %d", len(gr), len(wr))
			}
		}
	}
}

func TestFoldConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if got := Fold("聯合國毒品和犯罪問題辦公室"); got != "联合国毒品和犯罪问题办公室" {
					t.Errorf("Fold = %q", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestScripts(t *testing.T) {
	tests := []struct {
		in                 string
		traditional, latin bool
	}{
		{"上合組織秘書處設在哪裡？", true, false},
		{"上合组织秘书处设在哪里？", false, false},
		{"Where is the SCO secretariat?", false, true},
		{"SCO 秘书处 where", false, true},
		{"SCO 秘书处在哪里", false, false},
	}
	for _, tt := range tests {
		if got := IsTraditional(tt.in); got != tt.traditional {
			t.Errorf("IsTraditional(%q) = %v", tt.in, got)
		}
		if got := MostlyLatin(tt.in); got != tt.latin {
			t.Errorf("MostlyLatin(%q) = %v", tt.in, got)
		}
	}
}

func TestTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"禁毒合作", []string{"禁", "毒", "禁毒", "合", "毒合", "作", "合作"}},
		{"上合,成员", []string{"上", "合", "上合", "成", "员", "成员"}},
		{"npt 2021年", []string{"npt", "2021", "年"}},
		{"", []string{}},
		{"!!", []string{}},
	}
	for _, tt := range tests {
		if got := Terms(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Terms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEachTermIsTerms(t *testing.T) {
	for _, s := range []string{"禁毒合作", "上合,成员", "npt 2021年 licensed", "", "!!", "上海合作組織 the covid19 秘書處", "a\ufffd合\xff作"} {
		var got []string
		EachTerm(Fold(s), func(term string) { got = append(got, term) })
		if want := Terms(Fold(s)); !slices.Equal(got, want) {
			t.Errorf("EachTerm(%q) = %q, Terms %q", s, got, want)
		}
	}
}

func ExampleFold() {
	fmt.Println(Fold("上合組織（ＳＣＯ）"))
	// Output: 上合组织(sco)
}

func BenchmarkFold(b *testing.B) {
	s := "成員國強調,上合組織國際活動的優先方向是同聯合國及其專門機構在應對新挑戰和新威脅、經濟、社會、人文等領域強化聯系。"
	for b.Loop() {
		Fold(s)
	}
}

func TestScript(t *testing.T) {
	tests := []struct {
		in   string
		l    Language
		want string
	}{
		{"上海合作組織宣言", Simplified, "上海合作组织宣言"},
		{"上海合作组织宣言", Traditional, "上海合作組織宣言"},
		{"上海合作組織宣言", Traditional, "上海合作組織宣言"},
		{"Apache License 2.0", Simplified, "Apache License 2.0"},
		{"上海合作組織", English, "上海合作組織"},
	}
	for _, tt := range tests {
		if got := Script(tt.in, tt.l); got != tt.want {
			t.Errorf("Script(%q, %s) = %q, want %q", tt.in, tt.l, got, tt.want)
		}
	}
	for in, want := range map[string]bool{"合作": true, "三(四)": true, "组织": false, "組織": false, "Apache": false, "": false} {
		if got := BothScripts(in); got != want {
			t.Errorf("BothScripts(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestChineseStopWords(t *testing.T) {
	if !slices.IsSorted(zhStopWords) {
		t.Fatal("zhStopWords is not sorted: IsChineseStopWord's binary search needs it")
	}
	for i, w := range zhStopWords {
		if Fold(w) != w {
			t.Errorf("stop word %q is not folded (%q)", w, Fold(w))
		}
		if i > 0 && zhStopWords[i-1] == w {
			t.Errorf("stop word %q is listed twice", w)
		}
	}
	tests := []struct {
		word string
		want bool
	}{
		{"或者", true}, {"那么", true}, {"因为", true}, {"自己", true}, {"吗", true},
		{"代码", false}, {"漏洞", false}, {"许可", false}, {"禁烟", false}, {"", false},
	}
	for _, tt := range tests {
		if got := IsChineseStopWord(tt.word); got != tt.want {
			t.Errorf("IsChineseStopWord(%q) = %v, want %v", tt.word, got, tt.want)
		}
	}
}
