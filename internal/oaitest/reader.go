package oaitest

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

// NotInDocument is the reply of a grounded model whose passages do not answer
// (the marker llm's rules ask for).
const NotInDocument = "NOT_IN_DOCUMENT"

// DefaultMinOverlap is the share of a question's terms a passage must
// contain for Reader to consider it an answer.
const DefaultMinOverlap = 0.3

// Passage is one passage of a prompt's DATA block.
type Passage struct {
	// Label is the citation label, e.g. 三(四)¶2.
	Label string
	// Section is the section heading ("" when the block gives none).
	Section string
	// Text is the passage's text.
	Text string
}

// Prompt is what a chat request asks, as llm writes it: a system message
// with the rules and one user message holding a <<<DATA nonce>>> block.
type Prompt struct {
	// System is the first system message.
	System string
	// User is the last user message.
	User string
	// Nonce is the tag of the DATA markers.
	Nonce string
	// Passages are the [passage N] entries, in order.
	Passages []Passage
	// Previous are the [previous questions, oldest first] of a rewrite.
	Previous []string
	// Question is the [question] text (the whole user message when there is no DATA block).
	Question string
}

// IsRewrite reports whether the prompt asks for search queries rather than an answer.
func (p Prompt) IsRewrite() bool {
	return strings.Contains(strings.ToLower(p.System), "search quer")
}

// Labels returns the passages' labels, in order.
func (p Prompt) Labels() []string {
	out := make([]string, len(p.Passages))
	for i, ps := range p.Passages {
		out[i] = ps.Label
	}
	return out
}

// ParsePrompt reads the DATA block of req's last user message; ok is false
// when there is none (Question then holds the whole message).
func ParsePrompt(req openai.ChatCompletionRequest) (p Prompt, ok bool) {
	r := Request{Chat: req}
	p.System, p.User = r.System(), r.User()
	lines := strings.Split(p.User, "\n")
	start := -1
	for i, ln := range lines {
		if n, found := strings.CutPrefix(strings.TrimSpace(ln), "<<<DATA "); found && strings.HasSuffix(n, ">>>") {
			p.Nonce, start = strings.TrimSuffix(n, ">>>"), i
			break
		}
	}
	if start < 0 {
		p.Question = strings.TrimSpace(p.User)
		return p, false
	}
	closing := "<<<END DATA " + p.Nonce + ">>>"
	const (
		none = iota
		head
		text
		previous
		question
	)
	state := none
	var buf []string // lines of the current text or question
	flush := func() {
		joined := strings.TrimSpace(strings.Join(buf, "\n"))
		buf = nil
		switch state {
		case head, text:
			p.Passages[len(p.Passages)-1].Text = joined
		case question:
			p.Question = joined
		}
	}
	for _, ln := range lines[start+1:] {
		t := strings.TrimSpace(ln)
		switch {
		case t == closing:
			flush()
			return p, true
		case strings.HasPrefix(t, "[passage "):
			flush()
			_, label, _ := strings.Cut(t, "label: ")
			p.Passages = append(p.Passages, Passage{Label: strings.TrimSpace(label)})
			state = head
		case state == head && strings.HasPrefix(t, "section: "):
			p.Passages[len(p.Passages)-1].Section = strings.TrimPrefix(t, "section: ")
		case state == head && strings.HasPrefix(t, "text: "):
			buf = append(buf, strings.TrimPrefix(ln, "text: "))
			state = text
		case strings.HasPrefix(t, "[previous questions"):
			flush()
			state = previous
		case t == "[question]":
			flush()
			state = question
		case state == previous:
			if t == "" {
				continue
			}
			if n, rest, found := strings.Cut(t, ". "); found && strings.Trim(n, "0123456789") == "" {
				t = rest
			}
			p.Previous = append(p.Previous, t)
		case state == text || state == question:
			buf = append(buf, ln)
		}
	}
	// No closing marker: keep what was read.
	flush()
	return p, true
}

// ReaderOption configures Reader.
type ReaderOption func(*reader)

// Fold makes Reader compare fold(question) with fold(passage), e.g. the
// project's Traditional/Simplified folding; quotes stay in the passage's wording.
// The default folds case only.
func Fold(f func(string) string) ReaderOption { return func(r *reader) { r.fold = f } }

// MinOverlap sets the share (0–1] of the question's terms a passage must contain (DefaultMinOverlap).
func MinOverlap(share float64) ReaderOption { return func(r *reader) { r.min = share } }

// Rewrite sets Reader's reply to a rewrite request (default: the question unchanged).
func Rewrite(f func(Prompt) string) ReaderOption { return func(r *reader) { r.rewrite = f } }

type reader struct {
	fold    func(string) string
	min     float64
	rewrite func(Prompt) string
}

// Reader is a fake grounded model. It reads the DATA block, keeps the
// passages sharing at least MinOverlap of the question's terms (pairs of
// neighbouring Chinese characters, lower-cased words of other scripts, a
// few English stop words left out), and answers citing them, best first:
//
//	文件提到「<verbatim clause of the best passage>」[一¶7][三¶2]。
//	The document says so [1¶2].   (when the question is mostly Latin letters)
//
// or exactly NOT_IN_DOCUMENT when no passage shares enough. A rewrite
// request (system message asking for a search query, or a [previous
// questions] block) gets the Rewrite option's reply. Reader is deterministic.
func Reader(opts ...ReaderOption) Handler {
	rd := reader{
		fold:    strings.ToLower,
		min:     DefaultMinOverlap,
		rewrite: func(p Prompt) string { return p.Question },
	}
	for _, o := range opts {
		o(&rd)
	}
	return func(r Request) Reply {
		p, _ := ParsePrompt(r.Chat)
		if p.IsRewrite() {
			return Text(rd.rewrite(p))
		}
		return Text(rd.answer(p))
	}
}

// answer is Reader's reply to p.
func (rd reader) answer(p Prompt) string {
	q := termSet(rd.fold(p.Question))
	if len(q) == 0 {
		return NotInDocument
	}
	type hit struct {
		i      int
		shared int
	}
	var hits []hit
	for i, ps := range p.Passages {
		n := shared(q, termSet(rd.fold(ps.Text)))
		if n > 0 && float64(n) >= rd.min*float64(len(q)) {
			hits = append(hits, hit{i, n})
		}
	}
	if len(hits) == 0 {
		return NotInDocument
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(b.shared, a.shared) })
	var cites strings.Builder
	for _, h := range hits {
		cites.WriteString("[" + p.Passages[h.i].Label + "]")
	}
	if mostlyLatin(p.Question) {
		return "The document says so " + cites.String() + "."
	}
	return "文件提到「" + rd.quote(q, p.Passages[hits[0].i].Text) + "」" + cites.String() + "。"
}

// quote picks the sentence of text sharing most terms with q (the first on
// a tie) and, when it is long, the clause of it that does; the result is a
// verbatim span of text without quotation marks.
func (rd reader) quote(q map[string]bool, text string) string {
	best := func(parts []string) string {
		var out string
		top := -1
		for _, s := range parts {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			if n := shared(q, termSet(rd.fold(s))); n > top {
				out, top = s, n
			}
		}
		return out
	}
	quoteMarks := "「」『』“”\"‘’"
	s := best(strings.FieldsFunc(text, func(r rune) bool {
		return strings.ContainsRune("。！？；!?;.\n"+quoteMarks, r)
	}))
	if utf8.RuneCountInString(s) > 40 {
		if c := best(strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("，,、：:"+quoteMarks, r) })); c != "" {
			s = c
		}
	}
	return s
}

func shared(q, p map[string]bool) int {
	n := 0
	for t := range q {
		if p[t] {
			n++
		}
	}
	return n
}

// stopWords are English words too common to show that a passage answers.
var stopWords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true, "by": true,
	"did": true, "do": true, "does": true, "for": true, "from": true, "how": true, "in": true,
	"is": true, "it": true, "its": true, "of": true, "on": true, "or": true, "that": true, "the": true,
	"this": true, "to": true, "was": true, "were": true, "what": true, "when": true, "where": true,
	"which": true, "who": true, "why": true, "with": true,
}

// termSet returns the distinct matching terms of folded text, stop words left out.
func termSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, t := range terms(s) {
		if !stopWords[t] {
			out[t] = true
		}
	}
	return out
}

// terms splits s into pairs of neighbouring Han characters (a lone one by
// itself) and lower-cased words of letters and digits, in text order.
func terms(s string) []string {
	var out []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		j := i + 1
		switch r := rs[i]; {
		case unicode.Is(unicode.Han, r):
			for j < len(rs) && unicode.Is(unicode.Han, rs[j]) {
				j++
			}
			if j-i == 1 {
				out = append(out, string(r))
			}
			for k := i; k+1 < j; k++ {
				out = append(out, string(rs[k:k+2]))
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			for j < len(rs) && !unicode.Is(unicode.Han, rs[j]) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			out = append(out, strings.ToLower(string(rs[i:j])))
		}
		i = j
	}
	return out
}

// mostlyLatin reports whether s has more than twice as many Latin letters as
// Han characters (the rule the project uses to call a question English).
func mostlyLatin(s string) bool {
	var latin, han int
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.Is(unicode.Latin, r):
			latin++
		}
	}
	return latin > 2*han
}
