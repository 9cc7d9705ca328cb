package corpus

import (
	"strconv"
	"strings"
	"unicode"
)

// cnDigits maps Chinese digit characters to their values; 两 and 〇 appear in
// real headings and dates, so they are accepted when reading.
var cnDigits = map[rune]int{
	'〇': 0, '零': 0, '一': 1, '二': 2, '两': 2, '兩': 2, '三': 3, '四': 4,
	'五': 5, '六': 6, '七': 7, '八': 8, '九': 9,
}

const cnNumeralChars = "〇零一二两兩三四五六七八九十百"

// parseChinese reads a Chinese numeral below 1000 (一, 十五, 二十一, 一百零二).
func parseChinese(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	total, cur := 0, -1
	for _, r := range s {
		switch {
		case r == '十':
			if cur < 0 {
				cur = 1
			}
			total += cur * 10
			cur = -1
		case r == '百':
			if cur < 0 {
				cur = 1
			}
			total += cur * 100
			cur = -1
		default:
			d, ok := cnDigits[r]
			if !ok {
				return 0, false
			}
			if cur > 0 {
				// Positional form such as 二〇二一 is a year, not a section number.
				return 0, false
			}
			cur = d
		}
	}
	if cur > 0 {
		total += cur
	}
	if total <= 0 || total >= 1000 {
		return 0, false
	}
	return total, true
}

// formatChinese writes n (1..999) as a Chinese numeral in the form section
// headings use: 三, 十, 十五, 二十一, 一百零二.
func formatChinese(n int) string {
	if n <= 0 || n >= 1000 {
		return strconv.Itoa(n)
	}
	digits := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	var b strings.Builder
	h, t, u := n/100, n/10%10, n%10
	if h > 0 {
		b.WriteString(digits[h] + "百")
		if t == 0 && u > 0 {
			b.WriteString("零")
		}
	}
	if t > 0 {
		if !(t == 1 && h == 0) {
			b.WriteString(digits[t])
		}
		b.WriteString("十")
	}
	b.WriteString(digits[u])
	return b.String()
}

// parseNumeral reads a section number written either in ASCII digits or as a
// Chinese numeral; cn reports which.
func parseNumeral(s string) (n int, cn bool, ok bool) {
	if s == "" {
		return 0, false, false
	}
	if s[0] >= '0' && s[0] <= '9' {
		if len(s) > 4 {
			return 0, false, false
		}
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			return 0, false, false
		}
		return v, false, true
	}
	v, ok := parseChinese(s)
	return v, true, ok
}

// foldWidth maps full-width ASCII variants (１２３（）．) and the ideographic
// space to ASCII so that references typed with a CJK input method parse.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFF01 + '!'
		case r == 0x3000:
			return ' '
		case r == '〔' || r == '［':
			return '('
		case r == '〕' || r == '］':
			return ')'
		}
		return r
	}, s)
}

// isCJK reports whether r is written without spaces between words (Han,
// kana, Hangul, CJK punctuation), which decides how wrapped lines are joined.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}
