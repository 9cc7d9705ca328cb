package bot

// Kind says what a request asks the bot to do.
type Kind int

// The request kinds a transport can send.
const (
	KindAsk    Kind = iota // answer a question from the document
	KindCite               // show the exact passage(s) for a label or section
	KindReload             // reload the corpus (admins only)
	KindHelp               // explain how to use the bot
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
	// Attachment is an optional file (a corpus for KindReload).
	Attachment *Attachment
}

// Citation is one cited passage of an answer.
type Citation struct {
	Label   string  `json:"label"`
	Section string  `json:"section"`
	Text    string  `json:"text"`
	Score   float64 `json:"score"`
}

// Reply is what the bot answers; transports only format it.
type Reply struct {
	Question string `json:"question"`
	// Grounded is false when the document does not answer the question.
	Grounded bool `json:"grounded"`
	// Answer is the text shown to the user, with citations like [三(四)¶2].
	Answer string `json:"answer"`
	// Lead is set when Answer quotes its citations in full (extractive,
	// section and cite replies): the answer's first line alone, for
	// transports that show the citations separately.
	Lead string `json:"-"`
	// Citations are the passages the answer cites, in the order cited.
	Citations []Citation `json:"citations"`
	// Mode says which path produced the answer: "llm", "extractive", "section",
	// "cite", "reload", "help" or "error".
	Mode string `json:"mode"`
	// Model names the chat model that wrote the answer, empty for extractive answers.
	Model string `json:"model,omitempty"`
	// Removed counts citations dropped by the citation check.
	Removed int `json:"citations_removed"`
	// Notice is a short remark for the user, e.g. that the model was unavailable.
	Notice string `json:"notice,omitempty"`
	// Private asks the transport to show the reply to the asker only
	// (rate limits, refusals, errors).
	Private bool `json:"-"`
	// Err is set when the request failed; Answer then holds the user-facing message.
	Err error `json:"-"`
}

// Vote is a user's 👍/👎 on an answer, kept for the admins.
type Vote struct {
	UserID   string   `json:"user_id"`
	Up       bool     `json:"up"`
	Question string   `json:"question"`
	Labels   []string `json:"labels"`
	Mode     string   `json:"mode"`
	Model    string   `json:"model,omitempty"`
}
