// Command sdkfloor is the floor of any program that gets credentials the
// way the AWS SDK for Go does: it links the SDK's config, sts, sso and
// ssooidc packages (so their package set-up runs at every start, as in
// awsauth), and then does only the least a command could do.
//
//	sdkfloor print FILE          print FILE (a cached credential_process JSON)
//	sdkfloor spawn CMD [ARGS]    run CMD and exit with its exit code
//
// The benchmarks time it next to awsauth credential-process and awsauth
// exec, to show what of their time is the SDK's and what is awsauth's.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: sdkfloor print FILE | spawn CMD [ARGS...] | sdk")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "print":
		b, err := os.ReadFile(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Stdout.Write(b)
	case "spawn":
		c := exec.Command(os.Args[2], os.Args[3:]...)
		c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
		if err := c.Run(); err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				os.Exit(ee.ExitCode())
			}
			os.Exit(127)
		}
	default:
		// Never taken by the benchmarks; it makes the SDK clients reachable,
		// so the linker keeps what a real program would.
		ctx := context.Background()
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			os.Exit(1)
		}
		_, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, nil)
		fmt.Println(err)
		_, err = sso.NewFromConfig(cfg).ListAccounts(ctx, nil)
		fmt.Println(err)
		_, err = ssooidc.NewFromConfig(cfg).CreateToken(ctx, nil)
		fmt.Println(err)
	}
}
