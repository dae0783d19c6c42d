// Command goprobe resolves credentials through the Go SDK v2's default
// chain, calls sts:GetCallerIdentity once and prints one JSON line: the
// caller's ARN and the region, or the error. PROBE_PROFILE, when set, is
// passed as config.WithSharedConfigProfile (a --profile flag in a Go tool).
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

type result struct {
	ARN    string `json:"arn,omitempty"`
	Region string `json:"region,omitempty"`
	Error  string `json:"error,omitempty"`
}

func main() {
	var r result
	defer func() { json.NewEncoder(os.Stdout).Encode(r) }()
	ctx := context.Background()
	var opts []func(*config.LoadOptions) error
	if p := os.Getenv("PROBE_PROFILE"); p != "" {
		opts = append(opts, config.WithSharedConfigProfile(p))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		r.Error = err.Error()
		return
	}
	r.Region = cfg.Region
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		r.Error = err.Error()
		return
	}
	r.ARN = *out.Arn
}
