package retrieval

import (
	"fmt"
	"math"

	"github.com/citebot/citebot/analysis"
)

// Outcome is the offline judgement of whether the document answers a
// question.
type Outcome int

// The three outcomes. Retrieval always finds some best paragraph; the
// judgement says whether to trust it.
const (
	// Answered: the best passages cover what the question asks.
	Answered Outcome = iota
	// Uncertain: the document speaks of the question's subject, but the
	// passages found may not give what is asked; they are shown as the
	// closest ones.
	Uncertain
	// NotAddressed: the evidence says clearly that the question's subject,
	// or the kind of fact it asks for, is absent from the document.
	NotAddressed
)

// String names the outcome as JSON output spells it.
func (o Outcome) String() string {
	switch o {
	case Answered:
		return "answered"
	case Uncertain:
		return "uncertain"
	case NotAddressed:
		return "not_addressed"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// MarshalText writes the outcome's name.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// Evidence is what the offline judgement rests on. With a model configured
// it is not a verdict: the model decides, and the evidence is logged.
type Evidence struct {
	// Known is the share of the question's weight that the document speaks
	// of anywhere: its words, or words near them in meaning.
	Known float64 `json:"known"`
	// Near is the share of the question's weight that the document speaks
	// of, each word counted by the nearness of the document word nearest it.
	Near float64 `json:"near"`
	// Covered is the share of the question's weight that the best passages
	// meet, each word counted by its nearness to the passage word that
	// meets it.
	Covered float64 `json:"covered"`
	// Absent is the share of the question's weight with nothing near it in
	// the document at all.
	Absent float64 `json:"absent"`
	// Unknown lists the question's words the document never speaks of.
	Unknown []string `json:"unknown,omitempty"`
	// Wants names the kind of fact the question asks for ("quantity",
	// "time", "place", "person"), "" when it names none.
	Wants string `json:"wants,omitempty"`
	// Holds reports whether the best passages hold a fact of that kind that
	// the question does not already state.
	Holds bool `json:"holds"`
	// HeaviestAbsent reports that the question's most specific word is an
	// alphabetic word with nothing near it in the document: not itself, a
	// translation, a near-synonym or a misspelling ("is there a PGP key…"
	// of a policy that never mentions PGP). Chinese words are left out: a
	// question's colloquial compounds are often missing from the
	// dictionary, and the rule would doubt too many answerable questions
	// (measured: everyday answered 0.56 → 0.51).
	HeaviestAbsent bool `json:"heaviest_absent"`
	// Anchored reports that a word of the question is specific to a few
	// passages of the document (by itself or a word near it): whatever its
	// other words, the question is about something the document says.
	Anchored bool `json:"anchored"`
}

// The thresholds of the judgement: round values chosen on our probe and
// held-out questions (testdata/probe.jsonl, testdata/everyday-heldout.jsonl)
// and left alone; the README gives the figures they yield on every set.
const (
	// knownSim is the nearness from which a word of the document stands for
	// a question word in Known.
	knownSim = 0.5
	// minNear: below this share of its weight near anything the document
	// says, a question is about something the document does not speak of.
	minNear = 0.3
	// answerNear and answerCovered: from these shares of its weight near
	// the document and met by the best passages, a question counts as
	// answered.
	answerNear    = 0.5
	answerCovered = 0.3
	// judgeDepth is how many top passages the judgement reads: the ones an
	// extractive answer quotes.
	judgeDepth = 3
	// anchorShare: a word weighing at least this share of the heaviest
	// possible (it is in a few passages only) anchors a question.
	anchorShare = 0.5
	// closeCover: a passage answers along with the best one when it meets
	// at least this share of what the best one meets.
	closeCover = 0.8
)

// Outcome turns the evidence into the judgement: not addressed when little
// of what the question asks about is near anything the document says and
// nothing anchors it there; uncertain when the question asks for a kind of
// fact the best passages do not state, or its most specific word is absent;
// answered when the document speaks of the question and its best passages
// meet it; uncertain otherwise.
func (e Evidence) Outcome() Outcome {
	switch {
	case e.Near < minNear && !e.Anchored:
		return NotAddressed
	case e.Wants != "" && !e.Holds, e.HeaviestAbsent:
		return Uncertain
	case e.Near >= answerNear && e.Covered >= answerCovered:
		return Answered
	default:
		return Uncertain
	}
}

// evidence gathers what the judgement needs for a question whose best
// paragraphs are top.
func (ix *Index) evidence(q query, top []int) Evidence {
	var e Evidence
	top = top[:min(judgeDepth, len(top))]
	var all, known, near, absent, covered, heaviest float64
	for _, w := range q.words {
		if judgeFraming[w.word] {
			continue
		}
		all += w.weight
		nbs := ix.space.Neighbours(w.word)
		if w.weight > heaviest {
			heaviest, e.HeaviestAbsent = w.weight, len(nbs) == 0 && !analysis.HasHan(w.word)
		}
		if len(nbs) > 0 {
			near += w.weight * nbs[0].Sim
			if nbs[0].Sim >= knownSim && ix.space.Weight(nbs[0].Word) >= anchorShare*ix.space.Weight("") {
				e.Anchored = true
			}
		} else {
			absent += w.weight
		}
		if ix.speaksOf(w.word) {
			known += w.weight
		} else {
			e.Unknown = append(e.Unknown, w.word)
		}
	}
	best := make([]float64, len(q.words))
	own := make([]float64, len(top)) // what each passage meets alone
	for j, p := range top {
		for i, m := range ix.means.matches(q.words, p) {
			best[i] = math.Max(best[i], m.sim)
			if !judgeFraming[q.words[i].word] {
				own[j] += q.words[i].weight * m.sim
			}
		}
	}
	for i, w := range q.words {
		if !judgeFraming[w.word] {
			covered += w.weight * best[i]
		}
	}
	if all > 0 {
		e.Known, e.Near, e.Absent, e.Covered = known/all, near/all, absent/all, covered/all
	}
	want := q.want
	e.Wants = want.String()
	if want != anyAnswer {
		// The fact must be in a passage that answers, not in any passage
		// that happened to rank third.
		var most float64
		for _, x := range own {
			most = math.Max(most, x)
		}
		for j, p := range top {
			if own[j] < closeCover*most {
				continue
			}
			if ix.holds(want, p, q.asked) {
				e.Holds = true
				break
			}
		}
	}
	return e
}

// speaksOf reports whether the document uses word w or a word close to it
// in meaning.
func (ix *Index) speaksOf(w string) bool {
	for _, nb := range ix.space.Neighbours(w) {
		if nb.Sim >= knownSim {
			return true
		}
	}
	return false
}

// judgeFraming are content-looking words that frame a question rather than
// name what it asks about ("what is their attitude to X", "what do they
// plan for X"): the document need not use them to answer.
var judgeFraming = map[string]bool{
	"态度": true, "立场": true, "看法": true, "观点": true, "看待": true, "评价": true, "认为": true,
	"打算": true, "准备": true, "想要": true, "需要": true, "应该": true, "现在": true, "目前": true,
	"当年": true, "当初": true, "起到": true, "内容": true, "情况": true, "表示": true, "觉得": true,
	"表达": true, "说法": true, "规定": true, "谈到": true, "涉及": true, "关于": true, "有关": true,
	"方面": true, "主要": true, "具体": true, "这些": true, "那些": true, "这类": true, "之间": true,
	"attitud": true, "view": true, "opinion": true, "think": true, "plan": true, "posit": true,
	"stanc": true, "want": true, "feel": true, "actual": true, "realli": true,
}
