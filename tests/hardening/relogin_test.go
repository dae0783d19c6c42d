//go:build linux

package hardening

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsfake"
)

var userCodeRE = regexp.MustCompile(`confirm the code ([A-Z]{4}-[A-Z]{4})`)

// TestExecAndLoginRaceOnOneSSOCache: two `awsauth exec --auto-login`
// sessions share one IAM Identity Center session, whose commands call STS
// through the exec endpoint every 200 ms. The session ends (after 10 s);
// both execs notice and start a login, and two `awsauth login` are run by
// hand on top. The fake must see one StartDeviceAuthorization per ended
// session: whoever holds the cache lock runs the device flow, the others
// take its token when it is approved. Both commands keep working throughout
// (not one failed AWS call), and both execs carry on into the next session.
func TestExecAndLoginRaceOnOneSSOCache(t *testing.T) {
	episodes := 2
	if testing.Short() {
		episodes = 1
	}
	const session = 10 * time.Second
	sc := awsfake.DefaultScenario()
	sc.SSOSessionDuration = session
	sc.RoleCredentialLifetime = 30 * time.Second
	fake, err := awsfake.Start(context.Background(), awsfake.Options{Scenario: &sc})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	sb := newSandbox(t)
	sb.useFake(fake)
	sb.writeFile(".aws/config", twoProfiles)
	sb.seedSSO(fake, "corp", awsfake.DefaultStartURL)
	stop := filepath.Join(sb.capture, "stop")

	// Renewing every 3 s (30 s credentials, renewed with 27 s left) notices
	// the end of the session quickly, while what is in memory outlives any
	// login by far.
	execs := make([]*proc, 2)
	for i := range execs {
		execs[i] = sb.start([]string{"exec", "--profile", "dev", "--auto-login", "--refresh-before", "27s", "--",
			helperBin(t), helperFlag + "loop"}, runOpts{env: map[string]string{envStop: stop}, timeout: 3 * time.Minute})
		p := execs[i]
		t.Cleanup(func() { syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) })
	}
	stderrs := func() string { return execs[0].stderr.String() + "\n" + execs[1].stderr.String() }
	waitFor := func(what string, limit time.Duration, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("waited %s for %s; fake calls %v\n--- exec 1 stderr:\n%s\n--- exec 2 stderr:\n%s",
					limit, what, fake.CallCounts(), tail(execs[0].stderr.String(), 3000), tail(execs[1].stderr.String(), 3000))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	approved := map[string]bool{}
	for ep := 1; ep <= episodes; ep++ {
		base := fake.Calls("StartDeviceAuthorization")
		waitFor(fmt.Sprintf("both execs to see session %d end", ep), session+30*time.Second, func() bool {
			return strings.Count(execs[0].stderr.String(), "session has ended") >= ep &&
				strings.Count(execs[1].stderr.String(), "session has ended") >= ep
		})
		waitFor("the device authorization", 10*time.Second, func() bool { return fake.Calls("StartDeviceAuthorization") > base })

		// Two logins by hand while the execs' flow waits for approval. Each
		// reads the cache (the ended token), then polls the login lock:
		// approve only once both sit idle, which is when they wait on it.
		logins := make([]*proc, 2)
		for i := range logins {
			logins[i] = sb.start([]string{"login", "--profile", "dev", "--no-browser", "--timeout", "60s"}, runOpts{})
		}
		time.Sleep(500 * time.Millisecond)
		waitFor("the logins to wait on the login lock", 30*time.Second, func() bool {
			return idle(logins[0].cmd.Process.Pid) && idle(logins[1].cmd.Process.Pid)
		})
		var code string
		waitFor("the user code on an exec's stderr", 10*time.Second, func() bool {
			for _, m := range userCodeRE.FindAllStringSubmatch(stderrs(), -1) {
				if !approved[m[1]] {
					code = m[1]
					return true
				}
			}
			return false
		})
		approved[code] = true
		if err := fake.Approve(code); err != nil {
			t.Fatalf("approve %s: %v", code, err)
		}
		for i, l := range logins {
			r := l.wait()
			checkClean(t, r)
			if r.code != 0 || !strings.Contains(r.stderr, "already logged in by another awsauth") {
				t.Errorf("episode %d, login %d: exit %d, want 0 and the login of the exec taken over:\n%s", ep, i, r.code, r.stderr)
			}
		}
		if got := fake.Calls("StartDeviceAuthorization") - base; got != 1 {
			t.Errorf("session %d ended under 2 execs and 2 logins: %d device authorizations, want 1", ep, got)
		}
		// Both execs are back on the new session: their keepers fetched
		// role credentials with it.
		roles := fake.Calls("GetRoleCredentials")
		waitFor("both execs to renew on the new session", 10*time.Second, func() bool { return fake.Calls("GetRoleCredentials") >= roles+2 })
	}

	os.WriteFile(stop, nil, 0o600)
	summary := regexp.MustCompile(`(?m)^calls=(\d+) errors=(\d+) keys=(\d+)$`)
	for i, p := range execs {
		r := p.wait()
		checkClean(t, r)
		m := summary.FindStringSubmatch(r.stdout)
		switch {
		case r.code != 0:
			t.Errorf("exec %d: exit %d\n%s", i, r.code, tail(r.stderr, 4000))
		case m == nil:
			t.Errorf("exec %d: no summary from its command:\n%s", i, r.stdout)
		case m[2] != "0":
			t.Errorf("exec %d: its command saw %s failed AWS calls of %s:\n%s", i, m[2], m[1], tail(r.stderr, 4000))
		default:
			t.Logf("exec %d: %s AWS calls, none failed, %s access keys", i, m[1], m[3])
		}
		if strings.Contains(r.stderr, "login failed") {
			t.Errorf("exec %d reported a failed login:\n%s", i, tail(r.stderr, 4000))
		}
	}
	t.Logf("%d sessions ended; fake calls: %v", episodes, fake.CallCounts())
}

// TestNoWaitOnALoginInProgress: a device login holds the session while a
// person approves it, which can take minutes. Meanwhile other processes
// that need the ended session (status, credential-process, an exec
// renewing) must answer at once that a login is needed, not wait for the
// person; and once the login is approved, they must use its token.
func TestNoWaitOnALoginInProgress(t *testing.T) {
	fake, err := awsfake.Start(context.Background(), awsfake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	sb := newSandbox(t)
	sb.useFake(fake)
	sb.writeFile(".aws/config", twoProfiles)
	// A session that has ended: the fake refuses its tokens, and the cache
	// says its access token has expired. The login's new session lasts the
	// scenario's 8 hours, however slow the machine.
	tok := fake.IssueSSOToken()
	fake.EndSSOSessions()
	tok.ExpiresAt = time.Now().Add(-time.Minute)
	sb.writeSSO("corp", awsfake.DefaultStartURL, tok)

	login := sb.start([]string{"login", "--profile", "dev", "--no-browser", "--timeout", "60s"}, runOpts{})
	t.Cleanup(func() { syscall.Kill(-login.cmd.Process.Pid, syscall.SIGKILL) })
	deadline := time.Now().Add(10 * time.Second)
	for fake.Calls("StartDeviceAuthorization") == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	limit := 5 * time.Second
	if raceEnabled {
		limit = 10 * time.Second
	}
	for _, args := range [][]string{
		{"status", "--profile", "dev", "--timeout", "30s"},
		{"credential-process", "--profile", "dev"},
	} {
		r := sb.run(args, runOpts{timeout: 40 * time.Second})
		checkClean(t, r)
		if r.elapsed > limit || r.code != 3 {
			t.Errorf("%v while a login waits for approval: exit %d after %s, want exit 3 (login required) within %s:\n%s",
				args, r.code, r.elapsed.Round(time.Millisecond), limit, r.stderr)
		}
	}
	m := userCodeRE.FindStringSubmatch(login.stderr.String())
	if m == nil {
		t.Fatalf("no user code from login:\n%s", login.stderr.String())
	}
	if err := fake.Approve(m[1]); err != nil {
		t.Fatal(err)
	}
	if r := login.wait(); r.code != 0 {
		t.Fatalf("login: exit %d\n%s", r.code, r.stderr)
	}
	if r := sb.run([]string{"credential-process", "--profile", "dev"}, runOpts{}); r.code != 0 {
		t.Errorf("credential-process after the login: exit %d\n%s", r.code, r.stderr)
	}
}

// idle reports whether process pid sits waiting: over 300 ms every one of
// its threads sleeps and it uses almost no CPU. A process still starting
// (or starved of CPU by a busy machine) is running or runnable instead.
func idle(pid int) bool {
	sleeping1, cpu1 := threadStates(pid)
	time.Sleep(300 * time.Millisecond)
	sleeping2, cpu2 := threadStates(pid)
	return sleeping1 && sleeping2 && cpu2-cpu1 <= 3 // clock ticks, 10 ms each
}

// threadStates reads /proc/PID/task/*/stat: whether every thread sleeps,
// and the CPU ticks the process has used.
func threadStates(pid int) (allSleeping bool, ticks int64) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil || len(tasks) == 0 {
		return false, 0
	}
	allSleeping = true
	for _, task := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/stat", pid, task.Name()))
		if err != nil {
			return false, 0
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 13 {
			return false, 0
		}
		if f[0] != "S" {
			allSleeping = false
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		k, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + k
	}
	return allSleeping, ticks
}
