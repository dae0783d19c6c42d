//go:build linux || darwin

package clients

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsfake"
)

// agentWorld is one person's machine for the agent tests: the fake AWS,
// a HOME logged in to it, and an agent directory of its own.
type agentWorld struct {
	fake     *awsfake.Server
	awsauth  string
	goclient string
	env      []string
}

func newAgentWorld(t *testing.T, bin string, roleLife time.Duration, autoApprove bool, noAgent bool) *agentWorld {
	t.Helper()
	sc := awsfake.DefaultScenario()
	sc.RoleCredentialLifetime = roleLife
	fake, err := awsfake.Start(context.Background(), awsfake.Options{Scenario: &sc, AutoApprove: autoApprove})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	home := t.TempDir()
	if err := seedHome(home, filepath.Join(home, "tmp"), fake.IssueSSOToken()); err != nil {
		t.Fatal(err)
	}
	// Socket paths are limited to about 100 bytes: a short directory.
	run, err := os.MkdirTemp("", "aw")
	if err != nil {
		t.Fatal(err)
	}
	w := &agentWorld{fake: fake, awsauth: filepath.Join(bin, "awsauth"), goclient: filepath.Join(bin, "goclient"), env: []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + filepath.Join(home, "tmp"), "XDG_RUNTIME_DIR=" + run,
		"AWS_ENDPOINT_URL_STS=" + fake.URL(), "AWS_ENDPOINT_URL_SSO=" + fake.URL(), "AWS_ENDPOINT_URL_SSO_OIDC=" + fake.URL(),
		"AWS_EC2_METADATA_DISABLED=true", "SOAK_INTERVAL=0.5", "BROWSER=true",
	}}
	if noAgent {
		w.env = append(w.env, "AWSAUTH_NO_AGENT=1")
	}
	t.Cleanup(func() {
		// The agent started by the execs must not outlive the test.
		w.awsauthRun("agent", "stop")
		os.RemoveAll(run)
	})
	return w
}

func (w *agentWorld) awsauthRun(args ...string) (string, error) {
	cmd := exec.Command(w.awsauth, args...)
	cmd.Env = w.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// execResult is one exec's child report and its stderr.
type execResult struct {
	calls, errors int
	stderr        string
	err           error
}

// runExecs runs n `awsauth exec --profile dev -- goclient` at once for
// seconds, calling during(elapsed) every 100 ms meanwhile.
func (w *agentWorld) runExecs(n int, seconds float64, flags []string, during func(time.Duration)) []execResult {
	results := make([]execResult, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds)*time.Second+2*time.Minute)
			defer cancel()
			args := append([]string{"exec", "--profile", "dev"}, flags...)
			args = append(args, "--", w.goclient)
			cmd := exec.CommandContext(ctx, w.awsauth, args...)
			cmd.Env = append(slices.Clone(w.env), fmt.Sprintf("SOAK_SECONDS=%g", seconds))
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.WaitDelay = 5 * time.Second
			r := &results[i]
			r.err = cmd.Run()
			r.stderr = stderr.String()
			r.calls, r.errors = -1, -1
			if m := goSummary.FindStringSubmatch(stdout.String()); m != nil {
				r.calls, _ = strconv.Atoi(m[1])
				r.errors, _ = strconv.Atoi(m[2])
			}
		}()
		// Let the first start the agent; the others find it.
		time.Sleep(300 * time.Millisecond)
	}
	if during != nil {
		start := time.Now()
		stop := make(chan struct{})
		go func() { wg.Wait(); close(stop) }()
		for {
			select {
			case <-stop:
				return results
			case <-time.After(100 * time.Millisecond):
				during(time.Since(start))
			}
		}
	}
	wg.Wait()
	return results
}

func wantChildrenClean(t *testing.T, results []execResult, seconds float64) {
	t.Helper()
	for i, r := range results {
		if r.err != nil || r.errors != 0 || r.calls < int(seconds) {
			t.Errorf("exec %d: %v, child made %d calls with %d errors (want about %g and none)\nstderr:\n%s", i, r.err, r.calls, r.errors, seconds*2, tail(r.stderr, 3000))
		}
	}
}

// TestAgentOneSessionForThreeTerminals: three execs on one profile share
// the agent's session: one upstream call per renewal for all of them,
// where three execs alone make three times as many; none of their Go SDK
// children sees an error. The same with the IAM Identity Center session
// ending mid-run: one device login for the three, every child resumes.
// And kill -9 of the agent mid-run: the children never notice, and each
// exec says once that it renews alone from then on.
func TestAgentOneSessionForThreeTerminals(t *testing.T) {
	if testing.Short() {
		t.Skip("runs execs for a minute")
	}
	const roleLife = 10 * time.Second
	const seconds = 40.0
	bin := t.TempDir()
	build(t, bin, "./cmd/awsauth")
	build(t, bin, "./tests/clients/goclient")

	t.Run("shared-vs-alone", func(t *testing.T) {
		t.Parallel()
		shared := newAgentWorld(t, bin, roleLife, false, false)
		alone := newAgentWorld(t, bin, roleLife, false, true)
		var wg sync.WaitGroup
		var sharedRes, aloneRes []execResult
		wg.Add(2)
		var held string
		go func() {
			defer wg.Done()
			sharedRes = shared.runExecs(3, seconds, nil, func(elapsed time.Duration) {
				if held == "" && elapsed > 5*time.Second {
					held, _ = shared.awsauthRun("status", "--profile", "dev", "--json")
				}
			})
		}()
		go func() { defer wg.Done(); aloneRes = alone.runExecs(3, seconds, nil, nil) }()
		wg.Wait()
		wantChildrenClean(t, sharedRes, seconds)
		wantChildrenClean(t, aloneRes, seconds)
		var rep struct {
			Agent *struct{ Clients int }
		}
		if err := json.Unmarshal([]byte(held), &rep); err != nil || rep.Agent == nil || rep.Agent.Clients != 3 {
			t.Errorf("status during the run does not say the agent holds dev for three clients:\n%s", held)
		}
		// 10 s credentials renewed at half their life over 40 s: the first
		// fetch and about eight renewals.
		withAgent, without := shared.fake.Calls("GetRoleCredentials"), alone.fake.Calls("GetRoleCredentials")
		windows := int(seconds/(roleLife.Seconds()/2)) + 1
		t.Logf("GetRoleCredentials: %d with the agent, %d with three execs alone (%d renewal windows)", withAgent, without, windows)
		if withAgent > windows+2 {
			t.Errorf("with the agent, %d upstream calls for %d renewal windows: want at most one per window for the machine", withAgent, windows)
		}
		if without < 2*withAgent {
			t.Errorf("three execs alone made %d upstream calls, the agent %d: want about three times as many alone", without, withAgent)
		}
		for i, r := range sharedRes {
			if strings.Contains(r.stderr, "renewing the credentials in this process") {
				t.Errorf("exec %d fell back although the agent ran:\n%s", i, r.stderr)
			}
		}
	})

	t.Run("sso-session-ends", func(t *testing.T) {
		t.Parallel()
		// Longer credentials: those in hand when the session ends must
		// outlast the failed renewal, the login and the agent's next look
		// at the cache (every 5 s).
		w := newAgentWorld(t, bin, 3*roleLife, true, false)
		ended := false
		res := w.runExecs(3, seconds, []string{"--auto-login"}, func(elapsed time.Duration) {
			if !ended && elapsed > 12*time.Second {
				ended = true
				w.fake.EndSSOSessions()
			}
		})
		wantChildrenClean(t, res, seconds)
		if n := w.fake.Calls("StartDeviceAuthorization"); n != 1 {
			t.Errorf("%d device authorizations for three terminals, want exactly 1", n)
		}
		for i, r := range res {
			if n := strings.Count(r.stderr, "the IAM Identity Center session has ended"); n != 1 {
				t.Errorf("exec %d showed the login notice %d times, want once:\n%s", i, n, tail(r.stderr, 3000))
			}
		}
	})

	t.Run("agent-killed", func(t *testing.T) {
		t.Parallel()
		w := newAgentWorld(t, bin, roleLife, false, false)
		killed := false
		res := w.runExecs(3, seconds, nil, func(elapsed time.Duration) {
			if killed || elapsed < 15*time.Second {
				return
			}
			killed = true
			out, err := w.awsauthRun("agent", "status", "--json")
			var st struct{ PID int }
			if err != nil || json.Unmarshal([]byte(out), &st) != nil || st.PID == 0 {
				t.Errorf("agent status: %v\n%s", err, out)
				return
			}
			syscall.Kill(st.PID, syscall.SIGKILL)
		})
		if !killed {
			t.Fatal("the agent was never killed")
		}
		wantChildrenClean(t, res, seconds)
		for i, r := range res {
			if n := strings.Count(r.stderr, "the awsauth agent is gone; renewing the credentials in this process"); n != 1 {
				t.Errorf("exec %d reported the fallback %d times, want once:\n%s", i, n, tail(r.stderr, 3000))
			}
		}
	})
}
