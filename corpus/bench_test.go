package corpus

import "testing"

func BenchmarkParseDefault(b *testing.B) {
	data := DeclarationText()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("bench", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCleanSeedPage(b *testing.B) {
	data := readFile(b, "testdata/seed_page.txt")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		Clean(data)
	}
}

func BenchmarkResolve(b *testing.B) {
	d := Default()
	for b.Loop() {
		if _, err := d.Resolve("三（四）2"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFindRef(b *testing.B) {
	for b.Loop() {
		FindRef("宣言第三部分第六节主要讲什么?")
	}
}
