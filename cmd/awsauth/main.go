// Command awsauth keeps AWS credentials alive for long deployments.
package main

import (
	"context"
	"os"
	"os/signal"

	// Answers a warm credential-process before the AWS SDK initialises.
	_ "github.com/awsauth/awsauth/cmd/awsauth/early"
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
