//go:build linux

package hardening

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/awsfake"
)

// crashKind is one command that writes a cache, and how to make it write.
type crashKind struct {
	name    string
	args    []string
	prepare func(i int)
}

// TestSIGKILLDuringCacheWrites kills awsauth with SIGKILL at random points
// of runs that write the credential cache (credential-process, under
// ~/.cache/awsauth) and the SSO token cache (refresh, login), 200 times,
// and after every kill reads every cache file: each must parse, or be
// absent. The delays are drawn around each command's own run time, so the
// kills land before, during and after the writes; temporary files left by
// a kill between the write and the rename show that some did land inside
// one.
func TestSIGKILLDuringCacheWrites(t *testing.T) {
	iterations := 200
	if testing.Short() {
		iterations = 60
	}
	sb := newSandbox(t)
	fake, err := awsfake.Start(context.Background(), awsfake.Options{AutoApprove: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	sb.useFake(fake)
	sb.writeFile(".aws/config", twoProfiles)
	sb.writeFile(".aws/credentials", baseKeys)
	sb.seedSSO(fake, "corp", awsfake.DefaultStartURL)

	ssoDir := filepath.Join(sb.home, ".aws", "sso", "cache")
	// stale rewrites every credential cache entry as expired but whole, so
	// the next run replaces it (a rename over a file, not a first write).
	stale := func() {
		files, _ := filepath.Glob(filepath.Join(sb.credCacheDir(), "creds-*.json"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			var e map[string]any
			if err != nil || json.Unmarshal(data, &e) != nil {
				os.Remove(f)
				continue
			}
			e["Expiration"] = time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
			out, _ := json.Marshal(e)
			os.WriteFile(f, out, 0o600)
		}
	}
	coldOrStale := func(i int) {
		if i%2 == 0 {
			os.RemoveAll(sb.credCacheDir())
		} else {
			stale()
		}
	}
	kinds := []crashKind{
		{"credential-process sso", []string{"credential-process", "--profile", "dev"}, func(i int) {
			coldOrStale(i)
			sb.seedSSO(fake, "corp", awsfake.DefaultStartURL)
		}},
		{"credential-process assume-role", []string{"credential-process", "--profile", "deploy"}, coldOrStale},
		// A fresh login each time: a kill after the refresh token was spent
		// but before the new one was written leaves a token that can no
		// longer be renewed, which is what rotation means, not a bug.
		{"refresh", []string{"refresh", "--profile", "dev"}, func(int) { sb.seedSSO(fake, "corp", awsfake.DefaultStartURL) }},
		{"login", []string{"login", "--profile", "dev", "--no-browser", "--timeout", "20s"}, func(i int) {
			if i%2 == 0 { // make it register a client (and write that) too
				regs, _ := filepath.Glob(filepath.Join(ssoDir, "*.json"))
				for _, r := range regs {
					if r != sb.ssoCachePath("corp") {
						os.Remove(r)
					}
				}
			}
		}},
	}

	// How long each command runs when left alone, and when it writes: the
	// kills are drawn around both. The machine may be busy with other work,
	// so the estimates start from the fastest of a few runs, and the run
	// time follows the runs that finish before their kill.
	runTime := map[string]time.Duration{}
	writeAt := map[string]time.Duration{}
	for _, k := range kinds {
		for i := 0; i < 5; i++ {
			k.prepare(i)
			before := dirState(sb.credCacheDir(), ssoDir)
			p := sb.start(k.args, runOpts{})
			w := firstChange(p, before, sb.credCacheDir(), ssoDir)
			r := p.wait()
			checkClean(t, r)
			if r.code != 0 || w == 0 {
				t.Fatalf("%s: exit %d, wrote after %s\n%s", k.name, r.code, w, r.stderr)
			}
			if d, ok := runTime[k.name]; !ok || r.elapsed < d {
				runTime[k.name] = r.elapsed
			}
			if d, ok := writeAt[k.name]; !ok || w < d {
				writeAt[k.name] = w
			}
		}
	}
	t.Logf("run times: %v; first write after: %v", runTime, writeAt)

	type tally struct{ killed, finished, changed, unchanged int }
	tallies := map[string]*tally{}
	deadline := time.Now().Add(2 * time.Minute)
	start := time.Now()
	done := 0
	for i := 0; i < iterations && time.Now().Before(deadline); i++ {
		k := kinds[i%len(kinds)]
		tl := tallies[k.name]
		if tl == nil {
			tl = &tally{}
			tallies[k.name] = tl
		}
		k.prepare(i / len(kinds))
		before := snapshot(sb.credCacheDir(), ssoDir)
		// A third of the kills anywhere in the run, a third in its second
		// half, where the upstream has answered, and a third in the last
		// few milliseconds before the first write was seen.
		T, W := runTime[k.name], writeAt[k.name]
		var delay time.Duration
		switch (i / len(kinds)) % 3 {
		case 0:
			delay = time.Duration(rand.Int64N(int64(T) * 11 / 10))
		case 1:
			delay = T/2 + time.Duration(rand.Int64N(int64(T)*6/10))
		default:
			delay = max(0, W-1500*time.Microsecond) + time.Duration(rand.Int64N(int64(2*time.Millisecond)))
		}
		p := sb.start(k.args, runOpts{})
		time.Sleep(delay)
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		r := p.wait()
		if r.code == 128+int(syscall.SIGKILL) {
			tl.killed++
			runTime[k.name] = T * 101 / 100
		} else {
			tl.finished++
			checkClean(t, r)
			runTime[k.name] = (T*4 + r.elapsed) / 5
		}
		after := snapshot(sb.credCacheDir(), ssoDir)
		if len(changedFiles(before, after)) > 0 {
			tl.changed++
		} else {
			tl.unchanged++
		}
		for _, problem := range checkCaches(sb) {
			t.Errorf("after killing %s %s into its run (iteration %d): %s", k.name, delay, i, problem)
		}
		done++
	}
	temps := tempFiles(sb)
	for name, tl := range tallies {
		t.Logf("%-32s killed %3d, finished first %3d; caches changed %3d, unchanged %3d", name, tl.killed, tl.finished, tl.changed, tl.unchanged)
	}
	t.Logf("%d kills in %s; %d temporary files left by kills inside a write", done, time.Since(start).Round(time.Millisecond), len(temps))
	if done < iterations {
		t.Errorf("only %d of %d iterations ran within the time bound", done, iterations)
	}
	killed := 0
	for _, tl := range tallies {
		killed += tl.killed
	}
	if killed < done/4 {
		t.Errorf("only %d of %d runs were killed before they finished: the delays miss the runs", killed, done)
	}

	// What a kill leaves behind never stops the next run.
	for _, k := range kinds {
		k.prepare(1)
		r := sb.run(k.args, runOpts{})
		checkClean(t, r)
		if r.code != 0 {
			t.Errorf("%s after the kills: exit %d\n%s", k.name, r.code, r.stderr)
		}
	}
	if problems := checkCaches(sb); len(problems) > 0 {
		t.Errorf("after the kills: %s", strings.Join(problems, "; "))
	}
}

// checkCaches reads every cache file: credential cache entries, SSO tokens
// and client registrations must be whole JSON with their essential fields;
// lock files may be anything; temporary files must be private.
func checkCaches(sb *sandbox) []string {
	var problems []string
	check := func(dir string, f func(path string, data []byte) string) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			switch {
			case e.IsDir(), strings.HasSuffix(e.Name(), ".lock"):
				continue
			case strings.HasPrefix(e.Name(), ".tmp-"):
				if fi, err := e.Info(); err == nil && fi.Mode().Perm() != 0o600 {
					problems = append(problems, fmt.Sprintf("temporary file %s has mode %v", p, fi.Mode().Perm()))
				}
				continue
			}
			data, err := os.ReadFile(p)
			if err != nil {
				if !os.IsNotExist(err) {
					problems = append(problems, err.Error())
				}
				continue
			}
			if msg := f(p, data); msg != "" {
				problems = append(problems, fmt.Sprintf("%s: %s (%d bytes)", p, msg, len(data)))
			}
		}
	}
	check(sb.credCacheDir(), func(p string, data []byte) string {
		var e struct {
			AccessKeyID     string `json:"AccessKeyId"`
			SecretAccessKey string
			Expiration      time.Time
		}
		if err := json.Unmarshal(data, &e); err != nil {
			return "does not parse: " + err.Error()
		}
		if e.AccessKeyID == "" || e.SecretAccessKey == "" || e.Expiration.IsZero() {
			return "parses but lacks keys or expiry"
		}
		return ""
	})
	check(filepath.Join(sb.home, ".aws", "sso", "cache"), func(p string, data []byte) string {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			return "does not parse: " + err.Error()
		}
		if p == sb.ssoCachePath("corp") {
			if m["accessToken"] == nil || m["expiresAt"] == nil {
				return "a token file without accessToken or expiresAt"
			}
		} else if m["clientId"] == nil || m["clientSecret"] == nil {
			return "a registration without clientId or clientSecret"
		}
		return ""
	})
	return problems
}

// fileState is what dirState notes of a file: enough to see a rename over it.
type fileState struct {
	ino  uint64
	size int64
	mod  time.Time
}

// dirState lists the cache files (not locks) in dirs.
func dirState(dirs ...string) map[string]fileState {
	out := map[string]fileState{}
	for _, d := range dirs {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".lock") {
				continue
			}
			fi, err := e.Info()
			if err != nil {
				continue
			}
			var ino uint64
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				ino = st.Ino
			}
			out[filepath.Join(d, e.Name())] = fileState{ino, fi.Size(), fi.ModTime()}
		}
	}
	return out
}

// firstChange watches dirs while p runs and returns how long after its
// start a cache file first appeared or changed (0 if none did).
func firstChange(p *proc, before map[string]fileState, dirs ...string) time.Duration {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		now := dirState(dirs...)
		for f, st := range now {
			if b, ok := before[f]; !ok || b != st {
				return time.Since(p.start)
			}
		}
		if p.cmd.ProcessState != nil {
			return 0
		}
		time.Sleep(100 * time.Microsecond)
	}
	return 0
}

func tempFiles(sb *sandbox) []string {
	var out []string
	for _, d := range []string{sb.credCacheDir(), filepath.Join(sb.home, ".aws", "sso", "cache")} {
		m, _ := filepath.Glob(filepath.Join(d, ".tmp-*"))
		out = append(out, m...)
	}
	return out
}
