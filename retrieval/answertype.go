package retrieval

import (
	"regexp"
	"strings"
)

// answerType is the kind of fact a question asks for, when it names one.
// A question can be about a subject the document discusses and still ask
// for a fact the document does not give: "how many vaccine doses", "which
// countries are observers". Classic question answering checks that a
// candidate passage holds something of the expected type (Hovy et al.,
// "Question Answering in Webclopedia", 2000); so does this.
type answerType int

const (
	anyAnswer answerType = iota
	quantityAnswer
	timeAnswer
	countryAnswer
)

var (
	// Measure words that may follow 多少/几 and so name the unit asked for.
	measures = "个项次名位人家国剂层倍年月天元吨米"

	quantityQ = regexp.MustCompile(`多少|几[` + measures + `]|多长|多高|多大|多远|多久|多重|数量|总量|总额|百分之几|` +
		`\bhow (many|much|long|large|big|far)\b|\bwhat (percentage|proportion|share|number)\b|\bnumber of\b`)
	// unitQ captures the unit right after 多少 or 几 (多少剂, 几个).
	unitQ     = regexp.MustCompile(`(?:多少|几)([` + measures + `])`)
	timeQ     = regexp.MustCompile(`什么时候|何时|哪一?年|几月|哪一?天|什么时间|\bwhen\b|\bwhat (year|date|month|day)\b|\bwhich year\b`)
	countryQ  = regexp.MustCompile(`哪些国家|哪个国家|哪几个国家|哪国|\b(which|what) (countries|country|states|nations)\b`)
	number    = regexp.MustCompile(`[0-9]+(\.[0-9]+)?|[零一二三四五六七八九十百千万亿两]+[` + measures + `万亿%]`)
	date      = regexp.MustCompile(`(19|20)[0-9]{2}|[0-9一二三四五六七八九十]+月|[0-9]+日`)
	stateName = regexp.MustCompile(`共和国|联邦|王国|斯坦`)
)

// expectedAnswer reads what kind of fact a folded question asks for, and for
// quantities the unit it names ("" when none).
func expectedAnswer(folded string) (answerType, string) {
	switch {
	case countryQ.MatchString(folded):
		return countryAnswer, ""
	case timeQ.MatchString(folded):
		return timeAnswer, ""
	case quantityQ.MatchString(folded):
		if m := unitQ.FindStringSubmatch(folded); m != nil && m[1] != "个" {
			return quantityAnswer, m[1]
		}
		return quantityAnswer, ""
	}
	return anyAnswer, ""
}

// holds reports whether a folded passage contains a fact of the type: a
// number (with the unit asked for, if any), a date, or a state's name.
func holds(t answerType, unit, passage string) bool {
	switch t {
	case quantityAnswer:
		for _, m := range number.FindAllStringIndex(passage, -1) {
			if unit == "" || strings.HasPrefix(strings.TrimLeft(passage[m[1]:], " "), unit) || strings.HasSuffix(passage[m[0]:m[1]], unit) {
				return true
			}
		}
		return false
	case timeAnswer:
		return date.MatchString(passage)
	case countryAnswer:
		return stateName.MatchString(passage)
	}
	return true
}
