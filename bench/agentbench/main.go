// Command agentbench measures what the awsauth agent changes for
// credential-process, and what the agent costs: a cold credential-process
// (nothing in the file cache) answered by the source itself or by a warm
// agent, interleaved round by round, and the agent's resident memory
// holding -sessions sessions. It runs in the environment bench/agent.sh
// prepares (HOME with profiles dev0..devN, the fake AWS).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	bin := flag.String("awsauth", "awsauth", "the awsauth binary")
	n := flag.Int("n", 21, "rounds")
	sessions := flag.Int("sessions", 10, "sessions for the memory measurement")
	flag.Parse()
	cache := filepath.Join(os.Getenv("HOME"), ".cache", "awsauth")
	run := func(env []string, args ...string) time.Duration {
		cmd := exec.Command(*bin, args...)
		cmd.Env = append(os.Environ(), env...)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		d := time.Since(start)
		if err != nil {
			fail("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return d
	}
	clear := func() {
		files, _ := filepath.Glob(filepath.Join(cache, "creds-*.json"))
		for _, f := range files {
			os.Remove(f)
		}
	}
	run(nil, "agent", "start")
	defer run(nil, "agent", "stop")
	run(nil, "credential-process", "--profile", "dev0") // the agent holds dev0 now
	var alone, agent []time.Duration
	for range *n {
		clear()
		alone = append(alone, run([]string{"AWSAUTH_NO_AGENT=1"}, "credential-process", "--profile", "dev0"))
		clear()
		agent = append(agent, run(nil, "credential-process", "--profile", "dev0"))
	}
	fmt.Printf("cold credential-process, from the source:        median %s\n", ms(median(alone)))
	fmt.Printf("cold credential-process, answered by the agent:  median %s (%.2fx)\n", ms(median(agent)), float64(median(agent))/float64(median(alone)))

	for i := range *sessions {
		run(nil, "credential-process", "--profile", "dev"+strconv.Itoa(i))
	}
	out, err := exec.Command(*bin, "agent", "status", "--json").Output()
	if err != nil {
		fail("agent status: %v", err)
	}
	var st struct {
		PID      int
		Sessions []json.RawMessage
	}
	if err := json.Unmarshal(out, &st); err != nil {
		fail("agent status: %v", err)
	}
	fmt.Printf("agent holding %d sessions: RSS %s\n", len(st.Sessions), rss(st.PID))
}

func rss(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			kb, _ := strconv.Atoi(strings.Fields(l)[1])
			return fmt.Sprintf("%.1f MiB", float64(kb)/1024)
		}
	}
	return "unknown"
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "agentbench: "+format+"\n", args...)
	os.Exit(1)
}
