// Command proctime runs commands N times each and prints the median, p90 and
// minimum wall time of the whole process, started directly (no shell), so
// that short commands are measured without a shell's own cost.
//
//	proctime -n 51 -- awsauth prompt
//	proctime -n 301 -- hello ::: awsauth credential-process --profile dev
//
// Several commands, separated by ":::", run interleaved (one run of each in
// turn), so that a change in the machine's load during the measurement
// weighs on all of them alike; each line then also gives the ratio of its
// median to the first command's, and the median of the per-round ratios,
// which is the steadier of the two on a shared machine.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"
)

func main() {
	n := flag.Int("n", 51, "runs of each command (after 3 warm-ups)")
	flag.Parse()
	cmds := split(flag.Args())
	if len(cmds) == 0 {
		fmt.Fprintln(os.Stderr, "usage: proctime [-n N] -- COMMAND [ARGS...] [::: COMMAND [ARGS...]]...")
		os.Exit(2)
	}
	ds := make([][]time.Duration, len(cmds))
	for i := 0; i < *n+3; i++ {
		for c, args := range cmds {
			d := run(args)
			if i >= 3 {
				ds[c] = append(ds[c], d)
			}
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	med := func(xs []time.Duration) time.Duration {
		s := append([]time.Duration(nil), xs...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return s[len(s)/2]
	}
	for c, xs := range ds {
		s := append([]time.Duration(nil), xs...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		line := fmt.Sprintf("median=%.2fms p90=%.2fms min=%.2fms runs=%d", ms(s[len(s)/2]), ms(s[len(s)*9/10]), ms(s[0]), len(s))
		if len(cmds) > 1 {
			ratios := make([]float64, len(xs))
			for i := range xs {
				ratios[i] = float64(xs[i]) / float64(ds[0][i])
			}
			sort.Float64s(ratios)
			line += fmt.Sprintf(" ratio=%.2f round-ratio=%.2f  %s", float64(med(xs))/float64(med(ds[0])), ratios[len(ratios)/2], strings.Join(cmds[c], " "))
		}
		fmt.Println(line)
	}
}

func split(args []string) [][]string {
	var cmds [][]string
	var cur []string
	for _, a := range args {
		if a == ":::" {
			if len(cur) > 0 {
				cmds = append(cmds, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, a)
	}
	if len(cur) > 0 {
		cmds = append(cmds, cur)
	}
	return cmds
}

func run(args []string) time.Duration {
	cmd := exec.Command(args[0], args[1:]...)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "%v: %v\n%s", args, err, out)
		os.Exit(1)
	}
	return time.Since(start)
}
