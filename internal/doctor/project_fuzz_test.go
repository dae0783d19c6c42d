package doctor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/awsauth/awsauth/internal/sysenv"
)

// FuzzProjectFiles reads arbitrary bytes as a deployment's .env (through
// ResolveExpect) and as its cdk.context.json (through the cdk-context
// check). Nothing panics; a .env that does not parse is reported without
// quoting it, since it usually holds secrets; and every fix that resets
// context keys reads back, as a shell would split it, as exactly the keys.
func FuzzProjectFiles(f *testing.F) {
	// The words of the parse error itself, which a .env may share.
	refDir := f.TempDir()
	if err := os.WriteFile(filepath.Join(refDir, ".env"), []byte("X='"), 0o600); err != nil {
		f.Fatal(err)
	}
	_, refErr := ResolveExpect(Expect{}, sysenv.FromMap(nil), refDir)
	if refErr == nil {
		f.Fatal("an unterminated quote in .env is not an error")
	}
	template := strings.ReplaceAll(refErr.Error(), refDir, "")

	f.Fuzz(func(t *testing.T, dotenv, cdkContext []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, ".env"), dotenv, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cdk.context.json"), cdkContext, 0o600); err != nil {
			t.Fatal(err)
		}

		x, err := ResolveExpect(Expect{}, sysenv.FromMap(nil), dir)
		var bad *BadExpectationError
		switch {
		case errors.As(err, &bad):
			// Only the offending value is shown, by design: it is an
			// account id or a region, not a secret.
			if want := fmt.Sprintf("%s %q (from %s) is not an AWS %s", bad.What, bad.Value, bad.From, bad.What); err.Error() != want {
				t.Fatalf("BadExpectationError %q, want %q", err, want)
			}
		case err != nil:
			msg := strings.ReplaceAll(err.Error(), dir, "")
			if !strings.Contains(err.Error(), filepath.Join(dir, ".env")) {
				t.Fatalf(".env error does not name the file: %v", err)
			}
			if leak := dotenvLeak(dotenv, msg, template); leak != "" {
				t.Fatalf(".env error quotes %q from the file: %v", leak, err)
			}
		default:
			if x.Account != "" && !accountRE().MatchString(x.Account) || x.Region != "" && !regionRE().MatchString(x.Region) {
				t.Fatalf("ResolveExpect accepted %+v", x)
			}
		}

		e := &Env{Dir: dir, Offline: true, Lookup: sysenv.FromMap(map[string]string{"HOME": dir, "USERPROFILE": dir}),
			Expect: Expect{Account: "111111111111", AccountFrom: "--expect-account"}}
		r := CDKContext.Run(context.Background(), e)
		switch r.Status {
		case OK, Skip:
		case Warn:
			if r.Fix == "" {
				t.Fatalf("warning without a fix: %+v", r)
			}
			checkResetFix(t, r.Fix)
		default:
			t.Fatalf("cdk-context status %q: %+v", r.Status, r)
		}
	})
}

// dotenvLeak returns a run of 8 or more non-space characters of the .env
// that msg repeats and the error's own template does not hold, or "".
func dotenvLeak(dotenv []byte, msg, template string) string {
	for _, w := range strings.FieldsFunc(string(dotenv), func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '=' || r == '"' || r == '\'' || r == '`'
	}) {
		if len(w) >= 8 && strings.Contains(msg, w) && !strings.Contains(template, w) {
			return w
		}
	}
	return ""
}

// checkResetFix splits a fix the way sh would and checks that it is either
// the one clear command or "cdk context --reset KEY" commands joined by &&,
// each KEY one word: a key from the file must not be able to end the quote
// and add a command of its own.
func checkResetFix(t *testing.T, fix string) {
	t.Helper()
	if strings.HasPrefix(fix, "cdk context --clear ") {
		return
	}
	words, err := shellWords(fix)
	if err != nil {
		t.Fatalf("fix %q does not split as shell words: %v", fix, err)
	}
	for len(words) > 0 {
		if len(words) < 4 || !slices.Equal(words[:3], []string{"cdk", "context", "--reset"}) {
			t.Fatalf("fix %q splits into %q", fix, words)
		}
		if !contextAccountRE().MatchString(words[3]) {
			t.Fatalf("fix %q resets %q, which names no account", fix, words[3])
		}
		words = words[4:]
		if len(words) > 0 {
			if words[0] != "&&" {
				t.Fatalf("fix %q runs %q after a reset", fix, words)
			}
			words = words[1:]
		}
	}
}

// shellWords splits s as a POSIX shell splits a simple command list:
// blanks separate words, '...' and \x quote, and any other character a shell
// treats specially is an error unless it is the && operator.
func shellWords(s string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		inW   bool
	)
	end := func() {
		if inW {
			words = append(words, cur.String())
			cur.Reset()
			inW = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			end()
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated '")
			}
			cur.WriteString(s[i+1 : i+1+j])
			inW = true
			i += j + 1
		case c == '\\':
			if i+1 >= len(s) || s[i+1] == '\n' {
				return nil, errors.New("trailing or line-joining \\")
			}
			cur.WriteByte(s[i+1])
			inW = true
			i++
		case c == '&' && strings.HasPrefix(s[i:], "&&") && !inW:
			words = append(words, "&&")
			i++
		case strings.IndexByte("\n;&|<>()$`\"*?[", c) >= 0, (c == '#' || c == '~') && !inW:
			return nil, fmt.Errorf("unquoted %q", c)
		default:
			cur.WriteByte(c)
			inW = true
		}
	}
	end()
	return words, nil
}
