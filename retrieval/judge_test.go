package retrieval

import (
	"context"
	"slices"
	"testing"

	"github.com/citebot/citebot/analysis"
	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/internal/lazyre"
	"github.com/citebot/citebot/retrieval/internal/countries"
)

func TestEvidenceOutcome(t *testing.T) {
	tests := []struct {
		name string
		e    Evidence
		want Outcome
	}{
		{"covered", Evidence{Near: 0.9, Covered: 0.8}, Answered},
		{"partly covered", Evidence{Near: 0.6, Covered: answerCovered}, Answered},
		{"near but not met by the passages", Evidence{Near: 0.9, Covered: 0.1}, Uncertain},
		{"half near", Evidence{Near: 0.4, Covered: 0.4}, Uncertain},
		{"about something else", Evidence{Near: 0.1, Covered: 0.1}, NotAddressed},
		{"fact of the kind asked is missing", Evidence{Near: 1, Covered: 1, Wants: "time"}, Uncertain},
		{"fact of the kind asked is there", Evidence{Near: 1, Covered: 1, Wants: "time", Holds: true}, Answered},
	}
	for _, tt := range tests {
		if got := tt.e.Outcome(); got != tt.want {
			t.Errorf("%s: %+v → %v, want %v", tt.name, tt.e, got, tt.want)
		}
	}
}

func TestExpectedAnswer(t *testing.T) {
	tests := []struct {
		q    string
		want answerType
	}{
		{"上合组织秘书处设在哪里?", placeAnswer},
		{"2022年冬奥会是在哪个城市办的?", placeAnswer},
		{"which Chinese city hosted the conference?", placeAnswer},
		{"上合组织论坛是哪一年成立的?", timeAnswer},
		{"When was the treaty signed?", timeAnswer},
		{"阿富汗难民一共有多少人?", quantityAnswer},
		{"What is the annual budget of the SCO?", quantityAnswer},
		{"上合组织之歌是谁作的曲?", personAnswer},
		{"网吧里抽烟归谁管?", bodyAnswer},
		{"電梯裡抽菸誰來處理?", bodyAnswer},
		{"who enforces the no-smoking rules?", bodyAnswer},
		{"which team handles security reports?", bodyAnswer},
		{"上合组织的旗帜是什么颜色?", colourAnswer},
		{"上合组织的官方工作语言有哪些?", languageAnswer},
		{"what's the email address of the mailing list i send patches to?", contactAnswer},
		{"found a bug, where am i supposed to send it?", contactAnswer},
		{"Where can I find the incident response plan?", contactAnswer},
		{"漏洞应该报告给谁?", contactAnswer},
		{"Where is the SCO Secretariat based?", placeAnswer},
		{"Which member states keep in close contact on Afghanistan?", placeAnswer},
		{"what links the two sections?", anyAnswer},
		{"if i post a patch on the mailing list, does it count as contributing?", anyAnswer},
		{"when do they publish the fix?", timeAnswer},
		{"when i hand my build over to a client do i have to give them the license?", anyAnswer},
		// Not questions for a kind of fact.
		{"这几个国家之间要是闹掰了,会不会直接动手开打?", anyAnswer},
		{"“上海五国”当年是在哪份文件里提出的?", anyAnswer},
		{"Where does the declaration mention financial institutions?", anyAnswer},
		{"成员国如何看待单边保护主义?", anyAnswer},
	}
	for _, tt := range tests {
		if got := expectedAnswer(analysis.Fold(tt.q)); got != tt.want {
			t.Errorf("expectedAnswer(%q) = %q, want %q", tt.q, got, tt.want)
		}
	}
}

func TestHolds(t *testing.T) {
	tests := []struct {
		t                 answerType
		passage, question string
		want              bool
	}{
		{timeAnswer, "2001年6月15日,元首在上海通过宣言。", "宣言是哪年通过的?", true},
		{bodyAnswer, "公安部门负责对网吧的控烟工作进行监督执法。", "网吧里抽烟归谁管?", true},
		{bodyAnswer, "网吧内禁止吸烟。", "网吧里抽烟归谁管?", false},
		{bodyAnswer, "the security team will acknowledge your report.", "who handles reports?", true},
		{timeAnswer, "成员国支持上合组织论坛。", "论坛是哪年成立的?", false},
		{timeAnswer, "2022年冬奥会将增进友谊。", "2022年冬奥会是哪年办的?", false}, // the year is the question's own
		{quantityAnswer, "成员国支持阿富汗难民返回。", "难民有多少人?", false},
		{quantityAnswer, "会议有120人出席。", "会议有多少人出席?", true},
		{placeAnswer, "上合组织秘书处设在北京,保持高效运行。", "秘书处设在哪里?", true},
		{placeAnswer, "设在北京的秘书处保持高效运行。", "秘书处在北京哪一区?", false}, // 北京 is asked about
		{placeAnswer, "成员国支持哈萨克斯坦的倡议。", "会议在哪个国家开?", true},
		{personAnswer, "俄罗斯提议升级该机构。", "这主意是谁出的?", true},
		{personAnswer, "成员国确定了上合组织之歌。", "上合组织之歌是谁作的曲?", false},
		{colourAnswer, "旗帜为蓝色。", "旗帜是什么颜色?", true},
		{colourAnswer, "确定了徽标和旗帜。", "旗帜是什么颜色?", false},
		{languageAnswer, "本组织的工作语言为汉语和俄语。", "工作语言有哪些?", true},
		{languageAnswer, "成员国重视语言交流。", "工作语言有哪些?", false},
		{contactAnswer, "Report security bugs via [HackerOne](https://hackerone.com/nodejs).", "where do i send a bug?", true},
		{contactAnswer, "You may escalate to security@lists.openjsf.org.", "what's the email?", true},
		{contactAnswer, "Report security bugs privately.", "where do i send a bug?", false},
	}
	for _, tt := range tests {
		if got := holds(tt.t, analysis.Fold(tt.passage), analysis.Fold(tt.question)); got != tt.want {
			t.Errorf("holds(%s, %q, %q) = %v, want %v", tt.t, tt.passage, tt.question, got, tt.want)
		}
	}
}

// Questions written for this test, in none of the evaluation sets.
func TestJudgeOnDeclaration(t *testing.T) {
	ix := buildDefault(t)
	tests := []struct {
		q    string
		want []Outcome // any of these
	}{
		{"上合组织秘书处设在哪里?", []Outcome{Answered}},
		{"Where is the SCO Secretariat based?", []Outcome{Answered}},
		{"成员国在打击贩毒方面怎么合作?", []Outcome{Answered}},
		{"红烧肉怎么做才好吃?", []Outcome{NotAddressed}},
		{"how do I reset my router password?", []Outcome{NotAddressed}},
		{"上合组织秘书长现在是谁?", []Outcome{Uncertain, NotAddressed}},
		{"上合组织论坛是哪一年成立的?", []Outcome{Uncertain, NotAddressed}},
	}
	for _, tt := range tests {
		res, err := ix.Search(context.Background(), tt.q, 5)
		if err != nil {
			t.Fatal(err)
		}
		ok := false
		for _, o := range tt.want {
			ok = ok || res.Outcome == o
		}
		if !ok {
			t.Errorf("%q: %v (%+v), want one of %v", tt.q, res.Outcome, res.Evidence, tt.want)
		}
		if res.Grounded != (res.Outcome != NotAddressed) {
			t.Errorf("%q: Grounded %v disagrees with %v", tt.q, res.Grounded, res.Outcome)
		}
	}
}

// The judgement works for a document in any language the analysis
// supports, with no dictionary at all: a word is known when the document
// uses it.
func TestJudgeWithoutLexicon(t *testing.T) {
	doc, err := corpus.Parse("terms.md", []byte("# Terms\n\n## Warranty\n\nThe software is provided without warranty of any kind.\n\n"+
		"## Installation\n\nInstall the package with the installer and restart the machine.\n\n"+
		"## Floods\n\nDamage from a flood is not covered by the licence.\n"))
	if err != nil {
		t.Fatal(err)
	}
	ix := buildOf(t, doc, nil)
	tests := []struct {
		q     string
		want  Outcome
		first string // the text the best hit must contain, if answered
	}{
		{"Is there any warranty?", Answered, "without warranty"},
		{"flood", Answered, "flood"},
		{"what about the installation?", Answered, "Install"},
		{"What is the capital of France?", NotAddressed, ""},
	}
	for _, tt := range tests {
		res, err := ix.Search(context.Background(), tt.q, 3)
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != tt.want {
			t.Errorf("%q: %v (%+v), want %v", tt.q, res.Outcome, res.Evidence, tt.want)
			continue
		}
		if tt.first != "" && !containsFold(res.Hits[0].Paragraph.Text, tt.first) {
			t.Errorf("%q: best hit %q, want one containing %q", tt.q, res.Hits[0].Paragraph.Text, tt.first)
		}
	}
}

func containsFold(s, sub string) bool {
	return len(sub) > 0 && len(s) >= len(sub) && indexFold(s, sub) >= 0
}

func indexFold(s, sub string) int {
	fs, fsub := analysis.Fold(s), analysis.Fold(sub)
	for i := 0; i+len(fsub) <= len(fs); i++ {
		if fs[i:i+len(fsub)] == fsub {
			return i
		}
	}
	return -1
}

// The generated country names must be CLDR's, folded (go generate
// ./retrieval writes them).
func TestCountriesTableIsCLDR(t *testing.T) {
	if !slices.Equal(countryNames, countries.Names()) {
		t.Error("countryNames is not CLDR's country names: run go generate ./retrieval")
	}
}

func TestLazyRegexpsCompile(t *testing.T) {
	for _, l := range lazyre.All() {
		l.Compile()
	}
}
