// Command awsfake-server runs awsauth's fake AWS (STS, SSO portal, SSO OIDC)
// on 127.0.0.1 for the benchmark scripts. It prints its URL on stdout and
// serves until interrupted. Device codes are approved at once.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/awsauth/awsauth/internal/awsfake"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := awsfake.Start(ctx, awsfake.Options{AutoApprove: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(srv.URL())
	<-ctx.Done()
	srv.Close()
}
