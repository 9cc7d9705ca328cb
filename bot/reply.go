package bot

// Kind says what a request asks the bot to do.
type Kind int

// The request kinds a transport can send.
const (
	KindAsk     Kind = iota // answer a question from the document
	KindCite                // show the exact passage(s) for a label or section
	KindReload              // reload the corpus (admins only)
	KindHelp                // explain how to use the bot
	KindPassage             // show one paragraph with the paragraphs before and after it
)

// Attachment is a file sent with a request (a new corpus for /reload).
type Attachment struct {
	Name string
	Data []byte
}

// Perms are the requester's server permissions that the admin rule looks at.
type Perms struct {
	Administrator bool
	ManageServer  bool
}

// Request is one thing a user asked, as the transport understood it.
type Request struct {
	Kind Kind
	// Text is the question (KindAsk) or the label (KindCite).
	Text string
	// UserID identifies the asker for rate limits and admin rules.
	UserID string
	// RoleIDs are the asker's roles on the server, if any.
	RoleIDs []string
	// Perms are the asker's permissions on the server, if any.
	Perms Perms
	// Conversation keys the follow-up context (a thread, a DM, a terminal
	// session); empty means the question stands alone.
	Conversation string
	// Attachments are files sent with the request: the documents of a new
	// corpus for KindReload.
	Attachments []Attachment
	// Lang is the asker's language as the transport knows it (a Discord
	// locale), for replies whose text does not tell.
	Lang Lang
	// Transport names where the request came from ("terminal", "discord",
	// "web"), for the question log and the metrics.
	Transport string
	// Previous are earlier questions of the conversation that the
	// transport knows and the bot may not (a forum post answered before a
	// restart), oldest first; they count only when the bot remembers
	// nothing of the conversation.
	Previous []string
}

// Citation is one cited passage of an answer.
type Citation struct {
	Label   string  `json:"label"`
	Section string  `json:"section"`
	Text    string  `json:"text"`
	Score   float64 `json:"score"`
	// Document is the title of the document the passage comes from, when
	// the corpus holds several.
	Document string `json:"document,omitempty"`
}

// Mode says which path produced a reply.
type Mode string

// The modes.
const (
	ModeLLM        Mode = "llm"        // written by the model, citations checked
	ModeExtractive Mode = "extractive" // the passages themselves
	ModeSection    Mode = "section"    // a section named in the question
	ModeCite       Mode = "cite"       // /cite
	ModeReload     Mode = "reload"     // /reload
	ModeHelp       Mode = "help"       // /help
	ModePassage    Mode = "passage"    // a paragraph with its neighbours
	ModeError      Mode = "error"      // the request failed
)

// Outcome says whether the document answers a question.
type Outcome string

// The outcomes.
const (
	// Answered: the reply answers from the document.
	Answered Outcome = "answered"
	// Uncertain: the reply shows the closest passages, not sure that they
	// answer.
	Uncertain Outcome = "uncertain"
	// NotAddressed: the document does not address the question.
	NotAddressed Outcome = "not_addressed"
)

// Reply is what the bot answers; transports only format it.
type Reply struct {
	Question string `json:"question"`
	// Grounded is false when the document does not address the question
	// (Outcome is NotAddressed).
	Grounded bool `json:"grounded"`
	// Uncertain is true when the reply shows the closest passages without
	// being sure that they answer.
	Uncertain bool `json:"uncertain"`
	// Outcome is answered, uncertain or not_addressed; empty for replies
	// that answer no question (help, reload, errors).
	Outcome Outcome `json:"outcome,omitempty"`
	// Answer is the text shown to the user, with citations like [三(四)¶2].
	Answer string `json:"answer"`
	// Lead is set when Answer quotes its citations in full (extractive,
	// section and cite replies): the answer's first line alone, for
	// transports that show the citations separately.
	Lead string `json:"-"`
	// Citations are the passages the answer cites, in the order cited.
	Citations []Citation `json:"citations"`
	// Mode says which path produced the answer.
	Mode Mode `json:"mode"`
	// Model names the chat model that wrote the answer, empty for extractive answers.
	Model string `json:"model,omitempty"`
	// Removed counts citations dropped by the citation check.
	Removed int `json:"citations_removed"`
	// Notice is a short remark for the user, e.g. that the model was unavailable.
	Notice string `json:"notice,omitempty"`
	// Lang is the language the reply is written in; a transport writes its
	// own words (buttons, footers) in it too.
	Lang Lang `json:"-"`
	// Private asks the transport to show the reply to the asker only
	// (rate limits, refusals, errors).
	Private bool `json:"-"`
	// Err is set when the request failed; Answer then holds the user-facing message.
	Err error `json:"-"`
	// Trace says how the answer was found, for transports that show it;
	// nil for replies that searched nothing.
	Trace *Trace `json:"-"`
	// Closest are the sections nearest a question the document does not
	// address, for transports that suggest what to read instead.
	Closest []SectionRef `json:"-"`
}

// Trace is how an answer was found: what was searched, what came first,
// from which version of the document, and who wrote the answer.
type Trace struct {
	// Queries are the texts searched, in order: the question as searched
	// (with the question it follows, or as translated), then the model's
	// rewrites.
	Queries []string
	// Hits are the best passages with their scores, best first.
	Hits []TraceHit
	// Whole is set when the model read the whole document, the search
	// only ordering the citations.
	Whole bool
	// Paragraphs is the number of paragraphs of the document.
	Paragraphs int
	// Version names the version of the document (internal/docversion).
	Version string
	// Model names the chat model that wrote the answer, "" for none.
	Model string
}

// TraceHit is one passage a search ranked.
type TraceHit struct {
	Label   string
	Section string
	Score   float64
}

// SectionRef names a section: its key, as /cite takes it, and its title
// in the reply's script.
type SectionRef struct {
	Key   string
	Title string
}

// Vote is a user's 👍/👎 on an answer, kept for the admins.
type Vote struct {
	UserID   string   `json:"user_id"`
	Up       bool     `json:"up"`
	Question string   `json:"question"`
	Labels   []string `json:"labels"`
	Mode     Mode     `json:"mode"`
	Model    string   `json:"model,omitempty"`
	// AnswerID identifies the answer voted on (a Discord message id): a
	// user's later vote on the same answer replaces the earlier one.
	AnswerID string `json:"answer_id,omitempty"`
}
