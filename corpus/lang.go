package corpus

import "unicode"

// detectLang names the script that dominates texts: "zh" when Han
// characters outnumber twice the words written in other scripts (a Han
// character carries about as much as a short word), "en" when at least four
// in five letters are ASCII, else "". A script count is enough to choose
// between a Chinese and a Latin preamble label; it is not language
// identification.
func detectLang(texts []string) string {
	var han, words, ascii, letters int
	for _, t := range texts {
		inWord := false
		for _, r := range t {
			isHan := unicode.Is(unicode.Han, r)
			isLetter := unicode.IsLetter(r) && !isHan
			switch {
			case isHan:
				han++
				letters++
			case isLetter:
				letters++
				if r < 0x80 {
					ascii++
				}
				if !inWord {
					words++
				}
			}
			inWord = isLetter
		}
	}
	switch {
	case letters == 0:
		return ""
	case han > 2*words:
		return "zh"
	case ascii*5 >= letters*4:
		return "en"
	}
	return ""
}
