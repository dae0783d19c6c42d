//go:build linux

package hardening

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// helperFlag, as the first argument of this test binary, runs a helper
// program instead of the tests: -hardening-helper=child|proc|loop.
const helperFlag = "-hardening-helper="

// Environment of the helpers. They reach the helper through awsauth, which
// passes its environment on to exec children and credential_process.
const (
	envReport = "HARDENING_REPORT" // child: where to write its report
	envStop   = "HARDENING_STOP"   // loop: stop when this file exists
)

// childReport is what an exec child saw: its own argv and its ancestors'
// (awsauth first), its environment, and what the credential endpoint
// answered with the token it was given.
type childReport struct {
	Pid       int               `json:"pid"`
	Argv      []string          `json:"argv"`
	Ancestors []ancestor        `json:"ancestors"`
	Env       []string          `json:"env"`
	Endpoint  string            `json:"endpoint"`
	Token     string            `json:"token"`
	Status    int               `json:"status"`
	Creds     map[string]string `json:"creds"`
	Err       string            `json:"err,omitempty"`
}

type ancestor struct {
	Pid  int      `json:"pid"`
	Argv []string `json:"argv"`
}

func helperMain(mode string, args []string) int {
	switch mode {
	case "child":
		return childMain()
	case "proc":
		return procMain(args)
	case "loop":
		return loopMain()
	}
	fmt.Fprintf(os.Stderr, "hardening helper: unknown mode %q\n", mode)
	return 2
}

// childMain is an exec child: it reports, then waits until the test has
// looked at the running awsauth (the report file + ".release" appears).
func childMain() int {
	rep := childReport{Pid: os.Getpid(), Argv: cmdline(os.Getpid()), Ancestors: ancestors(3), Env: os.Environ()}
	rep.Endpoint = os.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
	rep.Token = os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")
	if rep.Endpoint != "" {
		rep.Status, rep.Creds, rep.Err = fetchEndpoint(rep.Endpoint, rep.Token)
	}
	path := os.Getenv(envReport)
	if path == "" {
		fmt.Fprintln(os.Stderr, "hardening child: no "+envReport)
		return 2
	}
	if err := writeJSONFile(path, rep); err != nil {
		fmt.Fprintln(os.Stderr, "hardening child:", err)
		return 2
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path + ".release"); err == nil {
			return 0
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Fprintln(os.Stderr, "hardening child: never released")
	return 3
}

func fetchEndpoint(url, token string) (int, map[string]string, string) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err.Error()
	}
	req.Header.Set("Authorization", token)
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	creds := map[string]string{}
	if err := json.Unmarshal(body, &creds); err != nil {
		return resp.StatusCode, nil, "body is not a JSON object of strings: " + err.Error()
	}
	return resp.StatusCode, creds, ""
}

// procMain is a credential_process: it records its argv and its
// ancestors' into REPORTDIR and prints the credentials in CREDSFILE.
func procMain(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: proc CREDSFILE REPORTDIR")
		return 2
	}
	rep := childReport{Pid: os.Getpid(), Argv: cmdline(os.Getpid()), Ancestors: ancestors(3)}
	if err := writeJSONFile(filepath.Join(args[1], fmt.Sprintf("proc-%d.json", os.Getpid())), rep); err != nil {
		fmt.Fprintln(os.Stderr, "hardening proc:", err)
		return 1
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "hardening proc:", err)
		return 1
	}
	os.Stdout.Write(data)
	return 0
}

// loopMain calls sts:GetCallerIdentity through the Go SDK's default chain
// (the exec endpoint) every 200 ms until the stop file appears, then prints
// "calls=N errors=N keys=N".
func loopMain() int {
	stop := os.Getenv(envStop)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Println("fatal:", err)
		return 1
	}
	client := sts.NewFromConfig(cfg)
	keys := map[string]bool{}
	calls, errs := 0, 0
	deadline := time.Now().Add(4 * time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(stop); err == nil {
			break
		}
		calls++
		creds, err := cfg.Credentials.Retrieve(ctx)
		if err == nil {
			keys[creds.AccessKeyID] = true
			_, err = client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		}
		if err != nil {
			errs++
			fmt.Fprintf(os.Stderr, "loop error at %s: %v\n", time.Now().Format(time.RFC3339Nano), err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Printf("calls=%d errors=%d keys=%d\n", calls, errs, len(keys))
	return 0
}

// cmdline reads /proc/PID/cmdline as argv.
func cmdline(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
}

// parentOf reads the parent pid from /proc/PID/stat (after the command
// name, which may itself hold spaces and parentheses).
func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// ancestors returns the argv of up to n ancestors, the parent first.
func ancestors(n int) []ancestor {
	var out []ancestor
	pid := os.Getppid()
	for i := 0; i < n && pid > 1; i++ {
		out = append(out, ancestor{Pid: pid, Argv: cmdline(pid)})
		pid = parentOf(pid)
	}
	return out
}

func writeJSONFile(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
