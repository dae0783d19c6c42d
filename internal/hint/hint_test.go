package hint

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// loginErr is a typed error that knows its own next step, as the domain
// packages' errors do.
type loginErr struct{ profile string }

func (e *loginErr) Error() string   { return "profile " + e.profile + " needs a login" }
func (e *loginErr) Hints() []string { return []string{"run: awsauth login --profile " + e.profile} }

// multi wraps several errors the way a custom type may, without errors.Join.
type multi []error

func (m multi) Error() string   { return "several" }
func (m multi) Unwrap() []error { return m }

func TestAll(t *testing.T) {
	base := errors.New("boom")
	login := &loginErr{profile: "dev"}
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"nil", nil, nil},
		{"no hints", fmt.Errorf("wrapped: %w", base), nil},
		{"one", With(base, "a"), []string{"a"}},
		{"outermost first", With(fmt.Errorf("x: %w", With(base, "inner")), "outer"), []string{"outer", "inner"}},
		{"hints method", fmt.Errorf("x: %w", login), []string{"run: awsauth login --profile dev"}},
		{"hints method under With", With(login, "first"), []string{"first", "run: awsauth login --profile dev"}},
		{"two %w", fmt.Errorf("%w; the login failed: %w", login, With(base, "check the network")),
			[]string{"run: awsauth login --profile dev", "check the network"}},
		{"errors.Join", errors.Join(base, With(base, "b"), login),
			[]string{"b", "run: awsauth login --profile dev"}},
		{"join under a chain", With(fmt.Errorf("start: %w", errors.Join(login, With(base, "b"))), "a"),
			[]string{"a", "run: awsauth login --profile dev", "b"}},
		{"depth first", errors.Join(With(With(base, "a2"), "a1"), With(base, "b1")),
			[]string{"a1", "a2", "b1"}},
		{"custom Unwrap []error", multi{nil, login, With(base, "c")},
			[]string{"run: awsauth login --profile dev", "c"}},
		{"duplicates once, at first sighting", errors.Join(With(login, "x"), login, With(base, "x", "y")),
			[]string{"x", "run: awsauth login --profile dev", "y"}},
		{"nil *Error", (*Error)(nil), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, All(tt.err)); d != "" {
				t.Errorf("All() (-want +got):\n%s", d)
			}
		})
	}
}
