// Command gen-troubleshooting writes the troubleshooting guide from the explain rules:
//
//	go generate ./internal/explain
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/awsauth/awsauth/internal/explain"
)

func main() {
	out := flag.String("o", "", "write the guide to this file (default: standard output)")
	flag.Parse()
	data := explain.Markdown()
	if *out == "" {
		os.Stdout.Write(data)
		return
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen-troubleshooting:", err)
		os.Exit(1)
	}
}
