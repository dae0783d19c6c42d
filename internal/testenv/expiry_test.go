package testenv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/awsauth/awsauth/internal/awsfake"
)

func startProxy(t *testing.T, ttl time.Duration) (*ExpiryProxy, *awsfake.ManualClock) {
	t.Helper()
	m := Moto(t)
	clock := awsfake.NewManualClock(time.Now())
	p, err := StartExpiryProxy(t.Context(), m.URL, ExpiryProxyOptions{TTL: ttl, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, clock
}

func cfgFor(id, secret, token string) aws.Config {
	return aws.Config{Region: TestRegion, Credentials: credentials.NewStaticCredentialsProvider(id, secret, token)}
}

func stsVia(p *ExpiryProxy, cfg aws.Config) *sts.Client {
	return sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(p.URL()) })
}

func cfnVia(p *ExpiryProxy, cfg aws.Config) *cloudformation.Client {
	return cloudformation.NewFromConfig(cfg, func(o *cloudformation.Options) { o.BaseEndpoint = aws.String(p.URL()) })
}

func wantExpiredToken(t *testing.T, what string, err error) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ExpiredToken" || ae.ErrorMessage() != ExpiredTokenMessage {
		t.Errorf("%s with expired keys: %v; want ExpiredToken %q", what, err, ExpiredTokenMessage)
	}
}

func TestExpiryProxyShortensAndEnforcesSTSKeys(t *testing.T) {
	p, clock := startProxy(t, 40*time.Second)
	base := cfgFor(TestAccessKeyID, TestSecretAccessKey, "")
	out, err := stsVia(p, base).AssumeRole(t.Context(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/Deployer"), RoleSessionName: aws.String("t"), DurationSeconds: aws.Int32(3600),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out.Credentials.Expiration.Sub(clock.Now()), 40*time.Second; got < want-time.Second || got > want {
		t.Errorf("Expiration is %v after now, want %v (moto said 1h; the proxy rewrites it)", got, want)
	}
	role := cfgFor(aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))
	if _, err := stsVia(p, role).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity with fresh role keys: %v", err)
	}
	clock.Advance(39 * time.Second)
	if _, err := stsVia(p, role).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity 1 s before expiry: %v", err)
	}
	clock.Advance(time.Second)
	_, err = stsVia(p, role).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	wantExpiredToken(t, "sts GetCallerIdentity", err)
	_, err = cfnVia(p, role).DescribeStacks(t.Context(), &cloudformation.DescribeStacksInput{})
	wantExpiredToken(t, "cloudformation DescribeStacks", err)
	// Long-term keys never expire.
	if _, err := stsVia(p, base).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("GetCallerIdentity with long-term keys: %v", err)
	}

	st := p.Stats()
	if st.Rejected["sts:GetCallerIdentity"] != 1 || st.Rejected["cloudformation:DescribeStacks"] != 1 || st.TotalRejected() != 2 {
		t.Errorf("Rejected = %v, want one GetCallerIdentity and one DescribeStacks", st.Rejected)
	}
	if st.Issued["Deployer"] != 1 || st.IssuedMatching("Deploy") != 1 {
		t.Errorf("Issued = %v, want Deployer once", st.Issued)
	}
	if st.Requests["sts:GetCallerIdentity"] != 3 || st.Requests["sts:AssumeRole"] != 1 {
		t.Errorf("Requests = %v, want 3 GetCallerIdentity and 1 AssumeRole passed", st.Requests)
	}
}

func TestExpiryProxyKeysOfAnotherIssuer(t *testing.T) {
	m := Moto(t)
	now := time.Now()
	p, err := StartExpiryProxy(t.Context(), m.URL, ExpiryProxyOptions{TTL: time.Minute, KeyExpiry: func(id string) (time.Time, bool) {
		switch id {
		case "ASIAPORTALEXPIRED000":
			return now.Add(-time.Second), true
		case "ASIAPORTALVALID00000":
			return now.Add(time.Hour), true
		}
		return time.Time{}, false
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	_, err = stsVia(p, cfgFor("ASIAPORTALEXPIRED000", "s", "t")).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	wantExpiredToken(t, "portal keys past their expiry", err)
	if _, err := stsVia(p, cfgFor("ASIAPORTALVALID00000", "s", "t")).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("valid portal keys: %v", err)
	}
}

// signed sends a raw request signed with keys through the proxy.
func signed(t *testing.T, p *ExpiryProxy, keys aws.Credentials, service, method, path string, header http.Header, body string, presign bool) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, p.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	sum := sha256.Sum256([]byte(body))
	signer := v4.NewSigner()
	if presign {
		u, _, err := signer.PresignHTTP(t.Context(), keys, req, "UNSIGNED-PAYLOAD", service, TestRegion, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		req, _ = http.NewRequestWithContext(t.Context(), method, u, nil)
	} else if err := signer.SignHTTP(t.Context(), keys, req, hex.EncodeToString(sum[:]), service, TestRegion, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := motoHTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// expiredKeys assumes a role through p and lets its keys expire.
func expiredKeys(t *testing.T, p *ExpiryProxy, clock *awsfake.ManualClock) aws.Credentials {
	t.Helper()
	out, err := stsVia(p, cfgFor(TestAccessKeyID, TestSecretAccessKey, "")).AssumeRole(t.Context(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/Deployer"), RoleSessionName: aws.String("t"),
	})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	return aws.Credentials{AccessKeyID: aws.ToString(out.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey), SessionToken: aws.ToString(out.Credentials.SessionToken)}
}

func TestExpiryProxyErrorShapes(t *testing.T) {
	p, clock := startProxy(t, 10*time.Second)
	keys := expiredKeys(t, p, clock)
	for _, c := range []struct {
		name, service, method, path, body string
		header                            http.Header
		presign                           bool
		status                            int
		errorType                         string // x-amzn-ErrorType prefix, for JSON protocols
		bodyHas                           string
		counted                           string
	}{
		{name: "JSON (SSM)", service: "ssm", method: "POST", path: "/", body: `{"Name":"/cdk-bootstrap/hnb659fds/version"}`,
			header: http.Header{"X-Amz-Target": {"AmazonSSM.GetParameter"}, "Content-Type": {"application/x-amz-json-1.1"}},
			status: 400, errorType: "ExpiredTokenException", bodyHas: `"message":"` + ExpiredTokenMessage, counted: "ssm:GetParameter"},
		{name: "REST-XML (S3 PUT)", service: "s3", method: "PUT", path: "/bucket/key", body: "data",
			status: 400, bodyHas: "<Code>ExpiredToken</Code>", counted: "s3:PUT"},
		{name: "presigned S3 GET", service: "s3", method: "GET", path: "/bucket/key", presign: true,
			status: 400, bodyHas: "<Code>ExpiredToken</Code>", counted: "s3:GET"},
		{name: "query (CloudFormation)", service: "cloudformation", method: "POST", path: "/", body: "Action=DescribeStackEvents&Version=2010-05-15&StackName=S",
			header: http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}},
			status: 403, bodyHas: "<Code>ExpiredToken</Code><Message>" + ExpiredTokenMessage, counted: "cloudformation:DescribeStackEvents"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := signed(t, p, keys, c.service, c.method, c.path, c.header, c.body, c.presign)
			if resp.StatusCode != c.status || !strings.Contains(body, c.bodyHas) {
				t.Errorf("got %d %s; want %d with %q", resp.StatusCode, body, c.status, c.bodyHas)
			}
			if et := resp.Header.Get("X-Amzn-Errortype"); !strings.HasPrefix(et, c.errorType) || (c.errorType == "") != (et == "") {
				t.Errorf("x-amzn-ErrorType = %q, want %q", et, c.errorType)
			}
			if strings.Contains(body, keys.SessionToken) || strings.Contains(body, keys.SecretAccessKey) {
				t.Error("the error repeats a secret")
			}
			if n := p.Stats().Rejected[c.counted]; n != 1 {
				t.Errorf("Rejected[%s] = %d, want 1 (all: %v)", c.counted, n, p.Stats().Rejected)
			}
		})
	}
}

// A chunked upload (no Content-Length) passes through to moto whole.
func TestExpiryProxyStreamsUploads(t *testing.T) {
	p, _ := startProxy(t, time.Minute)
	keys := aws.Credentials{AccessKeyID: TestAccessKeyID, SecretAccessKey: TestSecretAccessKey}
	if resp, body := signed(t, p, keys, "s3", "PUT", "/uploads", nil, "", false); resp.StatusCode != 200 {
		t.Fatalf("CreateBucket: %d %s", resp.StatusCode, body)
	}
	data := strings.Repeat("0123456789abcdef", 64<<10) // 1 MiB
	req, _ := http.NewRequestWithContext(t.Context(), "PUT", p.URL()+"/uploads/big", io.NopCloser(strings.NewReader(data)))
	req.ContentLength = -1 // sent chunked
	if err := v4.NewSigner().SignHTTP(t.Context(), keys, req, "UNSIGNED-PAYLOAD", "s3", TestRegion, time.Now()); err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	resp, err := motoHTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("chunked PUT: %s", resp.Status)
	}
	resp, got := signed(t, p, keys, "s3", "GET", "/uploads/big", nil, "", false)
	if resp.StatusCode != 200 || got != data {
		t.Errorf("GET after a chunked PUT: %s, %d bytes, want the %d bytes sent", resp.Status, len(got), len(data))
	}
}

func TestExpiryProxyHoldsAStack(t *testing.T) {
	p, clock := startProxy(t, time.Hour)
	cfn := cfnVia(p, cfgFor(TestAccessKeyID, TestSecretAccessKey, ""))
	p.Hold("Held", 90*time.Second)
	template := `{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}},"Outputs":{"T":{"Value":{"Ref":"Topic"}}}}`
	for _, name := range []string{"Held", "Free"} {
		if _, err := cfn.CreateStack(t.Context(), &cloudformation.CreateStackInput{StackName: aws.String(name), TemplateBody: aws.String(template)}); err != nil {
			t.Fatal(err)
		}
	}
	status := func() map[string]string {
		out, err := cfn.DescribeStacks(t.Context(), &cloudformation.DescribeStacksInput{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, s := range out.Stacks {
			got[aws.ToString(s.StackName)] = string(s.StackStatus)
		}
		return got
	}
	if got := p.Stats().Started; !got["Held"].Equal(clock.Now()) || len(got) != 1 {
		t.Errorf("Started = %v, want Held at %v only", got, clock.Now())
	}
	if got := status(); got["Held"] != "CREATE_IN_PROGRESS" || got["Free"] != "CREATE_COMPLETE" {
		t.Errorf("during the hold: %v; want Held CREATE_IN_PROGRESS, Free CREATE_COMPLETE", got)
	}
	clock.Advance(90 * time.Second)
	if got := status(); got["Held"] != "CREATE_COMPLETE" {
		t.Errorf("after the hold: %v; want Held CREATE_COMPLETE", got)
	}
	// An update starts the hold again.
	if _, err := cfn.UpdateStack(context.Background(), &cloudformation.UpdateStackInput{StackName: aws.String("Held"), TemplateBody: aws.String(strings.Replace(template, `"T"`, `"U"`, 1))}); err != nil {
		t.Fatal(err)
	}
	if got := status(); got["Held"] != "UPDATE_IN_PROGRESS" {
		t.Errorf("after UpdateStack: %v; want Held UPDATE_IN_PROGRESS", got)
	}
}
