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
	ctx, stop := context.Background(), func() {}
	if cli.Interruptible(os.Args[1:]) {
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt)
	}
	code := cli.Main(ctx, os.Args[1:], cli.SystemDeps(iostreams.System()))
	stop()
	os.Exit(code)
}
