// Package hint attaches "what to do next" lines to errors.
//
// The CLI prints an error once, as "awsauth: error: ...", followed by one
// "hint: ..." line for each hint found anywhere in the error's tree, as
// [All] collects them. Every command (and doctor's fix lines) goes through
// [All], so a hint is never lost because an error wraps several errors.
package hint

// Error is an error with hints for the user.
type Error struct {
	Err   error
	Hints []string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Hinter is an error type that knows the next step for itself (a typed
// error of a domain package, say).
type Hinter interface {
	error
	Hints() []string
}

// With returns err annotated with hints. A nil err stays nil.
func With(err error, hints ...string) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, Hints: hints}
}

// All collects the hints of err's whole tree: those of every [Error] and of
// every [Hinter] in it. It walks the tree depth-first, an error before the
// errors it wraps, through both Unwrap() error and Unwrap() []error (what
// errors.Join and fmt.Errorf with several %w make), the wrapped errors in
// their order. Each hint appears once, where it was first met.
func All(err error) []string {
	var out []string
	seen := map[string]bool{}
	add := func(hs []string) {
		for _, h := range hs {
			if !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
			return
		case *Error:
			if e == nil {
				return
			}
			add(e.Hints)
		case Hinter:
			add(e.Hints())
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}
