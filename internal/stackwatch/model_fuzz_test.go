package stackwatch

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// fuzzStacks names the stacks a script may use by a short word; any other
// word is used as the stack id as it is.
var fuzzStacks = map[string][2]string{ // word -> id, name
	"root":   {"arn:aws:cloudformation:eu-west-1:111111111111:stack/app/1f0e2d3c-aaaa-4bbb-8ccc-000000000001", "app"},
	"nested": {"arn:aws:cloudformation:eu-west-1:111111111111:stack/app-NetworkNestedStack-1ABC/1f0e2d3c-aaaa-4bbb-8ccc-000000000002", "app-NetworkNestedStack-1ABC"},
	"deep":   {"arn:aws:cloudformation:eu-west-1:111111111111:stack/app-NetworkNestedStack-1ABC-Subnets-2DEF/1f0e2d3c-aaaa-4bbb-8ccc-000000000003", "app-NetworkNestedStack-1ABC-Subnets-2DEF"},
	"other":  {"arn:aws:cloudformation:eu-west-1:111111111111:stack/other/1f0e2d3c-aaaa-4bbb-8ccc-000000000009", "other"},
}

var fuzzBase = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// FuzzModel drives a Model with a script of API answers: events in any order
// and repeated, stacks, resource listings, templates and deletions, with a
// snapshot after every step. The script is text, one call a line, so seeds
// read like the deployments they stand for:
//
//	E stack eventid logical type status seconds reason...   (a line of a DescribeStackEvents batch)
//	S stack status created updated deleted                  (DescribeStacks; times in seconds, - for none)
//	R stack logical type status seconds                     (a line of a ListStackResources answer)
//	D stack logical...                                      (DeclareResources)
//	T template...                                           (TemplateResources, \n for newlines, then DeclareResources on the root)
//	X stack                                                 (MarkDeleted)
//	P stack                                                 (Polled)
//	N seconds                                               (the clock)
//
// Consecutive E and R lines form one batch. Whatever the script, nothing
// panics and every snapshot's counts are consistent: none negative, done
// never above the total, the parts adding up to it, and the failure list
// within its cap.
func FuzzModel(f *testing.F) {
	f.Fuzz(func(t *testing.T, script string, maxFailures uint8) {
		m := New("app", Options{Region: "eu-west-1", MaxFailures: int(maxFailures % 8)})
		now := fuzzBase
		var evs []types.StackEvent
		var rs []types.StackResourceSummary
		rsStack := ""
		flush := func() {
			if len(evs) > 0 {
				m.ObserveEvents(evs)
				evs = nil
			}
			if len(rs) > 0 {
				m.ObserveResources(rsStack, rs)
				rs = nil
			}
		}
		lines := strings.Split(script, "\n")
		if len(lines) > 2000 {
			lines = lines[:2000]
		}
		for _, line := range lines {
			w := strings.Fields(line)
			if len(w) == 0 {
				continue
			}
			arg := func(i int) string {
				if i < len(w) {
					return w[i]
				}
				return ""
			}
			if w[0] != "E" {
				flush()
			}
			switch w[0] {
			case "E":
				id, name := fuzzStack(arg(1))
				e := types.StackEvent{
					EventId: aws.String(arg(2)), StackId: aws.String(id), StackName: aws.String(name),
					LogicalResourceId: aws.String(arg(3)), ResourceType: aws.String(arg(4)),
					ResourceStatus: types.ResourceStatus(arg(5)), Timestamp: fuzzTime(arg(6)),
				}
				if len(w) > 7 {
					e.ResourceStatusReason = aws.String(strings.Join(w[7:], " "))
				}
				if e.LogicalResourceId != nil && *e.LogicalResourceId == name {
					e.PhysicalResourceId = aws.String(id)
				} else if pid, _ := fuzzStack(arg(3)); arg(4) == StackType && pid != arg(3) {
					e.PhysicalResourceId = aws.String(pid)
				}
				evs = append(evs, e)
			case "S":
				id, name := fuzzStack(arg(1))
				m.ObserveStack(types.Stack{StackId: aws.String(id), StackName: aws.String(name),
					StackStatus:  types.StackStatus(arg(2)),
					CreationTime: fuzzTime(arg(3)), LastUpdatedTime: fuzzTime(arg(4)), DeletionTime: fuzzTime(arg(5))})
			case "R":
				id, _ := fuzzStack(arg(1))
				if rsStack != id {
					flush()
					rsStack = id
				}
				rs = append(rs, types.StackResourceSummary{LogicalResourceId: aws.String(arg(2)), ResourceType: aws.String(arg(3)),
					ResourceStatus: types.ResourceStatus(arg(4)), LastUpdatedTimestamp: fuzzTime(arg(5))})
			case "D":
				id, _ := fuzzStack(arg(1))
				m.DeclareResources(id, w[min(2, len(w)):])
			case "T":
				body := strings.ReplaceAll(strings.TrimSpace(strings.TrimPrefix(line, "T")), `\n`, "\n")
				if ids, ok := TemplateResources(body); ok {
					m.DeclareResources(fuzzStacks["root"][0], ids)
				}
			case "X":
				id, _ := fuzzStack(arg(1))
				m.MarkDeleted(id)
			case "P":
				id, _ := fuzzStack(arg(1))
				m.Polled(id)
			case "N":
				if tm := fuzzTime(arg(1)); tm != nil {
					now = *tm
				}
			default:
				continue
			}
			if w[0] != "E" && w[0] != "R" {
				checkSnapshot(t, m.Snapshot(now), int(maxFailures%8))
				m.Targets()
			}
		}
		flush()
		checkSnapshot(t, m.Snapshot(now), int(maxFailures%8))
		m.Targets()
	})
}

func fuzzStack(word string) (id, name string) {
	if s, ok := fuzzStacks[word]; ok {
		return s[0], s[1]
	}
	return word, word
}

// fuzzTime is seconds after fuzzBase; "-" or a word that is no number is
// no time at all.
func fuzzTime(s string) *time.Time {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return nil
	}
	return aws.Time(fuzzBase.Add(time.Duration(n) * time.Second))
}

func checkSnapshot(t *testing.T, s Snapshot, maxFailures int) {
	t.Helper()
	checkProgress(t, "operation", s.Progress)
	for _, st := range s.Stacks {
		checkProgress(t, "stack "+st.StackName, st.Progress)
	}
	if r := s.Rollback; r != nil && (r.Done < 0 || r.Total < 0 || r.Done > r.Total) {
		t.Fatalf("rollback %d of %d", r.Done, r.Total)
	}
	if maxFailures == 0 {
		maxFailures = DefaultMaxFailures
	}
	if len(s.Failures) > maxFailures || s.FailuresDropped < 0 {
		t.Fatalf("%d failures kept (cap %d), %d dropped", len(s.Failures), maxFailures, s.FailuresDropped)
	}
	if s.RootCause != nil && len(s.Failures) == 0 && s.FailuresDropped == 0 {
		t.Fatalf("a root cause without failures: %+v", s.RootCause)
	}
	for _, f := range s.Failures {
		_ = f.String()
	}
	if s.Outcome.State < Running || s.Outcome.State > Failed {
		t.Fatalf("snapshot in state %d: %+v", s.Outcome.State, s.Outcome)
	}
}

func checkProgress(t *testing.T, what string, p Progress) {
	t.Helper()
	if p.Done < 0 || p.Running < 0 || p.Failed < 0 || p.Pending < 0 || p.Total < 0 {
		t.Fatalf("%s: a negative count: %+v", what, p)
	}
	if p.Done > p.Total {
		t.Fatalf("%s: done above the total: %+v", what, p)
	}
	if p.Done+p.Running+p.Failed+p.Pending != p.Total {
		t.Fatalf("%s: the parts do not add up to the total: %+v", what, p)
	}
}
