package analysis

import (
	"fmt"
	"slices"
	"sync"
	"testing"
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
}
