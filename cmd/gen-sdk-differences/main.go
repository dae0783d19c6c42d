// Command gen-sdk-differences writes the page on where the AWS SDKs
// disagree about a profile, from the divergence table:
//
//	go generate ./internal/awsconfig
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/awsauth/awsauth/internal/awsconfig"
)

func main() {
	out := flag.String("o", "", "write the page to this file (default: standard output)")
	flag.Parse()
	data := awsconfig.DivergencesMarkdown()
	if *out == "" {
		os.Stdout.Write(data)
		return
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen-sdk-differences:", err)
		os.Exit(1)
	}
}
