// Package hint attaches "what to do next" lines to errors.
//
// The CLI prints an error once, as "awsauth: error: ...", followed by one
// "hint: ..." line for each hint found anywhere in the error's chain.
package hint

import "errors"

// Error is an error with hints for the user.
type Error struct {
	Err   error
	Hints []string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// With returns err annotated with hints. A nil err stays nil.
func With(err error, hints ...string) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, Hints: hints}
}

// All collects the hints of every [Error] in err's chain, outermost first,
// without duplicates.
func All(err error) []string {
	var out []string
	seen := map[string]bool{}
	for err != nil {
		var h *Error
		if !errors.As(err, &h) {
			break
		}
		for _, s := range h.Hints {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
		err = h.Err
	}
	return out
}
