package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// jiebaModule ships jieba's word-frequency dictionary (MIT). CC-CEDICT has
// no frequencies, and without them a reverse lookup cannot tell the everyday
// rendering (担忧 "worry") from a rare literary one (挂碍).
const (
	jiebaModule = "github.com/yanyiwu/gojieba@v1.4.6"
	jiebaDict   = "deps/cppjieba/dict/jieba.dict.utf8"
)

// fetchJieba downloads the module into the module cache with the ordinary go
// client and returns the dictionary's path. It runs outside any module so the
// project's go.mod is never touched.
func fetchJieba() (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", jiebaModule)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GO111MODULE=on")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", jiebaModule, err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil {
		return "", fmt.Errorf("go mod download %s: decode: %w", jiebaModule, err)
	}
	if m.Error != "" || m.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s", jiebaModule, m.Error)
	}
	return filepath.Join(m.Dir, jiebaDict), nil
}

// loadFreq reads "word freq tag" lines.
func loadFreq(path string) (map[string]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open jieba dictionary: %w", err)
	}
	defer f.Close()
	m := make(map[string]int, 400000)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		c, err := strconv.Atoi(fs[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: frequency %q: %w", path, n, fs[1], err)
		}
		m[fs[0]] = c
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(m) < 1000 {
		return nil, fmt.Errorf("%s: only %d words, not a jieba dictionary", path, len(m))
	}
	return m, nil
}

// freqFactor maps a corpus count to 0.6..1 on a log scale (10⁴ and above
// count as fully common). It only reorders renderings of the same English
// key; it must not let a common but wrong word beat an exact gloss by much,
// hence the narrow range. Renderings of phrases and acronyms are set terms
// (上合组织, 不扩散核武器条约) that a general word list often lacks, so for
// them frequency only breaks near-ties.
func freqFactor(c int, phrase bool) float64 {
	f := math.Min(1, math.Log10(float64(c)+1)/4)
	if phrase {
		return 0.9 + 0.1*f
	}
	return 0.6 + 0.4*f
}
