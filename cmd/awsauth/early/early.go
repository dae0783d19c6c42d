// Package early answers a warm `awsauth credential-process` while the
// program is still starting. SDKs run credential-process before every
// client they build; with fresh credentials cached, the answer is two small
// file reads, and the AWS SDK's package set-up would be most of the
// process's time. Go initialises packages in import-path order as soon as
// their own imports are ready; the SDK's wait for net/http, which this
// package (and internal/credfile, all it uses) does not import, so this
// init runs first. For anything else it returns at once and main runs as
// usual. cmd/awsauth imports it for that side effect; nothing else should.
//
// Reading the environment and exiting in init break awsauth's own habits on
// purpose: docs/design.md says what it saves and what keeps it safe.
package early

import (
	"fmt"
	"os"
	"time"

	"github.com/awsauth/awsauth/internal/credfile"
	"github.com/awsauth/awsauth/internal/sysenv"
)

func init() {
	handled, err := credfile.Answer(os.Args[1:], sysenv.OS(), time.Now(), os.Stdout)
	if !handled {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "awsauth: error: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}
