package retrieval

import (
	"cmp"
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/citebot/citebot/corpus"
	"github.com/citebot/citebot/embeddings"
	"github.com/citebot/citebot/glossary"
	"github.com/citebot/citebot/internal/synthetic"
)

func buildDefault(tb testing.TB) *Index {
	tb.Helper()
	doc := corpus.Default()
	emb, _ := LocalEmbedder(context.Background(), doc)
	ix, err := Build(context.Background(), doc, emb, Options{Lexicon: GlossaryLexicon{glossary.Default()}})
	if err != nil {
		tb.Fatal(err)
	}
	return ix
}

// buildOf indexes doc with lex (nil: no dictionary) and the local meaning
// space, as the program does with nothing configured.
func buildOf(tb testing.TB, doc *corpus.Document, lex Lexicon) *Index {
	tb.Helper()
	ix, err := Build(context.Background(), doc, nil, Options{Lexicon: lex})
	if err != nil {
		tb.Fatal(err)
	}
	return ix
}

// buildText indexes Markdown text as a document, with lex.
func buildText(tb testing.TB, text string, lex Lexicon) *Index {
	tb.Helper()
	doc, err := corpus.Parse("doc.md", []byte(text))
	if err != nil {
		tb.Fatal(err)
	}
	return buildOf(tb, doc, lex)
}

// buildFile indexes a test document with the embedded glossary.
func buildFile(tb testing.TB, path string) *Index {
	tb.Helper()
	doc, err := corpus.Load(path)
	if err != nil {
		tb.Fatal(err)
	}
	return buildOf(tb, doc, GlossaryLexicon{glossary.Default()})
}

// answerAlike checks that the re-ranking index finds a dev question's gold
// in its top five, and judges it, as the exhaustive one does.
func answerAlike(t *testing.T, exhaustive, rerank *Index) {
	t.Helper()
	ctx := context.Background()
	for _, c := range readCases(t, "testdata/dev.jsonl") {
		a, err := exhaustive.Search(ctx, c.Question, 5)
		if err != nil {
			t.Fatal(err)
		}
		b, err := rerank.Search(ctx, c.Question, 5)
		if err != nil {
			t.Fatal(err)
		}
		if ra, rb := firstGold(labels(a.Hits), c.Gold), firstGold(labels(b.Hits), c.Gold); (ra > 0) != (rb > 0) || a.Outcome != b.Outcome {
			t.Errorf("%s: exhaustive %v %v, re-ranked %v %v", c.ID, labels(a.Hits), a.Outcome, labels(b.Hits), b.Outcome)
		}
	}
}

func labels(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Paragraph.Label
	}
	return out
}

func TestSearchSectionQuestions(t *testing.T) {
	ix := buildDefault(t)
	tests := []struct {
		question string
		want     []string
	}{
		{"宣言第三部分第六节主要讲什么?", []string{"三(六)¶1", "三(六)¶2", "三(六)¶3"}},
		{"What does section 4(11) of the declaration cover?", []string{"四(十一)¶1", "四(十一)¶2"}},
		{"第五部分第八節 講了什麼", []string{"五(八)¶1"}},
		{"3.6", []string{"三(六)¶1", "三(六)¶2", "三(六)¶3"}},
		{"三(六)¶2", []string{"三(六)¶2"}},
		{"五(十三)", []string{"五(十三)¶1"}},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			res, err := ix.Search(context.Background(), tt.question, 5)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Grounded || res.Section == "" {
				t.Errorf("grounded=%v section=%q, want a grounded section answer", res.Grounded, res.Section)
			}
			if got := labels(res.Hits); !slices.Equal(got, tt.want) {
				t.Errorf("hits = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSearchFindsTheParagraph(t *testing.T) {
	ix := buildDefault(t)
	tests := []struct{ question, want string }{
		{"上合组织秘书处设在哪里?", "一¶7"},
		{"上合組織秘書處設在哪裡?", "一¶7"},
		{"Where is the SCO secretariat located?", "一¶7"},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			res, err := ix.Search(context.Background(), tt.question, 5)
			if err != nil {
				t.Fatal(err)
			}
			if got := labels(res.Hits); !slices.Contains(got, tt.want) {
				t.Errorf("top 5 = %v, want %s among them", got, tt.want)
			}
			if !res.Grounded {
				t.Error("not grounded")
			}
		})
	}
}

// On a document of another kind: the words naming the document are
// framing ("under the Apache License"), unless nothing else is asked; a
// misspelt word meets the document's word as written ("notificatons",
// which Snowball leaves whole, meets "notifications", stemmed "notif"),
// and BM25, which sees none of it, does not outvote the match.
func TestSearchOtherDocuments(t *testing.T) {
	apache, security := buildFile(t, "../corpus/testdata/apache-2.0.txt"), buildFile(t, "../corpus/testdata/security.md")
	mpl := buildFile(t, "../corpus/testdata/mpl-2.0.txt")
	tests := []struct {
		ix       *Index
		question string
		want     string // among the first three
	}{
		{apache, `Who is a "Contributor" under the Apache License?`, "1¶10"},
		{apache, "What is the Apache License?", "¶1"},
		{security, "How do I recieve security notificatons about Node.js?", "7¶1"},
		// The MPL writes "GNU General Public License", never "GPL".
		{mpl, "is it compatible with the GPL?", "1.12¶1"},
	}
	for _, tt := range tests {
		t.Run(tt.question, func(t *testing.T) {
			res, err := tt.ix.Search(context.Background(), tt.question, 3)
			if err != nil {
				t.Fatal(err)
			}
			if got := labels(res.Hits); !slices.Contains(got, tt.want) || !res.Grounded {
				t.Errorf("top 3 = %v (%v), want %s among them", got, res.Outcome, tt.want)
			}
		})
	}
}

func TestSearchRejectsEmpty(t *testing.T) {
	ix := buildDefault(t)
	for _, q := range []string{"", "   ", "\n\t"} {
		if _, err := ix.Search(context.Background(), q, 5); !errors.Is(err, ErrEmptyQuestion) {
			t.Errorf("Search(%q) error = %v, want ErrEmptyQuestion", q, err)
		}
	}
}

// A collection smaller than k must not trip chromem-go's nResults <= Count rule.
func TestSearchSmallCorpus(t *testing.T) {
	doc, err := corpus.Parse("tiny.txt", []byte("一、總則\n\n秘書處設在北京。\n\n二、其他\n\n成員國加強合作。\n"))
	if err != nil {
		t.Fatal(err)
	}
	emb, _ := LocalEmbedder(context.Background(), doc)
	ix, err := Build(context.Background(), doc, emb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(context.Background(), "秘书处在哪里", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 || res.Hits[0].Paragraph.Label != "一¶1" {
		t.Errorf("hits = %v, want 一¶1 first", labels(res.Hits))
	}
}

// The quality gates: the shared dev sets (dev.jsonl, dev-everyday.jsonl,
// copied from shared/eval), our held-out everyday questions, written by
// someone who never saw the system's output, and the probe questions the
// first grounding rule was calibrated on (a regression guard). The
// everyday targets are the understanding issue's; the others hold what
// was reached before it.
func TestRetrievalQuality(t *testing.T) {
	declaration := buildDefault(t)
	tests := []struct {
		file, doc string // doc "" is the declaration
		// zh and en are the least recall@5 per language.
		zh, en float64
		// mrr is the least MRR over all answerable questions.
		mrr float64
		// answered is the least share of answerable questions answered
		// outright; refused the most refused.
		answered, refused float64
		// declined is the least share of unanswerable questions refused or
		// judged uncertain.
		declined float64
	}{
		{"testdata/dev.jsonl", "", 0.95, 1.00, 0.88, 0.85, 0.05, 0.99},
		{"testdata/dev-everyday.jsonl", "", 0.60, 0.70, 0.40, 0.50, 0.10, 0.85},
		{"testdata/everyday-heldout.jsonl", "", 0.65, 0.60, 0.50, 0.50, 0.10, 0.85},
		{"testdata/probe.jsonl", "", 1.00, 1.00, 0.95, 0.90, 0.05, 0.60},
		// Documents of other kinds, with everyday questions written for them
		// (the any-document issue asks 0.90 recall; see the README for why
		// SECURITY.md stops short). Each English document's set ends with
		// ten Chinese questions and the regulation's with twelve English
		// ones, written blind by a helper that never ran the system: the
		// gates of the language asked across are what those reach.
		{"testdata/apache-everyday.jsonl", "../corpus/testdata/apache-2.0.txt", 0.85, 0.90, 0.70, 0.50, 0.10, 0.85},
		{"testdata/security-everyday.jsonl", "../corpus/testdata/security.md", 0.45, 0.80, 0.50, 0.40, 0.10, 0.75},
		// Written in one sitting before the system saw them, as a check of
		// the two above: what a document nobody tuned on gets.
		{"testdata/mpl-everyday.jsonl", "../corpus/testdata/mpl-2.0.txt", 0.65, 0.75, 0.50, 0.60, 0.10, 0.80},
		// A Chinese regulation: articles (第七条) with enumerated items, and
		// questions in everyday Chinese, Traditional and English.
		{"testdata/smoking-everyday.jsonl", "../corpus/testdata/smoking-control.md", 0.75, 0.50, 0.45, 0.35, 0.10, 0.80},
		// A project's governance: written with the document open, so closer
		// to its wording than the others.
		{"testdata/governance-everyday.jsonl", "../corpus/testdata/governance.md", 0.75, 0.95, 0.65, 0.45, 0.10, 0.80},
		// An incident response plan, held out: its questions were written
		// blind after all of the above. Most answerable ones are judged
		// uncertain (see the README), hence the low answered gate.
		{"testdata/irp-everyday.jsonl", "../corpus/testdata/sqlite-irp.md", 0.80, 0.90, 0.65, 0.15, 0.10, 0.80},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ix := declaration
			if tt.doc != "" {
				ix = buildFile(t, tt.doc)
			}
			cases := readCases(t, tt.file)
			_, sum, err := Evaluate(context.Background(), ix, cases, 5)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("\n%s", FormatSummary(sum))
			if zh := sum.ByLang["zh"]; zh.Recall < tt.zh {
				t.Errorf("Chinese recall@5 = %.3f, want >= %.2f", zh.Recall, tt.zh)
			}
			if en := sum.ByLang["en"]; en.Recall < tt.en {
				t.Errorf("English recall@5 = %.3f, want >= %.2f", en.Recall, tt.en)
			}
			if sum.All.MRR < tt.mrr {
				t.Errorf("MRR = %.3f, want >= %.2f", sum.All.MRR, tt.mrr)
			}
			if sum.All.Answered < tt.answered {
				t.Errorf("answerable answered outright = %.3f, want >= %.2f", sum.All.Answered, tt.answered)
			}
			if sum.All.WronglyRefused > tt.refused {
				t.Errorf("answerable refused = %.3f, want <= %.2f", sum.All.WronglyRefused, tt.refused)
			}
			if d := sum.Refused + sum.Uncertain; d < tt.declined {
				t.Errorf("unanswerable refused or uncertain = %.3f, want >= %.2f", d, tt.declined)
			}
		})
	}
}

type failingEmbedder struct{}

func (failingEmbedder) Embed(context.Context, []string) ([][]float32, error) {
	return nil, errors.New("embedding server down")
}

func TestLibraryReload(t *testing.T) {
	ctx := context.Background()
	lib, err := NewLibrary(ctx, corpus.Default(), LocalEmbedder, Options{})
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(mustRead(t, "../corpus/declaration.txt")), "設在北京的秘書處", "設在上海的秘書處", 1)
	doc, err := corpus.Parse("changed.txt", []byte(changed))
	if err != nil {
		t.Fatal(err)
	}
	d, err := lib.Reload(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	if d.Changed != 1 || d.Added != 0 || d.Removed != 0 || d.Paragraphs != len(doc.Paragraphs) {
		t.Errorf("diff = %+v, want exactly one changed paragraph", d)
	}
	if lib.Document() != doc {
		t.Error("the reloaded document is not serving")
	}

	// A reload whose embedding fails leaves the serving index alone.
	broken := &Library{embedder: func(context.Context, *corpus.Document) (Embedder, error) { return failingEmbedder{}, nil }}
	broken.cur.Store(lib.Index())
	if _, err := broken.Reload(ctx, corpus.Default()); err == nil {
		t.Fatal("reload with a failing embedder succeeded")
	}
	if broken.Document() != doc {
		t.Error("a failed reload replaced the serving index")
	}
}

func TestLibraryReloadWhileSearching(t *testing.T) {
	ctx := context.Background()
	a := corpus.Default()
	lib, err := NewLibrary(ctx, a, LocalEmbedder, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := corpus.Parse("other.txt", []byte("一、總則\n\n秘書處設在北京。\n\n成員國加強合作。\n"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := lib.Search(ctx, "秘书处设在哪里", 5)
				if err != nil {
					t.Error(err)
					return
				}
				// Every hit comes from one document, never a mix.
				from := func(d *corpus.Document) int {
					n := 0
					for _, h := range res.Hits {
						if p, ok := d.Paragraph(h.Paragraph.Label); ok && p.Text == h.Paragraph.Text {
							n++
						}
					}
					return n
				}
				if n := len(res.Hits); from(a) != n && from(b) != n {
					t.Errorf("hits mix two documents: %v", labels(res.Hits))
					return
				}
			}
		}()
	}
	for i := range 10 {
		doc := a
		if i%2 == 0 {
			doc = b
		}
		if _, err := lib.Reload(ctx, doc); err != nil && !errors.Is(err, ErrReloadInProgress) {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

func TestLibraryRefusesConcurrentReload(t *testing.T) {
	ctx := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	first := true
	var mu sync.Mutex
	lib, err := NewLibrary(ctx, corpus.Default(), func(ctx context.Context, doc *corpus.Document) (Embedder, error) {
		mu.Lock()
		block := !first
		first = false
		mu.Unlock()
		if block {
			close(started)
			<-release
		}
		return LocalEmbedder(ctx, doc)
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		_, err := lib.Reload(ctx, corpus.Default())
		done <- err
	}()
	<-started
	if _, err := lib.Reload(ctx, corpus.Default()); !errors.Is(err, ErrReloadInProgress) {
		t.Errorf("second reload error = %v, want ErrReloadInProgress", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("first reload: %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Above exhaustiveLimit the vectors only re-rank the lexical candidates,
// quantised. On the declaration, forcing that path must lose no dev
// question's gold paragraph from the top 5 and change no judgement.
func TestRerankLosesNothingOnDev(t *testing.T) {
	ctx := context.Background()
	exhaustive := buildDefault(t)
	rerank, err := Build(ctx, corpus.Default(), nil, Options{Lexicon: GlossaryLexicon{glossary.Default()}, exhaustive: -1})
	if err != nil {
		t.Fatal(err)
	}
	if rerank.vecs.rows != nil || rerank.texts != nil {
		t.Fatal("the forced re-ranking index holds float32 vectors or folded texts")
	}
	answerAlike(t, exhaustive, rerank)
}

func readCases(t *testing.T, path string) []Case {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := ReadCases(f)
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// A document over the paragraph limit is refused with ErrTooLarge, naming
// the limit, before anything is built; a reload of one keeps the old index.
func TestMaxParagraphs(t *testing.T) {
	ctx := context.Background()
	doc := synthetic.Declaration(30)
	_, err := Build(ctx, doc, nil, Options{MaxParagraphs: 29})
	var tl *TooLargeError
	if !errors.Is(err, ErrTooLarge) || !errors.As(err, &tl) || tl.Limit != 29 || tl.Paragraphs != 30 {
		t.Fatalf("Build over the limit: %v, want a *TooLargeError of 30 paragraphs over 29", err)
	}
	if !strings.Contains(err.Error(), "29") {
		t.Errorf("error %q does not name the limit", err)
	}
	if _, err := Build(ctx, doc, nil, Options{MaxParagraphs: 30}); err != nil {
		t.Errorf("Build at the limit: %v", err)
	}
	if _, err := Build(ctx, doc, nil, Options{MaxParagraphs: -1}); err != nil {
		t.Errorf("Build without a limit: %v", err)
	}
	if got := (Options{}).maxParagraphs(); got != DefaultMaxParagraphs {
		t.Errorf("zero Options limit %d, want DefaultMaxParagraphs", got)
	}

	embedded := false
	lib, err := NewLibrary(ctx, corpus.Default(), func(ctx context.Context, d *corpus.Document) (Embedder, error) {
		embedded = d == doc
		return LocalEmbedder(ctx, d)
	}, Options{MaxParagraphs: 200})
	if err != nil {
		t.Fatal(err)
	}
	big := synthetic.Declaration(201)
	if _, err := lib.Reload(ctx, big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Reload over the limit: %v, want ErrTooLarge", err)
	}
	if lib.Document() != corpus.Default() || embedded {
		t.Error("a refused reload replaced the index or reached the embedder")
	}
}

// The vector scan must find exactly what chromem-go's own exhaustive query
// finds in the collection it holds: the same paragraphs, in the same order,
// with the same cosines.
func TestVectorScanIsChromem(t *testing.T) {
	ctx := context.Background()
	for _, ix := range []*Index{buildDefault(t), buildSynthetic(t, 3000)} {
		sims := make([]float64, ix.vecs.count())
		for _, c := range readCases(t, "testdata/dev-everyday.jsonl") {
			q := ix.analyse(c.Question)
			v, err := ix.emb.Embed(ctx, []string{q.text})
			if err != nil {
				t.Fatal(err)
			}
			got, err := ix.vecs.search(v[0], nil, ix.exhaustive, sims)
			if err != nil {
				t.Fatal(err)
			}
			if len(nonZero(v[0])) == 0 {
				// A question with no word of the space: chromem-go would
				// normalise its zero vector to NaN and return 50 paragraphs
				// at NaN, in no particular order (why day-066's passages
				// changed from run to run); the scan returns none.
				if len(got) != 0 {
					t.Errorf("%s: a zero vector found %v", c.ID, got)
				}
				continue
			}
			want, err := ix.vecs.coll.QueryEmbedding(ctx, v[0], candidates, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			var w []vecHit
			for _, r := range want {
				if r.Similarity <= 0 {
					break
				}
				i, _ := strconv.Atoi(r.ID)
				w = append(w, vecHit{doc: i, sim: float64(r.Similarity)})
			}
			// chromem-go orders equal cosines as its heap leaves them; the
			// scan by paragraph.
			slices.SortStableFunc(w, func(a, b vecHit) int {
				if a.sim != b.sim {
					return cmp.Compare(b.sim, a.sim)
				}
				return a.doc - b.doc
			})
			if !slices.Equal(got, w) {
				t.Fatalf("%s: scan %v, chromem-go %v", c.ID, got, w)
			}
		}
	}
}

func buildSynthetic(tb testing.TB, n int) *Index {
	tb.Helper()
	ix, err := Build(context.Background(), synthetic.Declaration(n), nil, Options{Lexicon: GlossaryLexicon{glossary.Default()}})
	if err != nil {
		tb.Fatal(err)
	}
	return ix
}

// A term more frequent than a posting's byte holds keeps its frequency.
func TestLexicalFrequentTerm(t *testing.T) {
	text := strings.Repeat("禁毒", 200)
	lx := newLexical([]string{text, "合作"}, []string{"禁毒", ""})
	from, to := lx.postings("禁毒")
	if to-from != 1 {
		t.Fatalf("禁毒 has %d postings, want 1", to-from)
	}
	if got := lx.tf(from); got != 200.5 {
		t.Errorf("tf = %v, want 200.5 (200 in the text, a half for the title)", got)
	}
	if got := lx.tf2[from]; got != 255 {
		t.Errorf("tf2 = %d, want saturated 255", got)
	}
}

// An embedding model's vectors above the exhaustive limit are quantised
// densely and re-rank as well as float32 ones.
func TestRerankWithModelVectors(t *testing.T) {
	ctx := context.Background()
	doc := corpus.Default()
	passages := make([]string, len(doc.Paragraphs))
	for i, p := range doc.Paragraphs {
		passages[i] = passage(p)
	}
	lex := GlossaryLexicon{glossary.Default()}
	model := embeddings.NewSpace(lex, passages, 0) // stands in for a model
	exhaustive, err := Build(ctx, doc, model, Options{Lexicon: lex})
	if err != nil {
		t.Fatal(err)
	}
	rerank, err := Build(ctx, doc, model, Options{Lexicon: lex, exhaustive: -1})
	if err != nil {
		t.Fatal(err)
	}
	if rerank.vecs.idx != nil || len(rerank.vecs.val) != len(doc.Paragraphs)*model.Dim() {
		t.Fatal("model vectors are not quantised densely")
	}
	answerAlike(t, exhaustive, rerank)
}
