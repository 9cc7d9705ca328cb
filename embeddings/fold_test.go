package embeddings

import (
	"context"
	"fmt"
	"math"
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
		if got := Traditional(tt.in); got != tt.traditional {
			t.Errorf("Traditional(%q) = %v", tt.in, got)
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

func TestLocalEmbedder(t *testing.T) {
	corpus := []string{"設在北京的秘書處", "禁毒合作", "成員國加強農業合作", "成員國加強交通合作"}
	e := NewLocal(corpus, 256)
	vecs, err := e.Embed(context.Background(), append(corpus, "秘书处设在北京"))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vecs {
		if len(v) != 256 {
			t.Fatalf("vector %d has %d dimensions", i, len(v))
		}
		if n := norm(v); math.Abs(n-1) > 1e-5 {
			t.Errorf("vector %d norm %.6f, want 1", i, n)
		}
	}
	// The Simplified question is nearest to the Traditional paragraph it folds to.
	q := vecs[len(corpus)]
	best := -1
	var bestSim float64
	for i := range corpus {
		if s := dot(q, vecs[i]); best < 0 || s > bestSim {
			best, bestSim = i, s
		}
	}
	if best != 0 {
		t.Errorf("nearest paragraph = %d, want 0", best)
	}
	// Deterministic: the same text embeds the same way every time.
	again, _ := e.Embed(context.Background(), corpus[:1])
	if !slices.Equal(again[0], vecs[0]) {
		t.Error("embedding is not deterministic")
	}
	// Punctuation alone has no terms and embeds to the zero vector, not NaN.
	z, _ := e.Embed(context.Background(), []string{"。,"})
	for _, x := range z[0] {
		if x != 0 {
			t.Fatal("empty text embedded to a non-zero vector")
		}
	}
}

func TestLocalEmbedderCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewLocal([]string{"合作"}, 0).Embed(ctx, []string{"合作"}); err == nil {
		t.Error("Embed with a cancelled context succeeded")
	}
}

func norm(v []float32) float64 { return math.Sqrt(dot(v, v)) }

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func ExampleFold() {
	fmt.Println(Fold("上合組織（ＳＣＯ）"))
	// Output: 上合组织(sco)
}

func ExampleNewLocal() {
	e := NewLocal([]string{"設在北京的秘書處", "禁毒合作"}, 0)
	v, _ := e.Embed(context.Background(), []string{"秘书处"})
	fmt.Println(len(v[0]), e.Model())
	// Output: 1024 local-cjk-ngram-1024
}

func BenchmarkFold(b *testing.B) {
	s := "成員國強調,上合組織國際活動的優先方向是同聯合國及其專門機構在應對新挑戰和新威脅、經濟、社會、人文等領域強化聯系。"
	for b.Loop() {
		Fold(s)
	}
}
