// Command gosdk-ssorefresh is the baseline for bench/refresh.sh: the
// smallest Go program that renews an AWS CLI v2 cached SSO token with the
// SDK's ssooidc client and writes it back.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
)

func main() {
	path := os.Args[1]
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var tok map[string]any
	if err := json.Unmarshal(data, &tok); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	client := ssooidc.New(ssooidc.Options{Region: tok["region"].(string), BaseEndpoint: aws.String(os.Getenv("AWS_ENDPOINT_URL_SSO_OIDC"))})
	out, err := client.CreateToken(context.Background(), &ssooidc.CreateTokenInput{
		GrantType:    aws.String("refresh_token"),
		ClientId:     aws.String(tok["clientId"].(string)),
		ClientSecret: aws.String(tok["clientSecret"].(string)),
		RefreshToken: aws.String(tok["refreshToken"].(string)),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tok["accessToken"] = aws.ToString(out.AccessToken)
	tok["refreshToken"] = aws.ToString(out.RefreshToken)
	tok["expiresAt"] = time.Now().Add(time.Duration(out.ExpiresIn) * time.Second).UTC().Format(time.RFC3339)
	data, _ = json.Marshal(tok)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
