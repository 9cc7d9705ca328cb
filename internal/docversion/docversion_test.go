package docversion

import (
	"testing"

	"github.com/citebot/citebot/corpus"
)

func TestOf(t *testing.T) {
	a := corpus.Default()
	v := Of(a)
	if len(v) != 12 {
		t.Fatalf("version %q, want 12 hex digits", v)
	}
	if Of(a) != v {
		t.Error("the same document gave two versions")
	}
	b, err := corpus.ParseFiles([]corpus.File{{Name: "a.txt", Data: []byte("1. One\n\nFirst.\n\n2. Two\n\nSecond.\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if Of(b) == v {
		t.Error("two documents share a version")
	}
	retitled := *b
	retitled.Title = "Another title"
	if Of(&retitled) != Of(b) {
		t.Error("a new title changed the version")
	}
	if Of(nil) != "" {
		t.Error("Of(nil) is not empty")
	}
}
