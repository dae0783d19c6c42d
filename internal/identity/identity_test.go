package identity

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// stsError answers every request with an STS query-protocol error.
func stsError(status int, code, msg string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		w.Write([]byte(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>` +
			code + `</Code><Message>` + msg + `</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`))
	}
}

func client(url string) *sts.Client {
	return sts.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "secret", ""),
		HTTPClient:  &http.Client{Timeout: 5 * time.Second},
	}, func(o *sts.Options) {
		o.BaseEndpoint = aws.String(url)
		o.RetryMaxAttempts = 1
	})
}

func TestGetClassifiesAWSErrors(t *testing.T) {
	tests := []struct {
		status int
		code   string
		want   Reason
	}{
		{403, "ExpiredToken", Expired},
		{403, "InvalidClientTokenId", InvalidKey},
		{403, "SignatureDoesNotMatch", BadSecret},
		{403, "AccessDenied", Denied},
		{403, "RequestExpired", Expired},
		{403, "SignatureDoesNotMatch", BadSecret},
		{400, "RequestTimeTooSkewed", ClockSkew},
		{400, "SomethingElse", Other},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			srv := httptest.NewServer(stsError(tt.status, tt.code, "msg for "+tt.code))
			defer srv.Close()
			_, err := Get(context.Background(), client(srv.URL))
			var rej *RejectedError
			if !errors.As(err, &rej) {
				t.Fatalf("got %T %v, want RejectedError", err, err)
			}
			if rej.Reason != tt.want || rej.Code != tt.code {
				t.Errorf("reason %s code %s, want %s %s", rej.Reason, rej.Code, tt.want, tt.code)
			}
			if tt.want != Other && tt.want != Denied && len(rej.Hints()) == 0 {
				t.Errorf("%s: no hint", tt.code)
			}
		})
	}
}

// TestAWSTroubleIsNoRejection: throttling and server errors are AWS's own
// passing trouble, and say so, with the call that failed; they keep the
// reason Other (not a credentials problem).
func TestAWSTroubleIsNoRejection(t *testing.T) {
	tests := []struct {
		status     int
		code, want string
	}{
		{400, "Throttling", "AWS throttled STS GetCallerIdentity: Throttling: Rate exceeded"},
		{500, "InternalFailure", "STS GetCallerIdentity failed on AWS's side (HTTP 500): InternalFailure: Rate exceeded"},
		{503, "ServiceUnavailable", "STS GetCallerIdentity failed on AWS's side (HTTP 503): ServiceUnavailable: Rate exceeded"},
		{400, "ValidationError", "AWS rejected the credentials: ValidationError: Rate exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			srv := httptest.NewServer(stsError(tt.status, tt.code, "Rate exceeded"))
			defer srv.Close()
			_, err := Get(context.Background(), client(srv.URL))
			var rej *RejectedError
			if !errors.As(err, &rej) || rej.Reason != Other {
				t.Fatalf("got %T %v, want a RejectedError for reason other", err, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("message %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGetSuccess(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
<Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>
</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`))
	}))
	defer srv.Close()
	id, err := Get(context.Background(), client(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if id != (Identity{Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/alice", UserID: "AIDAEXAMPLE"}) {
		t.Errorf("identity %+v", id)
	}
}

func TestGetUnreachable(t *testing.T) {
	// A port that was just free: the connection is refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	_, err = Get(context.Background(), client(url))
	var un *UnreachableError
	if !errors.As(err, &un) {
		t.Fatalf("got %T %v, want UnreachableError", err, err)
	}
	if un.Endpoint != url {
		t.Errorf("endpoint %q, want %q", un.Endpoint, url)
	}
	if got := un.Error(); got != "could not reach "+url+": connection refused" {
		t.Errorf("message %q", got)
	}
}

// TestClockSkewHint: the fix for a skewed clock is the command for this
// system, not Linux's everywhere.
func TestClockSkewHint(t *testing.T) {
	hints := (&RejectedError{Reason: ClockSkew}).Hints()
	if len(hints) != 1 || !strings.Contains(hints[0], ClockSyncCommand(runtime.GOOS)) {
		t.Errorf("hints %q, want the command %q", hints, ClockSyncCommand(runtime.GOOS))
	}
	for goos, want := range map[string]string{"linux": "timedatectl", "darwin": "sntp", "windows": "w32tm"} {
		if got := ClockSyncCommand(goos); !strings.Contains(got, want) {
			t.Errorf("ClockSyncCommand(%s) = %q, want %s", goos, got, want)
		}
	}
}
