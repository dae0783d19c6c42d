package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsini"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// fuzzMarker stands for a secret on a line of a shared file. Seeds put it on
// malformed lines; a SyntaxError must never repeat it.
const fuzzMarker = "AKIAFUZZMARKER7SECRET"

// syntaxReasons are the only explanations a SyntaxError may give: fixed
// texts, so that no part of the offending line (which may hold a key) can
// reach a terminal or a CI log.
var syntaxReasons = []string{
	awsini.WhyLoneQuote, awsini.WhyUnclosedHeader, awsini.WhyCommentInHeader, awsini.WhyTextAfterHeader,
	awsini.WhyEmptyHeader, awsini.WhyOutsideSection, awsini.WhyNotINI, awsini.WhyNoKey,
	awsini.WhyByteOrderMark, awsini.WhyCarriageReturn, awsini.WhyOrphanContinuation,
}

// sdkPhrases are the Go SDK's framings of its shared config errors, which
// awsauth rewords.
var sdkPhrases = []string{
	"error fetching config from profile", "Error using profile", "failed to load",
	"failed to get shared config profile", "partial credentials found", "requires role_arn",
	"only one credential type may be specified", "failed to find SSO session section",
}

// FuzzResolve feeds arbitrary config and credentials files and a profile
// name to Load and Resolve. Whatever the files hold, resolution ends, fails
// only with one of the package's typed errors, and a syntax error names the
// file and line but never repeats the line.
func FuzzResolve(f *testing.F) {
	f.Fuzz(func(t *testing.T, config, credentials, profile string) {
		files := writeFiles(t, config, credentials)
		home := t.TempDir()

		type outcome struct {
			inv      *Inventory
			loadErr  error
			trace    *Trace
			err      error
			panicked any
		}
		done := make(chan outcome, 1)
		go func() {
			var out outcome
			defer func() {
				out.panicked = recover()
				done <- out
			}()
			out.inv, out.loadErr = Load(files)
			req := Request{Profile: profile, Files: files, Env: sysenv.FromMap(map[string]string{"HOME": home, "USERPROFILE": home})}
			out.trace, out.err = Resolve(context.Background(), req)
		}()
		var out outcome
		select {
		case out = <-done:
		case <-time.After(20 * time.Second):
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("Load or Resolve(profile %q) did not return:\n%s", profile, buf)
		}
		if out.panicked != nil {
			t.Fatalf("Load or Resolve(profile %q) panicked: %v", profile, out.panicked)
		}

		checkFuzzError(t, files, config, credentials, out.loadErr)
		if out.loadErr == nil {
			for _, p := range out.inv.Profiles {
				if _, ok := out.inv.Profile(p.Name); !ok {
					t.Fatalf("listed profile %q is not found by name", p.Name)
				}
			}
		}
		checkFuzzError(t, files, config, credentials, out.err)
		if out.err == nil && len(out.trace.Hops) == 0 {
			t.Fatalf("Resolve(profile %q) succeeded with an empty chain", profile)
		}
		if out.loadErr != nil && out.err == nil {
			t.Fatalf("Load failed (%v) but Resolve did not", out.loadErr)
		}
	})
}

// checkFuzzError holds err to the contract of Load and Resolve.
func checkFuzzError(t *testing.T, files Files, config, credentials string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	var (
		syn   *SyntaxError
		nf    *ProfileNotFoundError
		cyc   *CycleError
		nos   *NoSourceError
		inval *InvalidProfileError
		read  *ReadError
	)
	for _, p := range sdkPhrases {
		if strings.Contains(msg, p) {
			t.Fatalf("the error repeats the SDK's own wording %q: %v", p, err)
		}
	}
	switch {
	case errors.As(err, &syn):
		checkSyntaxError(t, files, config, credentials, syn, msg)
		syn.Hints()
	case errors.As(err, &nf):
		nf.Hints()
	case errors.As(err, &cyc):
		if len(cyc.Path) < 2 {
			t.Fatalf("CycleError with a path of %d profiles: %v", len(cyc.Path), err)
		}
		cyc.Hints()
	case errors.As(err, &nos):
		nos.Hints()
	case errors.As(err, &inval):
		if len(inval.Hints()) == 0 {
			t.Fatalf("InvalidProfileError without a fix: %v", err)
		}
	case errors.As(err, &read):
		read.Hints()
	default:
		t.Fatalf("untyped error %T: %v", err, err)
	}
}

func checkSyntaxError(t *testing.T, files Files, config, credentials string, syn *SyntaxError, msg string) {
	t.Helper()
	var text string
	switch syn.File {
	case files.Config:
		text = config
	case files.Credentials:
		text = credentials
	default:
		t.Fatalf("SyntaxError names %q, neither of the files", syn.File)
	}
	if !slices.Contains(syntaxReasons, syn.Why) {
		t.Fatalf("SyntaxError gives an unexpected reason %q", syn.Why)
	}
	want := fmt.Sprintf("%s:%d: malformed file: %s", syn.File, syn.Line, syn.Why)
	if syn.Line == 0 {
		// The file as a whole, when no one line is to blame.
		want = fmt.Sprintf("%s: malformed file: %s", syn.File, syn.Why)
	}
	if msg != want {
		t.Fatalf("SyntaxError message %q, want %q", msg, want)
	}
	if strings.Contains(msg, fuzzMarker) || strings.Contains(strings.Join(syn.Hints(), "\n"), fuzzMarker) {
		t.Fatalf("SyntaxError repeats the planted secret: %q", msg)
	}
	if syn.Line == 0 {
		return
	}
	// The line named must exist, and it must not be blank.
	lines := strings.Split(text, "\n")
	if syn.Line < 1 || syn.Line > len(lines) {
		t.Fatalf("SyntaxError names line %d of a %d-line file", syn.Line, len(lines))
	}
	line := strings.TrimSpace(lines[syn.Line-1])
	if syn.Line == 1 {
		line = strings.TrimPrefix(line, "\ufeff")
	}
	if line == "" && syn.Why != awsini.WhyByteOrderMark {
		t.Fatalf("SyntaxError names line %d, which is blank", syn.Line)
	}
	if len(line) >= 8 && strings.Contains(msg, line) && !strings.Contains(filepath.Dir(syn.File)+" "+syn.Why, line) {
		t.Fatalf("SyntaxError repeats the offending line %q: %q", line, msg)
	}
}
