package retrieval

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/internal/lazyre"
)

//go:generate go run ./internal/gencountries

// answerType is the kind of fact a question asks for, when it names one.
// A question can be about a subject the document discusses and still ask
// for a fact the document does not give: "how many vaccine doses", "who
// composed the anthem", "in which district". Classic question answering
// checks that a candidate passage holds something of the expected type
// (Hovy et al., "Question Answering in Webclopedia", 2000); so does this,
// and the thing must be new: a passage naming the city the question
// already names does not say which district.
type answerType int

const (
	anyAnswer answerType = iota
	quantityAnswer
	timeAnswer
	placeAnswer
	personAnswer
	colourAnswer
	languageAnswer
	contactAnswer
	bodyAnswer
)

func (t answerType) String() string {
	return [...]string{"", "quantity", "time", "place", "person", "colour", "language", "contact", "body"}[t]
}

// asking is where an English question word asks rather than joins a
// clause ("the people who wrote it", "when I hand it over"): at the start
// of the question, after a mention or punctuation, or after a particle.
const asking = `(?:^|^@\S+\s+|[,.;:!?]\s*|\b(?:and|so|but|then|ok|okay|hey|also|like|lol)\s+)`

var (
	// Measure words that may follow 多少/几 and so name the unit asked for.
	measures = "个项次名位人家国剂层倍年月天元吨米"

	// 这几个国家 ("these few countries") asks no count.
	// Besides "how many", the nouns that name an amount (Li and Roth's
	// NUM classes): a population, a budget, a fee, a rate.
	quantityQ = lazyre.New(`多少|(?:^|[^这那好])几[` + measures + `]|多长|多高|多远|多久|多重|总量|总额|百分之几|` +
		`人口|预算|会费|经费|费用|成本|价格|汇率|面积|gdp|` +
		`\bhow (many|much|long|large|big|far)\b|\bwhat (percentage|proportion|share|number|amount)\b|\bnumber of\b|` +
		`\b(population|budget|fee|fees|cost|costs|price|prices|exchange rate|area|gdp)\b`)
	colourQ    = lazyre.New(`什么颜色|啥颜色|哪种颜色|什么色|几种颜色|\b(what|which) colou?rs?\b`)
	languageQ  = lazyre.New(`什么语言|哪些语言|哪种语言|哪几种语言|官方语言|工作语言|\b(what|which) languages?\b|\bofficial languages?\b`)
	colourRe   = lazyre.New(`[红橙黄绿青蓝紫白黑灰金银棕粉][色]|\b(red|orange|yellow|green|blue|purple|white|black|grey|gray|gold|silver|brown|pink)\b`)
	languageRe = lazyre.New(`\p{Han}{1,3}[语文](?:和|、|,|。|为|是|$)|\b(english|russian|chinese|french|spanish|arabic|german|hindi|urdu|persian) language\b`)
	// unitQ captures the unit right after 多少 or 几 (多少剂, 几个).
	unitQ = lazyre.New(`(?:多少|几)([` + measures + `])`)
	// "When" asks for a time when a verb or a word of time follows it;
	// "when I hand it over, do I …" is a condition.
	timeQ  = lazyre.New(`什么时候|何时|哪一?年|几月|哪一?天|什么时间|几号|` + asking + `when(?:\s*[?？]|\s*$|'s\b|\s+(?:do|does|did|is|are|was|were|will|would|can|could|should|must|has|have|had|r|exactly|roughly|approximately|about|in|on|at|after|before|then)\b)|\bwhat (year|date|month|day|time)\b|\bwhich (year|date|month|day)\b`)
	placeQ = lazyre.New(`哪里|哪儿|在哪(?:$|[?？,，。!！\s吗呢啊])|哪个城市|哪座城市|哪个地方|哪一?区|哪个国家|哪国|哪几个国家|哪些国家|边度|` + asking + `where\b|\b(which|what)( \w+)? (city|town|country|countries|place|state|states|nation|nations|district|region)\b`)
	// A contact is asked for by name with a question word ("what's the
	// email", 邮箱是多少), or as where or to whom to send, report or write
	// something. A contact only mentioned ("a patch on the mailing list")
	// is not asked for.
	contactQ = lazyre.New(`(邮箱|电子邮件|邮件地址|网址|网站|链接|电话|联系方式)(是|为)?(什么|多少|哪|啥)|(什么|哪个|哪)(邮箱|网址|网站|链接|电话)|联系谁|发给谁|发到哪|寄到哪|报告给谁|向谁报告|` +
		`\b(what|which|where)\b[^?.!]{0,40}?\b(e-?mail|url|website|web site|web page|webpage|phone number|contact (?:details|info|address))\b|\b(e-?mail address|phone number|contact details|contact info)\b|` +
		asking + `where (do|does|should|can|could|am|are|would|to) (\S+ ){0,4}?(send|report|submit|contact|email|e-mail|reach|write|disclose|find|get|download|read)\b|\bwho (do|should|can) (i|we|you) (contact|email|e-mail|report|write|reach)\b`)
	// Contacts stated in a passage: email addresses and web addresses.
	contactRe = lazyre.New(`[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+|https?://[^\s)>\]]+|\bwww\.[a-z0-9-]+\.[^\s)>\]]+`)
	// Who is responsible for something, in a regulation or a policy, is a
	// body: a department, a committee, a team.
	bodyQ = lazyre.New(`谁(?:来)?(?:管|负责|执法|监管|监督|处理|处罚|查处)|归谁|由谁|哪个部门|哪些部门|哪个机构|` +
		`\bwho (?:is|are) (?:responsible|in charge)\b|\bwho (?:enforces|handles|oversees|regulates|supervises|runs|decides)\b|\b(?:which|what) (?:department|agency|body|authority|team|committee|office)\b`)
	// Bodies named in a passage.
	bodyRe   = lazyre.New(`\p{Han}{2,10}?(?:部门|机构|委员会|秘书处|法院|机关|协会|理事会)|\b(?:[a-z]+ ){0,3}(?:team|committee|department|foundation|secretariat|authority|council|office)\b`)
	personQ  = lazyre.New(`谁|哪位|` + asking + `(who|whom)\b`)
	numberRe = lazyre.New(`[0-9]+(\.[0-9]+)?|[零一二三四五六七八九十百千万亿两]+[` + measures + `万亿%]`)
	dateRe   = lazyre.New(`(19|20)[0-9]{2}|[0-9一二三四五六七八九十]+月|[0-9]+日|\b(january|february|march|april|may|june|july|august|september|october|november|december)\b`)
	// Places named in a passage: after a verb of location, before a verb
	// of meeting, or with an administrative suffix (北京市, 新疆维吾尔自治区).
	placeRe = lazyre.New(`(?:设在|位于|坐落于|总部设在|总部位于)(\p{Han}{2,5}?)(?:的|,|。)|在(\p{Han}{2,4}?)(?:举行|召开|举办|签署)|(\p{Han}{2,6}(?:省|自治区|特别行政区|\p{Han}市))`)
	// People named in a passage: a title and a name.
	personRe = lazyre.New(`(?:主席|总统|总理|秘书长|主任|院长|部长|大使|先生|女士)\p{Han}{2,4}|\b(?:mr|ms|mrs|dr|president|director|secretary-general)\.? [a-z]+`)
)

// notAFact are the question forms that look like asking for a kind of fact
// and do not: "who is a Contributor?" asks for a definition.
var notAFact = lazyre.New(`\bwho (is|are|counts as|qualifies as) (a|an)\b|\bwho (counts|qualifies) as\b|\bwho (is|are) (considered|meant|treated)\b`)

// whereInText asks where the document says something, not for a place.
var whereInText = lazyre.New(`\bwhere (does|do|is|in) (the |this )?(declaration|document|text|license|licence|agreement|policy|guide)\b|(宣言|文件|文档)(的)?(哪里|哪儿|哪个部分|哪一部分)`)

// expectedAnswer reads what kind of fact a folded question asks for.
func expectedAnswer(folded string) answerType {
	switch {
	case whereInText.MatchString(folded), notAFact.MatchString(firstClause(folded)):
		return anyAnswer
	case contactQ.MatchString(folded):
		return contactAnswer
	case colourQ.MatchString(folded):
		return colourAnswer
	case languageQ.MatchString(folded):
		return languageAnswer
	case placeQ.MatchString(folded):
		return placeAnswer
	case timeQ.MatchString(folded):
		return timeAnswer
	case quantityQ.MatchString(folded):
		return quantityAnswer
	case bodyQ.MatchString(folded):
		return bodyAnswer
	case personQ.MatchString(folded):
		return personAnswer
	}
	return anyAnswer
}

// firstClause is a question up to its first comma or question mark: the
// part that says what is asked.
func firstClause(s string) string {
	if i := strings.IndexAny(s, ",?;"); i >= 0 {
		return s[:i]
	}
	return s
}

// holds reports whether a folded passage states a fact of the type that the
// folded question does not already state.
func holds(t answerType, passage, question string) bool {
	return holdsFact(t, passageFacts(t, passage), question)
}

// fact is a candidate answer of some type that a passage states: a
// number, date, place, person, language or country; next is, for a number,
// the character after it (its unit, if any).
type fact struct {
	s, next string
}

// passageFacts lists the facts of type t that passage states, whatever the
// question: the part of holds that reads the passage. On the declaration,
// running these expressions over the best ten passages of every "where" or
// "how many" question was a quarter of a search.
func passageFacts(t answerType, passage string) []fact {
	var out []fact
	switch t {
	case quantityAnswer:
		for _, m := range numberRe.FindAllStringIndex(passage, -1) {
			rest := strings.TrimLeft(passage[m[1]:], " ")
			next := ""
			if _, size := utf8.DecodeRuneInString(rest); size > 0 {
				next = rest[:size]
			}
			out = append(out, fact{s: passage[m[0]:m[1]], next: next})
		}
	case timeAnswer:
		out = appendMatches(out, dateRe, passage)
	case placeAnswer:
		for _, m := range placeRe.FindAllStringSubmatch(passage, -1) {
			for _, p := range m[1:4] {
				out = append(out, fact{s: p})
			}
		}
		out = appendCountries(out, passage)
	case colourAnswer:
		if colourRe.MatchString(passage) {
			out = append(out, fact{})
		}
	case languageAnswer:
		for _, l := range languageRe.FindAllString(passage, -1) {
			out = append(out, fact{s: strings.TrimRight(l, "和、,。为是")})
		}
	case contactAnswer:
		out = appendMatches(out, contactRe, passage)
	case personAnswer:
		out = appendMatches(out, personRe, passage)
		// Who proposed or decided something is often a state.
		out = appendCountries(out, passage)
	case bodyAnswer:
		out = appendMatches(appendMatches(out, bodyRe, passage), personRe, passage)
	}
	return out
}

// appendMatches appends every match of re in passage as a fact.
func appendMatches(out []fact, re *lazyre.Regexp, passage string) []fact {
	for _, m := range re.FindAllString(passage, -1) {
		out = append(out, fact{s: m})
	}
	return out
}

// holdsFact reports whether any of a passage's facts of type t is new to
// the folded question.
func holdsFact(t answerType, facts []fact, question string) bool {
	if t == colourAnswer {
		return len(facts) > 0 // any colour, even one the question names
	}
	isNew := func(s string) bool { return s != "" && !sharesPair(s, question) }
	unit := ""
	if t == quantityAnswer {
		if m := unitQ.FindStringSubmatch(question); m != nil && m[1] != "个" {
			unit = m[1]
		}
	}
	for _, f := range facts {
		if !isNew(f.s) {
			continue
		}
		if unit == "" || f.next == unit || strings.HasSuffix(f.s, unit) {
			return true
		}
	}
	return false
}

// factCache remembers the facts of each paragraph and type, which depend
// only on the paragraph: a document's facts are read once, not at every
// question whose best passages they are.
type factCache struct{ m sync.Map } // paragraph<<4 | type → []fact

// holds is holds for paragraph p of the index, with its facts cached.
func (ix *Index) holds(t answerType, p int, question string) bool {
	key := uint64(p)<<4 | uint64(t)
	fs, ok := ix.facts.m.Load(key)
	if !ok {
		fs, _ = ix.facts.m.LoadOrStore(key, passageFacts(t, ix.text(p)))
	}
	return holdsFact(t, fs.([]fact), question)
}

// sharesPair reports whether the name s is already in the question: the
// question holds it or two neighbouring characters of it (塔吉克 names
// 塔吉克斯坦), or, for a Latin name, the name itself.
func sharesPair(s, question string) bool {
	if strings.Contains(question, s) {
		return true
	}
	rs := []rune(s)
	for i := 0; i+2 <= len(rs); i++ {
		if analysis.IsHan(rs[i]) && analysis.IsHan(rs[i+1]) && strings.Contains(question, string(rs[i:i+2])) {
			return true
		}
	}
	return false
}

// appendCountries adds the countries passage names: countryNames, from
// CLDR, folded as every text is.
func appendCountries(out []fact, passage string) []fact {
	for _, c := range countryNames {
		if strings.Contains(passage, c) {
			out = append(out, fact{s: c})
		}
	}
	return out
}
