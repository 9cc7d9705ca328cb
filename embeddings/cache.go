package embeddings

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/citebot/citebot/internal/atomicfile"
)

// Embedder turns texts into vectors, one per text, in order.
type Embedder interface {
	// Embed returns one vector per text, in order.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// Model names the model, which keys the cache.
	Model() string
}

// Cache file layout (little endian), version 1:
//
//	magic "CBEMBED1" | model length uint32 | model | dim uint32 | count uint32 |
//	count × (sha256 of text [32]byte | dim × float32) | sha256 of all the above
//
// The trailing checksum catches a truncated or bit-flipped file; the
// declared sizes must match the file length exactly before anything is read.
const (
	cacheMagic = "CBEMBED1"
	keySize    = sha256.Size
	// memEntries bounds the in-memory tier for single-text calls (queries).
	memEntries = 1024
	// maxCacheFile refuses to read a file that cannot be a sane cache.
	maxCacheFile = 1 << 31
)

type cacheKey [keySize]byte

// Cache wraps an embedder with a persistent cache in dir keyed by model and
// paragraph content: one file per model, entries keyed by the sha256 of the
// text. It is safe for concurrent use.
//
// Calls with several texts (indexing a document) are written to disk at
// once, atomically. Calls with a single text — how retrieval embeds a
// question — are cached in memory only, in a bounded tier: user questions
// never reach the disk, and the file stays the size of the corpora rather
// than growing and being rewritten with every question.
type Cache struct {
	next Embedder
	path string
	log  *slog.Logger

	// fill serialises embedding of misses and file writes, so two callers
	// never embed the same text twice; a channel lets a waiter give up when
	// its context ends.
	fill chan struct{}

	mu      sync.Mutex // guards everything below
	dim     int
	disk    map[cacheKey][]float32
	mem     map[cacheKey][]float32
	memRing []cacheKey // insertion order of mem, for eviction
	hits    int
	misses  int
}

// NewCache opens (or creates) the cache for next's model in dir. A missing
// file starts an empty cache; a corrupt or unreadable one is logged, ignored
// and replaced on the next write.
func NewCache(dir string, next Embedder, logger *slog.Logger) (*Cache, error) {
	if next == nil {
		return nil, errors.New("embeddings: cache: nil embedder")
	}
	if logger == nil {
		logger = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("embeddings: cache: %w", err)
	}
	model := next.Model()
	c := &Cache{
		next: next,
		path: filepath.Join(dir, cacheFileName(model)),
		log:  logger.With("component", "embeddings-cache", "model", model),
		disk: map[cacheKey][]float32{},
		mem:  map[cacheKey][]float32{},
		fill: make(chan struct{}, 1),
	}
	// Temp files of an interrupted write are never valid; clear them.
	if stale, _ := filepath.Glob(atomicfile.TempPattern(c.path)); len(stale) > 0 {
		for _, p := range stale {
			_ = os.Remove(p)
		}
	}
	dim, entries, err := readCacheFile(c.path, model)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		c.log.Warn("cache file unusable; rebuilding it", "path", c.path, "err", err)
	default:
		c.dim, c.disk = dim, entries
		c.log.Debug("cache loaded", "path", c.path, "entries", len(entries), "dim", dim)
	}
	return c, nil
}

// cacheFileName makes a file name from a model name: the readable part is
// sanitised, and a hash of the exact name keeps "a/b" and "a_b" apart.
func cacheFileName(model string) string {
	var b strings.Builder
	for _, r := range model {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 64 {
			break
		}
	}
	name := strings.TrimLeft(b.String(), ".") // no hidden files, no ".."
	sum := sha256.Sum256([]byte(model))
	return name + "-" + hex.EncodeToString(sum[:6]) + ".emb"
}

// Model returns the wrapped embedder's model name.
func (c *Cache) Model() string { return c.next.Model() }

// Stats returns how many texts were served from the cache and how many had to be embedded.
func (c *Cache) Stats() (hits, misses int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

// Embed returns one vector per text, asking the wrapped embedder only for
// texts not cached yet. The returned slices are the caller's to keep.
func (c *Cache) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return [][]float32{}, nil
	}
	keys := make([]cacheKey, len(texts))
	for i, t := range texts {
		keys[i] = sha256.Sum256([]byte(t))
	}
	out := make([][]float32, len(texts))
	c.mu.Lock()
	missing := c.lookup(keys, out)
	c.hits += len(texts) - missing
	c.misses += missing
	c.mu.Unlock()
	if missing == 0 {
		return out, nil
	}

	select {
	case c.fill <- struct{}{}:
		defer func() { <-c.fill }()
	case <-ctx.Done():
		return nil, fmt.Errorf("embeddings: cache: waiting for another embedding: %w", ctx.Err())
	}
	// Another call may have filled some while this one waited.
	c.mu.Lock()
	c.lookup(keys, out)
	c.mu.Unlock()
	var todo []string
	var todoKeys []cacheKey
	seen := map[cacheKey]bool{}
	for i, v := range out {
		if v == nil && !seen[keys[i]] {
			seen[keys[i]] = true
			todo = append(todo, texts[i])
			todoKeys = append(todoKeys, keys[i])
		}
	}
	if len(todo) == 0 {
		return out, nil
	}
	vecs, err := c.embed(ctx, todo)
	if err != nil {
		return nil, err
	}

	c.mu.Lock()
	if dim := len(vecs[0]); c.dim != 0 && dim != c.dim {
		// The server's model changed behind the same name: every cached
		// vector is from another space. Start over rather than mix them.
		c.log.Warn("model dimension changed; discarding the cache", "old", c.dim, "new", dim)
		c.disk, c.mem, c.memRing = map[cacheKey][]float32{}, map[cacheKey][]float32{}, nil
		c.dim = dim
		c.mu.Unlock()
		clear(out)
		return c.refill(ctx, texts, keys, out)
	}
	c.dim = len(vecs[0])
	persist := len(texts) > 1
	for i, k := range todoKeys {
		c.store(k, vecs[i], persist)
	}
	c.lookup(keys, out)
	var snapshot map[cacheKey][]float32
	if persist {
		snapshot = copyEntries(c.disk)
	}
	dim := c.dim
	c.mu.Unlock()

	if persist {
		if err := writeCacheFile(c.path, c.next.Model(), dim, snapshot); err != nil {
			// The vectors are right; only the next start will be slower.
			c.log.Warn("cannot write cache file", "path", c.path, "err", err)
		}
	}
	return out, nil
}

// refill embeds every text of a call after the cache was discarded; fill is held.
func (c *Cache) refill(ctx context.Context, texts []string, keys []cacheKey, out [][]float32) ([][]float32, error) {
	vecs, err := c.embed(ctx, texts)
	if err != nil {
		return nil, err
	}
	persist := len(texts) > 1
	c.mu.Lock()
	dim := c.dim
	if len(vecs[0]) != dim {
		c.mu.Unlock()
		return nil, fmt.Errorf("%w: embedder changed dimension again (%d, then %d)", ErrBadResponse, dim, len(vecs[0]))
	}
	for i, k := range keys {
		c.store(k, vecs[i], persist)
	}
	c.lookup(keys, out)
	snapshot := copyEntries(c.disk)
	c.mu.Unlock()
	// Always rewrite: the file on disk still holds vectors of the old dimension.
	if err := writeCacheFile(c.path, c.next.Model(), dim, snapshot); err != nil {
		c.log.Warn("cannot write cache file", "path", c.path, "err", err)
	}
	return out, nil
}

// copyEntries copies the map for writing outside the lock; the vectors
// themselves are never mutated once stored, so they are shared.
func copyEntries(m map[cacheKey][]float32) map[cacheKey][]float32 {
	cp := make(map[cacheKey][]float32, len(m))
	for k, v := range m {
		cp[k] = v
	}
	return cp
}

// embed asks the wrapped embedder and checks what comes back, so that a
// faulty embedder cannot put misaligned vectors in the cache.
func (c *Cache) embed(ctx context.Context, texts []string) ([][]float32, error) {
	vecs, err := c.next.Embed(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("embeddings: cache: %w", err)
	}
	if len(vecs) != len(texts) {
		return nil, fmt.Errorf("%w: embedder returned %d vectors for %d texts", ErrBadResponse, len(vecs), len(texts))
	}
	dim := len(vecs[0])
	for i, v := range vecs {
		if len(v) == 0 || len(v) != dim {
			return nil, fmt.Errorf("%w: vector %d has dimension %d, want %d", ErrBadResponse, i, len(v), dim)
		}
	}
	cp := make([][]float32, len(vecs))
	for i, v := range vecs {
		cp[i] = append([]float32(nil), v...)
	}
	return cp, nil
}

// lookup fills out[i] with a copy of the cached vector for keys[i] where
// out[i] is nil, and returns how many stay nil. c.mu is held.
func (c *Cache) lookup(keys []cacheKey, out [][]float32) int {
	missing := 0
	for i, k := range keys {
		if out[i] != nil {
			continue
		}
		v, ok := c.disk[k]
		if !ok {
			v, ok = c.mem[k]
		}
		if ok {
			out[i] = append([]float32(nil), v...)
		} else {
			missing++
		}
	}
	return missing
}

// store records a vector on disk or in the bounded memory tier. c.mu is held.
func (c *Cache) store(k cacheKey, v []float32, persist bool) {
	if persist {
		c.disk[k] = v
		delete(c.mem, k)
		return
	}
	if _, ok := c.disk[k]; ok {
		return
	}
	if _, ok := c.mem[k]; !ok {
		if len(c.memRing) >= memEntries {
			delete(c.mem, c.memRing[0])
			c.memRing = c.memRing[1:]
		}
		c.memRing = append(c.memRing, k)
	}
	c.mem[k] = v
}

// writeCacheFile replaces path atomically: write a temp file in the same
// directory, fsync it, rename it over path, fsync the directory. A crash
// leaves either the old file or the new one, never a mix.
func writeCacheFile(path, model string, dim int, entries map[cacheKey][]float32) error {
	var buf bytes.Buffer
	buf.Grow(len(cacheMagic) + 12 + len(model) + len(entries)*(keySize+4*dim) + sha256.Size)
	buf.WriteString(cacheMagic)
	le := binary.LittleEndian
	buf.Write(le.AppendUint32(nil, uint32(len(model))))
	buf.WriteString(model)
	buf.Write(le.AppendUint32(nil, uint32(dim)))
	buf.Write(le.AppendUint32(nil, uint32(len(entries))))
	var f4 [4]byte
	for k, v := range entries {
		buf.Write(k[:])
		for _, x := range v {
			le.PutUint32(f4[:], math.Float32bits(x))
			buf.Write(f4[:])
		}
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])

	return atomicfile.Write(path, buf.Bytes())
}

// readCacheFile loads and verifies a cache file written for model.
func readCacheFile(path, model string) (int, map[cacheKey][]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, nil, err
	}
	if st.Size() > maxCacheFile {
		return 0, nil, fmt.Errorf("file of %d bytes is too large", st.Size())
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return 0, nil, err
	}
	if len(data) < len(cacheMagic)+12+sha256.Size {
		return 0, nil, fmt.Errorf("file of %d bytes is too short", len(data))
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return 0, nil, errors.New("checksum mismatch (truncated or corrupt)")
	}
	if string(body[:len(cacheMagic)]) != cacheMagic {
		return 0, nil, errors.New("not a cache file of this version")
	}
	le := binary.LittleEndian
	p := body[len(cacheMagic):]
	mlen := int(le.Uint32(p))
	p = p[4:]
	if mlen > len(p)-8 {
		return 0, nil, errors.New("bad header")
	}
	if got := string(p[:mlen]); got != model {
		return 0, nil, fmt.Errorf("file is for model %q", got)
	}
	p = p[mlen:]
	dim, count := int(le.Uint32(p)), int(le.Uint32(p[4:]))
	p = p[8:]
	rec := keySize + 4*dim
	if (count > 0 && dim == 0) || int64(count)*int64(rec) != int64(len(p)) {
		return 0, nil, fmt.Errorf("header says %d entries of dimension %d, file holds %d bytes", count, dim, len(p))
	}
	entries := make(map[cacheKey][]float32, count)
	for range count {
		var k cacheKey
		copy(k[:], p[:keySize])
		v := make([]float32, dim)
		for j := range v {
			v[j] = math.Float32frombits(le.Uint32(p[keySize+4*j:]))
		}
		entries[k] = v
		p = p[rec:]
	}
	return dim, entries, nil
}
