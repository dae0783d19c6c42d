// Command awsauth keeps AWS credentials alive for long deployments.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/awsauth/awsauth/internal/cli"
	"github.com/awsauth/awsauth/internal/iostreams"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, os.Args[1:], cli.SystemDeps(iostreams.System()))
	stop()
	os.Exit(code)
}
