package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxCharGlosses bounds the glosses kept for one character: its commonest
// senses, which CC-CEDICT lists first.
const maxCharGlosses = 4

// writeCharacters writes the characters file: every single Simplified
// character CC-CEDICT defines, not as a name, with its first glosses in
// dictionary order, one line each, sorted:
//
//	char \t weight gloss | weight gloss …
//
// The reverse index ranks a character below the words it forms, so under
// "change" 改 loses to 改变 and 变化 and is left with no gloss at all; a
// question's lone 改 still means "to change", which is what this file says.
func writeCharacters(in, out string) error {
	entries, err := readCEDICT(in)
	if err != nil {
		return err
	}
	glosses := map[string][]string{}
	for _, e := range entries {
		if utf8.RuneCountInString(e.simp) != 1 || !allHan(e.simp) || e.pinyin == "" || unicode.IsUpper([]rune(e.pinyin)[0]) {
			continue
		}
		for i, sense := range e.senses {
			for _, g := range charGlosses(sense, i) {
				if len(glosses[e.simp]) < maxCharGlosses {
					glosses[e.simp] = append(glosses[e.simp], g)
				}
			}
		}
	}
	chars := make([]string, 0, len(glosses))
	for c, gs := range glosses {
		if len(gs) > 0 {
			chars = append(chars, c)
		}
	}
	sort.Strings(chars)
	var b bytes.Buffer
	for _, c := range chars {
		fmt.Fprintf(&b, "%s\t%s\n", c, strings.Join(glosses[c], " | "))
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}

// charGlosses turns the i-th sense of a character into weighted glosses: a
// sense that points elsewhere, is archaic or classifies is dropped; the
// register discounts it as in the index; later senses weigh less; each
// alternative of "to open; to start" is a gloss of its own.
func charGlosses(sense string, i int) []string {
	sense = strings.TrimSpace(sense)
	if dropSense.MatchString(sense) {
		return nil
	}
	s, tf := registers(crossRef.ReplaceAllString(sense, ""))
	if tf == 0 {
		return nil
	}
	w := tf * (1 - 0.1*math.Min(float64(i), 5))
	var out []string
	for _, alt := range strings.Split(s, ";") {
		alt = strings.Join(strings.Fields(alt), " ")
		if alt == "" || strings.ContainsAny(alt, "|\t") {
			continue
		}
		out = append(out, fmt.Sprintf("%.2f %s", w, alt))
	}
	return out
}
