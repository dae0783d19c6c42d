// Command goclient calls sts:GetCallerIdentity through the Go SDK v2's
// default credential chain every INTERVAL for SECONDS, and prints one
// summary line: calls, errors and distinct access keys seen. It is the Go
// SDK's part of the awsauth exec soak test.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	seconds, _ := strconv.ParseFloat(os.Getenv("SOAK_SECONDS"), 64)
	interval, _ := strconv.ParseFloat(os.Getenv("SOAK_INTERVAL"), 64)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Println("client=go fatal:", err)
		os.Exit(1)
	}
	client := sts.NewFromConfig(cfg)
	keys := map[string]bool{}
	calls, errs := 0, 0
	end := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	for time.Now().Before(end) {
		calls++
		creds, err := cfg.Credentials.Retrieve(ctx)
		if err == nil {
			keys[creds.AccessKeyID] = true
			_, err = client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		}
		if err != nil {
			errs++
			fmt.Fprintln(os.Stderr, "go error:", err)
		}
		time.Sleep(time.Duration(interval * float64(time.Second)))
	}
	fmt.Printf("client=go calls=%d errors=%d keys=%d\n", calls, errs, len(keys))
}
