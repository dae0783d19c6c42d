package explain

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// The corpus (testdata/corpus.txtar) is a labelled set of whole messages and
// log excerpts from public threads; TestCorpus measures explain on it.
// Coverage is the share of the credential problems for which a cause is
// found; precision is the share of found causes that are right, counting a
// cause found in a message that is no credential problem at all ("none") as
// wrong. Precision must stay at 95% or above; the coverage floor is the
// recorded value (bench/README.md), rounded down: the test fails when a
// change lowers it. Adding entries that are not covered means recording the
// new value.
const (
	minCorpusPrecision = 0.95
	minCorpusCoverage  = 0.968
)

// corpusNone labels a message that is not an authentication or
// configuration problem.
const corpusNone Cause = "none"

// corpusHeldOut is the set of entries kept out of the work on the rules.
const corpusHeldOut = "heldout"

type corpusEntry struct {
	ID, Source, Tool, Note string
	Cause                  Cause
	// Set is "heldout" for the entries gathered after the rules were
	// written from the others, and kept out of that work: they measure how
	// the rules do on messages nobody tuned them for.
	Set  string
	Text string
}

func loadCorpus(t testing.TB) []corpusEntry {
	t.Helper()
	data, err := os.ReadFile("testdata/corpus.txtar")
	if err != nil {
		t.Fatal(err)
	}
	ar := txtar.Parse(data)
	known := map[Cause]bool{corpusNone: true}
	for _, r := range rules {
		known[r.Cause] = true
	}
	seen := map[string]bool{}
	var out []corpusEntry
	for _, f := range ar.Files {
		e := corpusEntry{ID: f.Name}
		where := "testdata/corpus.txtar: " + f.Name
		if seen[f.Name] {
			t.Fatalf("%s: the id is used twice", where)
		}
		seen[f.Name] = true
		head, text, ok := bytes.Cut(f.Data, []byte("\n\n"))
		if !ok {
			t.Fatalf("%s: no blank line between the header and the text", where)
		}
		for _, line := range strings.Split(string(head), "\n") {
			key, val, ok := strings.Cut(line, ": ")
			if !ok {
				t.Fatalf("%s: header line %q is not 'key: value'", where, line)
			}
			switch key {
			case "source":
				e.Source = val
			case "tool":
				e.Tool = val
			case "cause":
				e.Cause = Cause(val)
			case "note":
				e.Note = val
			case "set":
				if val != corpusHeldOut {
					t.Fatalf("%s: set %q: the only set is %q", where, val, corpusHeldOut)
				}
				e.Set = val
			default:
				t.Fatalf("%s: unknown header %q (source, tool, cause, note, set)", where, key)
			}
		}
		e.Text = strings.TrimRight(string(text), "\n")
		switch {
		case !strings.HasPrefix(e.Source, "https://"):
			t.Fatalf("%s: source %q is not a link to the thread or page", where, e.Source)
		case e.Tool == "":
			t.Fatalf("%s: no tool", where)
		case !known[e.Cause]:
			t.Fatalf("%s: cause %q is neither a cause id nor %q", where, e.Cause, corpusNone)
		case strings.TrimSpace(e.Text) == "":
			t.Fatalf("%s: no text", where)
		}
		out = append(out, e)
	}
	return out
}

var (
	corpusKeyID   = regexp.MustCompile(`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`)
	corpusAccount = regexp.MustCompile(`arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):`)
)

// TestCorpusHoldsNoSecrets keeps real keys and account ids out of the
// corpus: keys are AWS's documentation placeholders, and accounts in ARNs
// are the two stand-ins.
func TestCorpusHoldsNoSecrets(t *testing.T) {
	for _, e := range loadCorpus(t) {
		for _, k := range corpusKeyID.FindAllString(e.Text, -1) {
			if !strings.HasSuffix(k, "EXAMPLE") {
				t.Errorf("%s: access key id %s: replace it with AKIAIOSFODNN7EXAMPLE", e.ID, k)
			}
		}
		for _, m := range corpusAccount.FindAllStringSubmatch(e.Text, -1) {
			if m[1] != "123456789012" && m[1] != "210987654321" && m[1] != "000000000000" {
				t.Errorf("%s: account %s in an ARN: replace it with 123456789012", e.ID, m[1])
			}
		}
	}
}

// corpusScore is the outcome of explain on the corpus.
type corpusScore struct {
	entries, problems  int // problems: entries whose cause is not "none"
	found, correct     int // found counts any cause found, "none" entries too
	problemFound       int
	closest            int // not found, but the closest cause is the label
	perCause           map[Cause]*causeScore
	misses, wrong, neg []string
}

type causeScore struct{ entries, found, correct int }

func (s *corpusScore) precision() float64 { return ratio(s.correct, s.found) }
func (s *corpusScore) coverage() float64  { return ratio(s.problemFound, s.problems) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func scoreCorpus(t testing.TB, corpus []corpusEntry) *corpusScore {
	s := &corpusScore{perCause: map[Cause]*causeScore{}}
	for _, e := range corpus {
		res := Diagnose(scanString(t, e.Text), &Situation{})
		s.entries++
		cs := s.perCause[e.Cause]
		if cs == nil {
			cs = &causeScore{}
			s.perCause[e.Cause] = cs
		}
		cs.entries++
		if e.Cause != corpusNone {
			s.problems++
		}
		switch {
		case !res.Found && e.Cause == corpusNone:
		case !res.Found:
			if res.Cause == e.Cause {
				s.closest++
			}
			s.misses = append(s.misses, fmt.Sprintf("%-34s want %-28s closest %s", e.ID, e.Cause, res.Cause))
		case e.Cause == corpusNone:
			s.found++
			cs.found++
			s.neg = append(s.neg, fmt.Sprintf("%-34s found %s (line %d: %s)", e.ID, res.Cause, res.Line, res.Matched))
		default:
			s.found++
			s.problemFound++
			cs.found++
			if res.Cause == e.Cause {
				s.correct++
				cs.correct++
			} else {
				s.wrong = append(s.wrong, fmt.Sprintf("%-34s want %-28s found %s (line %d: %s)", e.ID, e.Cause, res.Cause, res.Line, res.Matched))
			}
		}
	}
	return s
}

// TestCorpus runs explain on every corpus entry, reports coverage and
// precision (go test -run TestCorpus -v), and fails when either falls below
// its recorded floor.
func TestCorpus(t *testing.T) {
	corpus := loadCorpus(t)
	if len(corpus) < 150 {
		t.Fatalf("the corpus has %d entries; it should have at least 150", len(corpus))
	}
	s := scoreCorpus(t, corpus)
	var heldOut []corpusEntry
	for _, e := range corpus {
		if e.Set == corpusHeldOut {
			heldOut = append(heldOut, e)
		}
	}
	h := scoreCorpus(t, heldOut)

	causes := make([]string, 0, len(s.perCause))
	for c := range s.perCause {
		causes = append(causes, string(c))
	}
	sort.Strings(causes)
	var b strings.Builder
	fmt.Fprintf(&b, "%-30s %7s %5s %7s\n", "cause", "entries", "found", "correct")
	for _, c := range causes {
		cs := s.perCause[Cause(c)]
		fmt.Fprintf(&b, "%-30s %7d %5d %7d\n", c, cs.entries, cs.found, cs.correct)
	}
	t.Logf("per cause:\n%s", b.String())
	for _, l := range [][]string{s.misses, s.wrong, s.neg} {
		sort.Strings(l)
	}
	t.Logf("not found (%d):\n  %s", len(s.misses), strings.Join(s.misses, "\n  "))
	t.Logf("wrong cause (%d):\n  %s", len(s.wrong), strings.Join(s.wrong, "\n  "))
	t.Logf("a cause found in a message that is none (%d):\n  %s", len(s.neg), strings.Join(s.neg, "\n  "))
	t.Logf("corpus: %d entries, %d credential problems, %d not", s.entries, s.problems, s.entries-s.problems)
	t.Logf("coverage:  %d/%d = %.1f%% (floor %.1f%%)", s.problemFound, s.problems, 100*s.coverage(), 100*minCorpusCoverage)
	t.Logf("precision: %d/%d = %.1f%% (floor %.1f%%)", s.correct, s.found, 100*s.precision(), 100*minCorpusPrecision)
	t.Logf("not found, closest cause right: %d/%d", s.closest, len(s.misses))
	t.Logf("held out (%d entries, %d problems): coverage %d/%d = %.1f%%, precision %d/%d = %.1f%%",
		h.entries, h.problems, h.problemFound, h.problems, 100*h.coverage(), h.correct, h.found, 100*h.precision())

	if s.precision() < minCorpusPrecision {
		t.Errorf("precision %.3f is below %.3f", s.precision(), minCorpusPrecision)
	}
	if s.coverage() < minCorpusCoverage {
		t.Errorf("coverage %.3f is below the recorded %.3f", s.coverage(), minCorpusCoverage)
	}
}
