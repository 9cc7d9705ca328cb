package lazyre

import (
	"slices"
	"testing"
)

func TestLazy(t *testing.T) {
	heading := New(`^(\d+)\. (\w+)`).OnlyIf(FirstByteIn("0123456789"))
	plain := New(`b+`)
	if !slices.Contains(All(), heading) || !slices.Contains(All(), plain) {
		t.Fatal("All misses an expression")
	}
	tests := []struct {
		re   *Regexp
		in   string
		want []string
	}{
		{heading, "1. Definitions", []string{"1. Definitions", "1", "Definitions"}},
		{heading, "x1. Definitions", nil}, // fails the test: not run
		{plain, "abba", []string{"bb"}},
	}
	for _, tt := range tests {
		if got := tt.re.FindStringSubmatch(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("%s on %q = %q, want %q", tt.re, tt.in, got, tt.want)
		}
	}
	if heading.re == nil || !heading.Filtered() || plain.Filtered() {
		t.Error("compiled state or Filtered wrong")
	}
	if New(`z`).re != nil {
		t.Error("compiled before first use")
	}
}

func TestTests(t *testing.T) {
	tests := []struct {
		f    func(string) bool
		in   string
		want bool
	}{
		{Prefixes("Sec", "Art"), "Section 3", true},
		{Prefixes("Sec", "Art"), "Chapter", false},
		{FirstByteIn("0123456789"), "", false},
		{FirstRuneIn("一二三"), "三、安全", true},
		{FirstRuneIn("一二三"), "四、", false},
	}
	for _, tt := range tests {
		if got := tt.f(tt.in); got != tt.want {
			t.Errorf("test on %q = %v, want %v", tt.in, got, tt.want)
		}
	}
}
