package embeddings

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citebot/citebot/internal/oaitest"
)

// logBuffer is a concurrency-safe log sink for checking warnings.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newLog() (*slog.Logger, *logBuffer) {
	buf := &logBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// openCache starts a "process": a fresh embedder and cache over dir.
func openCache(t testing.TB, dir string, s *oaitest.Server, log *slog.Logger) *Cache {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, err := NewCache(dir, newTestOpenAI(t, s, 4, 5*time.Second, log), log)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func checkVecs(t *testing.T, got [][]float32, in []string, dim int) {
	t.Helper()
	if len(got) != len(in) {
		t.Fatalf("got %d vectors for %d texts", len(got), len(in))
	}
	for i := range in {
		if !sameVec(got[i], wantVec(t, in[i], dim)) {
			t.Fatalf("vector %d (%q) is wrong", i, in[i])
		}
	}
}

func TestCacheRestartEmbedsNothing(t *testing.T) {
	dir := t.TempDir()
	s := newEmbedServer(t, 8)
	in := texts(10, "")
	first, err := openCache(t, dir, s, nil).Embed(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkVecs(t, first, in, 8)
	if n := len(s.Inputs()); n != 10 {
		t.Fatalf("first run sent %d texts, want 10", n)
	}
	before := s.Count()
	c := openCache(t, dir, s, nil)
	again, err := c.Embed(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if s.Count() != before {
		t.Errorf("restart made %d requests, want 0", s.Count()-before)
	}
	checkVecs(t, again, in, 8)
	if hits, misses := c.Stats(); hits != 10 || misses != 0 {
		t.Errorf("Stats = %d hits, %d misses; want 10, 0", hits, misses)
	}
	if c.Model() != "text-embedding-3-small" {
		t.Errorf("Model = %q", c.Model())
	}
}

func TestCacheEmbedsOnlyNewTexts(t *testing.T) {
	base := texts(10, "")
	tests := []struct {
		name     string
		next     []string
		wantSent []string
	}{
		{"same set", base, nil},
		{"reordered subset", []string{base[3], base[1]}, nil},
		{"two changed one added", append(slices.Clone(base[:8]), "改過的第8段", "改過的第9段", "新的一段"),
			[]string{"改過的第8段", "改過的第9段", "新的一段"}},
		{"duplicates sent once", []string{"新甲", base[0], "新甲", "新乙"}, []string{"新甲", "新乙"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := newEmbedServer(t, 8)
			if _, err := openCache(t, dir, s, nil).Embed(context.Background(), base); err != nil {
				t.Fatal(err)
			}
			already := len(s.Inputs())
			c := openCache(t, dir, s, nil)
			got, err := c.Embed(context.Background(), tt.next)
			if err != nil {
				t.Fatal(err)
			}
			checkVecs(t, got, tt.next, 8)
			sent := s.Inputs()[already:]
			slices.Sort(sent)
			want := slices.Clone(tt.wantSent)
			slices.Sort(want)
			if !slices.Equal(sent, want) {
				t.Errorf("sent %q, want %q", sent, want)
			}
			if _, misses := c.Stats(); misses != len(tt.next)-countCached(base, tt.next) {
				t.Errorf("misses = %d", misses)
			}
		})
	}
}

func countCached(cached, asked []string) int {
	n := 0
	for _, a := range asked {
		if slices.Contains(cached, a) {
			n++
		}
	}
	return n
}

func TestCacheCorruptFileIsRebuilt(t *testing.T) {
	in := texts(6, "")
	rewrite := func(f func(b []byte) []byte) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, f(b), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	resum := func(b []byte) []byte { // a self-consistent checksum over edited content
		body := b[:len(b)-sha256.Size]
		sum := sha256.Sum256(body)
		return append(body, sum[:]...)
	}
	tests := []struct {
		name    string
		corrupt func(t *testing.T, path string)
	}{
		{"half written", rewrite(func(b []byte) []byte { return b[:len(b)/2] })},
		{"last byte missing", rewrite(func(b []byte) []byte { return b[:len(b)-1] })},
		{"extra byte", rewrite(func(b []byte) []byte { return append(b, 0) })},
		{"bit flip in a vector", rewrite(func(b []byte) []byte { b[len(b)/2] ^= 0x10; return b })},
		{"empty file", rewrite(func(b []byte) []byte { return nil })},
		{"garbage", rewrite(func(b []byte) []byte { return bytes.Repeat([]byte("garbage!"), 100) })},
		{"wrong magic", rewrite(func(b []byte) []byte { copy(b, "CBEMBED0"); return resum(b) })},
		{"absurd count", rewrite(func(b []byte) []byte {
			off := len(cacheMagic) + 4 + len("text-embedding-3-small") + 4
			binary.LittleEndian.PutUint32(b[off:], 1<<31)
			return resum(b)
		})},
		{"other model's file", rewrite(func(b []byte) []byte {
			p := filepath.Join(t.TempDir(), "x.emb")
			if err := writeCacheFile(p, "text-embedding-3-large", 8, map[cacheKey][]float32{sha256.Sum256([]byte(in[0])): make([]float32, 8)}); err != nil {
				t.Fatal(err)
			}
			other, _ := os.ReadFile(p)
			return other
		})},
		{"directory instead of file", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := newEmbedServer(t, 8)
			c := openCache(t, dir, s, nil)
			if _, err := c.Embed(context.Background(), in); err != nil {
				t.Fatal(err)
			}
			tt.corrupt(t, c.path)

			log, logs := newLog()
			already := len(s.Inputs())
			c2 := openCache(t, dir, s, log)
			if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "unusable") {
				t.Errorf("corruption not logged as a warning:\n%s", logs.String())
			}
			got, err := c2.Embed(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			checkVecs(t, got, in, 8)
			if n := len(s.Inputs()) - already; n != len(in) {
				t.Errorf("re-embedded %d texts, want all %d", n, len(in))
			}
			if tt.name == "directory instead of file" {
				return // the path stays unwritable; vectors were still right
			}
			before := s.Count()
			if _, err := openCache(t, dir, s, nil).Embed(context.Background(), in); err != nil || s.Count() != before {
				t.Errorf("rebuilt file not reused: err %v, %d new requests", err, s.Count()-before)
			}
		})
	}
}

func TestCacheSingleTextsStayInMemory(t *testing.T) {
	dir := t.TempDir()
	s := newEmbedServer(t, 8)
	c := openCache(t, dir, s, nil)
	q := []string{"秘書處設在哪裡?"}
	for range 2 {
		got, err := c.Embed(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		checkVecs(t, got, q, 8)
	}
	if s.Count() != 1 {
		t.Errorf("requests = %d, want 1 (second call from memory)", s.Count())
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("a question reached the disk: %v", files)
	}
	if _, err := openCache(t, dir, s, nil).Embed(context.Background(), q); err != nil || s.Count() != 2 {
		t.Errorf("after restart: err %v, requests %d; want the question embedded again", err, s.Count())
	}
	// The memory tier is bounded.
	for i := range memEntries + 10 {
		if _, err := c.Embed(context.Background(), []string{fmt.Sprint("q", i)}); err != nil {
			t.Fatal(err)
		}
	}
	c.mu.Lock()
	n, ring := len(c.mem), len(c.memRing)
	c.mu.Unlock()
	if n != memEntries || ring != memEntries {
		t.Errorf("memory tier holds %d (ring %d), want %d", n, ring, memEntries)
	}
}

func TestCacheConcurrent(t *testing.T) {
	dir := t.TempDir()
	s := newEmbedServer(t, 8)
	c := openCache(t, dir, s, nil)
	all := texts(24, "")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Go(func() {
			in := all[g%8 : g%8+8+g%5]
			if g%4 == 0 {
				in = in[:1]
			}
			got, err := c.Embed(context.Background(), in)
			if err != nil {
				errs <- err
				return
			}
			for i := range in {
				if !sameVec(got[i], wantVec(t, in[i], 8)) {
					errs <- fmt.Errorf("goroutine %d: vector %d wrong", g, i)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Each distinct text reached the server at most once.
	sent := s.Inputs()
	seen := map[string]bool{}
	for _, x := range sent {
		if seen[x] {
			t.Errorf("%q embedded twice", x)
		}
		seen[x] = true
	}
}

func TestCacheFilePerModel(t *testing.T) {
	dir := t.TempDir()
	names := []string{"BAAI/bge-m3", "BAAI_bge-m3", "../../escape", "text-embedding-3-small", strings.Repeat("長", 100)}
	seen := map[string]string{}
	for _, m := range names {
		f := cacheFileName(m)
		if strings.ContainsAny(f, `/\`) || strings.HasPrefix(f, ".") || len(f) > 100 {
			t.Errorf("unsafe file name %q for model %q", f, m)
		}
		if other, ok := seen[f]; ok {
			t.Errorf("models %q and %q share file %q", m, other, f)
		}
		seen[f] = m
		c, err := NewCache(dir, fixedEmbedder{model: m}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Embed(context.Background(), []string{"a", "b"}); err != nil {
			t.Fatal(err)
		}
		if filepath.Dir(c.path) != dir {
			t.Errorf("cache for %q escapes the dir: %s", m, c.path)
		}
	}
	files, _ := os.ReadDir(dir)
	if len(files) != len(names) {
		t.Errorf("%d files for %d models", len(files), len(names))
	}
}

func TestCacheDimensionChangeDiscardsOldVectors(t *testing.T) {
	dir := t.TempDir()
	s := newEmbedServer(t, 8)
	in := texts(5, "")
	if _, err := openCache(t, dir, s, nil).Embed(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	s.SetVectors(rawVectors(16)) // the server now runs another model under the same name
	log, logs := newLog()
	c := openCache(t, dir, s, log)
	next := append(slices.Clone(in), "新的一段")
	got, err := c.Embed(context.Background(), next)
	if err != nil {
		t.Fatal(err)
	}
	checkVecs(t, got, next, 16)
	if !strings.Contains(logs.String(), "dimension changed") {
		t.Errorf("dimension change not logged:\n%s", logs.String())
	}
	before := s.Count()
	got, err = openCache(t, dir, s, nil).Embed(context.Background(), next)
	if err != nil || s.Count() != before {
		t.Fatalf("rewritten cache not reused: err %v, %d requests", err, s.Count()-before)
	}
	checkVecs(t, got, next, 16)
}

// fixedEmbedder returns n vectors of its own choosing, for faults the HTTP client already rejects.
type fixedEmbedder struct {
	model string
	vecs  [][]float32 // nil: one [1,0] per text
}

func (f fixedEmbedder) Model() string { return f.model }

func (f fixedEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	if f.vecs != nil {
		return f.vecs, nil
	}
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = []float32{1, 0}
	}
	return out, nil
}

func TestCacheRejectsMisalignedEmbedder(t *testing.T) {
	tests := []struct {
		name string
		vecs [][]float32
	}{
		{"too few", [][]float32{{1, 0}}},
		{"too many", [][]float32{{1, 0}, {0, 1}, {1, 1}}},
		{"ragged", [][]float32{{1, 0}, {0, 1, 0}}},
		{"empty vector", [][]float32{{}, {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			c, err := NewCache(dir, fixedEmbedder{model: "m", vecs: tt.vecs}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := c.Embed(context.Background(), []string{"a", "b"}); err == nil {
				t.Fatalf("got %v; want an error", got)
			}
			if files, _ := os.ReadDir(dir); len(files) != 0 {
				t.Errorf("bad vectors were written: %v", files)
			}
		})
	}
}

func TestCacheReturnsCopies(t *testing.T) {
	s := newEmbedServer(t, 8)
	c := openCache(t, t.TempDir(), s, nil)
	in := []string{"甲", "乙"}
	got, err := c.Embed(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	got[0][0] = 42
	again, _ := c.Embed(context.Background(), in)
	checkVecs(t, again, in, 8)
}

func TestCacheLeavesNoTempFiles(t *testing.T) {
	dir := t.TempDir()
	s := newEmbedServer(t, 8)
	c := openCache(t, dir, s, nil)
	stale := c.path + ".tmp-123"
	if err := os.WriteFile(stale, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	c = openCache(t, dir, s, nil) // a restart after a crash mid-write
	for i := range 3 {
		if _, err := c.Embed(context.Background(), texts(3, fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 1 || files[0].Name() != filepath.Base(c.path) {
		t.Errorf("dir holds %v, want only %s", files, filepath.Base(c.path))
	}
}

func TestCacheEmbedErrorPassesThrough(t *testing.T) {
	s := newEmbedServer(t, 8)
	s.Close() // nothing listens any more
	dir := t.TempDir()
	c := openCache(t, dir, s, nil)
	if _, err := c.Embed(context.Background(), []string{"a", "b"}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v; want ErrUnavailable", err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("files written after a failure: %v", files)
	}
}

func ExampleCache() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Input []string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		var data []string
		for i := range req.Input {
			data = append(data, fmt.Sprintf(`{"index":%d,"embedding":[1,%d]}`, i, i))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"data":[%s]}`, strings.Join(data, ","))
	}))
	defer srv.Close()
	dir, _ := os.MkdirTemp("", "cache-example")
	defer os.RemoveAll(dir)

	remote, _ := NewOpenAI(OpenAIConfig{BaseURL: srv.URL + "/v1", Model: "bge-m3"})
	paragraphs := []string{"序言第一段", "一、第一段", "一、第二段"}
	for run := 1; run <= 2; run++ { // the second run stands for a restart
		cache, err := NewCache(dir, remote, nil)
		if err != nil {
			panic(err)
		}
		if _, err := cache.Embed(context.Background(), paragraphs); err != nil {
			panic(err)
		}
		hits, misses := cache.Stats()
		fmt.Printf("run %d: %d hits, %d misses\n", run, hits, misses)
	}
	// Output:
	// run 1: 0 hits, 3 misses
	// run 2: 3 hits, 0 misses
}

func BenchmarkCacheHits(b *testing.B) {
	s := newEmbedServer(b, 1024)
	c, err := NewCache(b.TempDir(), newTestOpenAI(b, s, 64, 5*time.Second, nil), nil)
	if err != nil {
		b.Fatal(err)
	}
	in := texts(200, "")
	if _, err := c.Embed(context.Background(), in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Embed(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCacheLoad(b *testing.B) {
	s := newEmbedServer(b, 1024)
	dir := b.TempDir()
	e := newTestOpenAI(b, s, 64, 5*time.Second, nil)
	c, err := NewCache(dir, e, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Embed(context.Background(), texts(300, "")); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewCache(dir, e, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCacheWaiterHonoursContext(t *testing.T) {
	release := make(chan struct{})
	// The first, slow embedding holds the cache's fill lock until released.
	s := newEmbedServer(t, 8, oaitest.EmbedReplies(oaitest.OK().After(release), oaitest.OK()))
	c := openCache(t, t.TempDir(), s, nil)
	done := make(chan error, 1)
	go func() {
		_, err := c.Embed(context.Background(), []string{"甲", "乙"})
		done <- err
	}()
	s.Await(1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Embed(ctx, []string{"丙"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting caller: err = %v; want its deadline", err)
	}
	if s.Count() != 1 {
		t.Errorf("requests = %d; the waiting caller must not reach the server", s.Count())
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
