package cli

import (
	"bufio"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/awsauth/awsauth/internal/credsource"
)

var mfaCodePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{6}$`) })

// ttyMu keeps two prompts (say, two profiles renewing at once) from
// interleaving on the terminal.
var ttyMu sync.Mutex

// ttyMFAPrompt asks for an MFA code on the terminal itself (see
// openTerminal), never on stdin, which may belong to a child (awsauth exec)
// or carry data.
func ttyMFAPrompt(serial string) (string, error) {
	ttyMu.Lock()
	defer ttyMu.Unlock()
	in, out, err := openTerminal()
	if err != nil {
		return "", &credsource.MFARequiredError{Serial: serial}
	}
	defer in.Close()
	if out != in {
		defer out.Close()
	}
	return askMFA(bufio.NewReader(in), out, serial)
}

// hasTerminal reports whether this process has a terminal (see
// openTerminal) to ask a person on.
func hasTerminal() bool {
	in, out, err := openTerminal()
	if err != nil {
		return false
	}
	in.Close()
	if out != in {
		out.Close()
	}
	return true
}

// askMFA reads a six-digit code, giving three tries.
func askMFA(r *bufio.Reader, w interface{ Write([]byte) (int, error) }, serial string) (string, error) {
	for try := 0; try < 3; try++ {
		fmt.Fprintf(w, "awsauth: MFA code for %s: ", serial)
		line, err := r.ReadString('\n')
		code := strings.TrimSpace(line)
		if mfaCodePattern().MatchString(code) {
			return code, nil
		}
		if err != nil {
			return "", errors.New("no MFA code entered")
		}
		fmt.Fprintln(w, "awsauth: an MFA code is six digits")
	}
	return "", errors.New("no valid MFA code entered")
}
