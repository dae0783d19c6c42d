// Command proctime runs a command N times and prints the median, p90 and
// minimum wall time of the whole process, started directly (no shell), so
// that short commands are measured without a shell's own cost.
//
//	proctime -n 51 -- awsauth prompt
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"time"
)

func main() {
	n := flag.Int("n", 51, "runs (after 3 warm-ups)")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: proctime [-n N] -- COMMAND [ARGS...]")
		os.Exit(2)
	}
	var ds []time.Duration
	for i := 0; i < *n+3; i++ {
		cmd := exec.Command(args[0], args[1:]...)
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "%v: %v\n%s", args, err, out)
			os.Exit(1)
		}
		if i >= 3 {
			ds = append(ds, time.Since(start))
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("median=%.2fms p90=%.2fms min=%.2fms runs=%d\n", ms(ds[len(ds)/2]), ms(ds[len(ds)*9/10]), ms(ds[0]), len(ds))
}
