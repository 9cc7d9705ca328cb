package web

import (
	"errors"
	"html/template"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/citebot/citebot/bot"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/internal/anchor"
)

// maxFormBytes bounds an ask or login form; a question is at most a few
// kilobytes (CITEBOT_MAX_QUESTION characters).
const maxFormBytes = 64 << 10

// docView is the document as the page shows it, built once per document.
type docView struct {
	doc      *corpus.Document
	Title    string
	Lang     string
	Sections []sectionView
	labels   map[string]bool
}

type sectionView struct {
	ID, Heading string
	// Level is 1 for a part, 2 for anything below.
	Level      int
	Paragraphs []paragraphView
}

type paragraphView struct {
	ID, Label, Href, Text string
}

// lastView caches the view of the document served last.
var lastView atomic.Pointer[docView]

func viewOf(doc *corpus.Document) *docView {
	if v := lastView.Load(); v != nil && v.doc == doc {
		return v
	}
	v := &docView{doc: doc, Title: doc.Title, Lang: htmlLang(doc), labels: make(map[string]bool, len(doc.Paragraphs))}
	for _, s := range doc.Sections {
		if len(s.Paragraphs) == 0 && s.Title == "" {
			continue
		}
		id := anchor.ID(s.Key)
		if s.Key == "" {
			id = "preamble"
		}
		parts := strings.Split(s.Title, " › ")
		sv := sectionView{ID: id, Heading: parts[len(parts)-1], Level: min(len(parts), 2)}
		for _, i := range s.Paragraphs {
			p := doc.Paragraphs[i]
			sv.Paragraphs = append(sv.Paragraphs, paragraphView{ID: anchor.ID(p.Label), Label: p.Label, Href: anchor.Fragment(p.Label), Text: p.Text})
			v.labels[p.Label] = true
		}
		v.Sections = append(v.Sections, sv)
	}
	lastView.Store(v)
	return v
}

// htmlLang is the document's language for the page's lang attribute, so
// that browsers pick the right fonts and screen readers the right voice.
func htmlLang(doc *corpus.Document) string {
	switch doc.Lang {
	case "zh":
		return "zh"
	case "en":
		return "en"
	}
	return ""
}

// pageData is what the document page shows.
type pageData struct {
	*docView
	Title string
	// Canonical is the page's public address, if configured.
	Canonical string
	Question  string
	Answer    *answerView
	T         words
}

// answerView is a reply as the page shows it.
type answerView struct {
	Class, Outcome, Notice string
	Body                   template.HTML
	Citations              []citationView
}

type citationView struct {
	Label, Href, Section, Text, Document string
}

// canonical is the page's public address: where links to its paragraphs
// posted elsewhere point.
func (s *Server) canonical() string {
	if s.cfg.PublicURL == "" {
		return ""
	}
	return strings.TrimRight(s.cfg.PublicURL, "/") + "/"
}

func (s *Server) title(doc *corpus.Document) string {
	if s.cfg.Title != "" {
		return s.cfg.Title
	}
	return doc.Title
}

// page shows the document.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	doc := s.cfg.Document()
	s.render(w, http.StatusOK, "page.html", pageData{docView: viewOf(doc), Title: s.title(doc), T: wordsFor(r, s.title(doc)), Canonical: s.canonical()})
}

// ask answers the ask box through the bot and shows the answer above the
// document, its citations linking to their paragraphs below.
func (s *Server) ask(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "This form only accepts questions from its own page.", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The question could not be read.", http.StatusRequestEntityTooLarge)
		return
	}
	q := r.PostForm.Get("q")
	doc := s.cfg.Document()
	t := wordsFor(r, s.title(doc))
	reply := s.cfg.Bot.Handle(r.Context(), bot.Request{Kind: bot.KindAsk, Text: q, UserID: "web:" + s.clientAddr(r),
		Transport: "web", Lang: t.lang}, nil)
	// The bot may have answered from a document reloaded meanwhile.
	doc = s.cfg.Document()
	view := viewOf(doc)
	status := http.StatusOK
	if errors.Is(reply.Err, bot.ErrRateLimited) {
		status = http.StatusTooManyRequests
	}
	s.render(w, status, "page.html", pageData{docView: view, Title: s.title(doc), Question: q, T: t,
		Answer: answerOf(reply, view, t), Canonical: s.canonical()})
}

// answerOf is a reply as the page shows it; its few words of the page's
// own are in the reply's language, like the reply.
func answerOf(r bot.Reply, view *docView, t words) *answerView {
	if r.Lang != t.lang && (r.Lang == bot.Simplified || r.Lang == bot.Traditional || r.Lang == bot.English) {
		t = wordsIn(r.Lang, t.title)
	}
	a := &answerView{Class: string(r.Outcome), Notice: r.Notice}
	switch {
	case r.Err != nil:
		a.Class = "error"
		a.Body = template.HTML(template.HTMLEscapeString(r.Answer))
		return a
	case r.Outcome == bot.Answered:
		a.Outcome = t.Answered
	case r.Outcome == bot.Uncertain:
		a.Outcome = t.Uncertain
	case r.Outcome == bot.NotAddressed:
		a.Outcome = t.NotAddressed
	}
	// Extractive replies quote their passages in the text; the page shows
	// them once, as citations under the lead.
	text := r.Answer
	if r.Lead != "" {
		text = r.Lead
	}
	a.Body = linkLabels(text, view.labels)
	for _, c := range r.Citations {
		a.Citations = append(a.Citations, citationView{Label: c.Label, Href: anchor.Fragment(c.Label),
			Section: c.Section, Text: c.Text, Document: c.Document})
	}
	return a
}

// labelRef finds a bracketed label in answer text: [三(四)¶2].
var labelRef = regexp.MustCompile(`\[([^\[\]\n]{1,64})\]`)

// linkLabels escapes text and links each bracketed label of the document
// to its paragraph on the page.
func linkLabels(text string, labels map[string]bool) template.HTML {
	var sb strings.Builder
	last := 0
	for _, m := range labelRef.FindAllStringSubmatchIndex(text, -1) {
		label := text[m[2]:m[3]]
		if !labels[label] {
			continue
		}
		sb.WriteString(template.HTMLEscapeString(text[last:m[0]]))
		sb.WriteString(`<a class="cite" href="` + template.HTMLEscapeString(anchor.Fragment(label)) + `">[` +
			template.HTMLEscapeString(label) + `]</a>`)
		last = m[1]
	}
	sb.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(sb.String())
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf strings.Builder
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("rendering a page failed", "page", name, "err", err)
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(buf.String()))
}

// words are the page's own few words in the reader's language, from the
// bot's table of messages like every reply's.
type words struct {
	lang                                                 bot.Lang
	title                                                string
	HTMLLang                                             string
	Ask, AskLabel, Placeholder, AnswerHeading, Citations string
	Answered, Uncertain, NotAddressed, Document          string
}

// wordsIn are the page's words in language l, for the document titled
// title.
func wordsIn(l bot.Lang, title string) words {
	if l != bot.Simplified && l != bot.Traditional {
		l = bot.English
	}
	// The reply languages are BCP 47 tags, as the lang attribute wants.
	say := func(m bot.Msg, args ...any) string { return bot.Say(l, m, args...) }
	return words{lang: l, title: title, HTMLLang: string(l), Ask: say(bot.MsgWebAsk), AskLabel: say(bot.MsgWebAskAbout, bot.TitleIn(title, l)),
		Placeholder: say(bot.MsgWebPlaceholder), AnswerHeading: say(bot.MsgWebAnswer), Citations: say(bot.MsgWebCitations),
		Answered: say(bot.MsgWebAnswered), Uncertain: say(bot.MsgWebUncertain), NotAddressed: say(bot.MsgWebNotAddressed),
		Document: say(bot.MsgWebFullText)}
}

// wordsFor picks the reader's language from Accept-Language, in the
// order the browser prefers: zh-TW/HK/MO and zh-Hant are Traditional,
// other zh Simplified; English is the default.
func wordsFor(r *http.Request, title string) words {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(tag)
		switch {
		case tag == "":
			continue
		case strings.Contains(tag, "hant"), strings.HasPrefix(tag, "zh-tw"), strings.HasPrefix(tag, "zh-hk"), strings.HasPrefix(tag, "zh-mo"):
			return wordsIn(bot.Traditional, title)
		case strings.HasPrefix(tag, "zh"):
			return wordsIn(bot.Simplified, title)
		case strings.HasPrefix(tag, "en"):
			return wordsIn(bot.English, title)
		}
	}
	return wordsIn(bot.English, title)
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"truncate": func(s string, n int) string {
		if utf8.RuneCountInString(s) <= n {
			return s
		}
		return string([]rune(s)[:n]) + "…"
	},
}
