package main

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/awsauth/awsauth/internal/awsfake"
	"github.com/awsauth/awsauth/internal/cli"
	"github.com/awsauth/awsauth/internal/iostreams"
	"github.com/awsauth/awsauth/internal/testenv"
)

// motoServer is one moto for the whole test binary, started by the first
// script that asks for it and stopped when the tests end.
var motoServer struct {
	once sync.Once
	m    *testenv.MotoServer
	err  error
}

type stopMoto struct{ m *testing.M }

func (s stopMoto) Run() int {
	code := s.m.Run()
	if motoServer.m != nil {
		motoServer.m.Close()
	}
	return code
}

func TestMain(m *testing.M) {
	testscript.Main(stopMoto{m}, map[string]func(){
		"awsauth": func() {
			os.Exit(cli.Main(context.Background(), os.Args[1:], cli.SystemDeps(iostreams.System())))
		},
		// Children for awsauth exec, so that scripts need neither curl
		// nor python to play a command that uses the endpoint.
		"container-get":     containerGet,
		"create-stack":      createStack,
		"sdk-until-renewed": sdkUntilRenewed,
	})
}

// TestScripts runs the end-to-end scripts in testdata/script. Each starts
// with a sealed HOME under $WORK and no inherited AWS_* variables (testscript
// passes on only PATH and a few system variables).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "testdata", "script"),
		RequireExplicitExec: false,
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, "home")
			if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
				return err
			}
			env.Setenv("HOME", home)
			env.Setenv("USERPROFILE", home) // the home on Windows
			// Nothing here is an EC2 instance: never wait on 169.254.169.254.
			env.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			env.Setenv("NO_COLOR", "1")
			// exec renews in its own process unless a script asks for the
			// agent: an agent would outlive the script.
			env.Setenv("AWSAUTH_NO_AGENT", "1")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"moto":               cmdMoto,
			"container-endpoint": cmdContainerEndpoint,
			"sso-cache":          cmdSSOCache,
			"awsfake":            cmdAWSFake,
			"awsfake-login":      cmdAWSFakeLogin,
			"awsfake-signin":     cmdAWSFakeSignin,
			"awsfake-browse":     cmdAWSFakeBrowse,
			"awsfake-calls":      cmdAWSFakeCalls,
			"awsfake-fault":      cmdAWSFakeFault,
			"awsfake-advance":    cmdAWSFakeAdvance,
			"awsfake-stack":      cmdAWSFakeStack,
			"wait-for":           cmdWaitFor,
		},
		UpdateScripts: os.Getenv("UPDATE_SCRIPTS") == "1",
	})
}

// moto: start (once) the shared moto server and point the SDKs at it.
func cmdMoto(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! moto")
	}
	motoServer.once.Do(func() {
		motoServer.m, motoServer.err = testenv.StartMoto(context.Background())
	})
	if motoServer.err != nil {
		if os.Getenv("CI") == "true" {
			ts.Fatalf("moto: %v", motoServer.err)
		}
		ts.Fatalf("moto_server is not available (install moto 5.2): %v", motoServer.err)
	}
	url := motoServer.m.URL
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_CLOUDFORMATION", "AWS_ENDPOINT_URL_IAM"} {
		ts.Setenv(k, url)
	}
	ts.Setenv("MOTO_URL", url)
	ts.Setenv("AWS_REGION", "us-east-1")
	ts.Setenv("AWS_DEFAULT_REGION", "us-east-1")
}

// container-endpoint TOKEN KEYID [LIFETIME]: serve container credentials on
// 127.0.0.1 that demand Authorization: TOKEN. Sets CONTAINER_URL.
func cmdContainerEndpoint(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: container-endpoint TOKEN KEYID [LIFETIME]")
	}
	token, keyID := args[0], args[1]
	life := time.Hour
	if len(args) > 2 {
		d, err := time.ParseDuration(args[2])
		ts.Check(err)
		life = d
	}
	var calls int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		if r.Header.Get("Authorization") != token {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"Code":"Unauthorized","Message":"bad token"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{
			"AccessKeyId":     keyID,
			"SecretAccessKey": "containerSecretValue0000000000000000000000",
			"Token":           "containerSessionTokenValue",
			"Expiration":      time.Now().Add(life).UTC().Format(time.RFC3339),
		})
	}))
	ts.Defer(srv.Close)
	ts.Setenv("CONTAINER_URL", srv.URL+"/creds")
}

// sso-cache KEY EXPIRES_IN [refreshable|corrupt]: write an AWS CLI v2 SSO
// token cache file for the sso-session name or start URL KEY.
func cmdSSOCache(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: sso-cache KEY EXPIRES_IN [refreshable|corrupt]")
	}
	d, err := time.ParseDuration(args[1])
	ts.Check(err)
	sum := sha1.Sum([]byte(args[0]))
	dir := filepath.Join(ts.Getenv("HOME"), ".aws", "sso", "cache")
	ts.Check(os.MkdirAll(dir, 0o700))
	path := filepath.Join(dir, hex.EncodeToString(sum[:])+".json")
	tok := map[string]any{
		"startUrl":    "https://example.awsapps.com/start",
		"region":      "us-east-1",
		"accessToken": "ssoAccessTokenValue",
		"expiresAt":   time.Now().Add(d).UTC().Format(time.RFC3339),
	}
	mode := ""
	if len(args) > 2 {
		mode = args[2]
	}
	if mode == "refreshable" {
		tok["refreshToken"] = "ssoRefreshTokenValue"
		tok["clientId"] = "client"
		tok["clientSecret"] = "clientSecretValue"
		tok["registrationExpiresAt"] = time.Now().Add(90 * 24 * time.Hour).UTC().Format(time.RFC3339)
	}
	data, err := json.Marshal(tok)
	ts.Check(err)
	if mode == "corrupt" {
		data = data[:len(data)/2]
	}
	ts.Check(os.WriteFile(path, data, 0o600))
	ts.Setenv("SSO_CACHE_FILE", path)
}

// fakes holds each script's awsfake server, by the script's $WORK.
var fakes sync.Map

// awsfake [autoapprove]: start the fake STS, SSO portal and SSO OIDC for
// this script and point the SDKs' service endpoints at it.
func cmdAWSFake(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! awsfake")
	}
	opts := awsfake.Options{}
	sc := awsfake.DefaultScenario()
	for _, a := range args {
		if k, v, ok := strings.Cut(a, "="); ok && k == "speed" {
			speed, err := strconv.ParseFloat(v, 64)
			ts.Check(err)
			opts.Clock = awsfake.NewScaledClock(time.Now(), speed)
			continue
		}
		if k, v, ok := strings.Cut(a, "="); ok {
			d, err := time.ParseDuration(v)
			ts.Check(err)
			switch k {
			case "role":
				sc.RoleCredentialLifetime = d
			case "session":
				sc.SSOSessionDuration = d
			case "token":
				sc.AccessTokenLifetime = d
			case "logincreds":
				sc.LoginCredentialLifetime = d
			case "loginsession":
				sc.LoginSessionDuration = d
			default:
				ts.Fatalf("awsfake: unknown setting %q", k)
			}
			continue
		}
		switch a {
		case "autoapprove":
			opts.AutoApprove = true
		case "manualclock":
			opts.Clock = awsfake.NewManualClock(time.Now())
		default:
			ts.Fatalf("awsfake: unknown option %q", a)
		}
	}
	opts.Scenario = &sc
	srv, err := awsfake.Start(context.Background(), opts)
	ts.Check(err)
	ts.Defer(func() { srv.Close() })
	fakes.Store(ts.Getenv("WORK"), srv)
	for _, k := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_SIGNIN"} {
		ts.Setenv(k, srv.URL())
	}
	ts.Setenv("AWSFAKE_URL", srv.URL())
	ts.Setenv("AWS_REGION", "us-east-1")
	ts.Setenv("AWS_DEFAULT_REGION", "us-east-1")
}

// awsfake-login KEY START_URL [expired|norefresh]: seed the SSO token cache
// for KEY (an sso-session name, or the start URL of a legacy profile) with a
// token the running awsfake accepts, as if the person had logged in.
func cmdAWSFakeLogin(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: awsfake-login KEY START_URL [expired|norefresh|stale]")
	}
	v, ok := fakes.Load(ts.Getenv("WORK"))
	if !ok {
		ts.Fatalf("awsfake-login: run awsfake first")
	}
	tok := v.(*awsfake.Server).IssueSSOToken()
	expires := tok.ExpiresAt
	mode := ""
	if len(args) > 2 {
		mode = args[2]
	}
	// stale: the access token is past its expiresAt but can be refreshed.
	if mode == "expired" || mode == "stale" {
		expires = time.Now().Add(-time.Minute)
	}
	entry := map[string]any{
		"startUrl":              args[1],
		"region":                "us-east-1",
		"accessToken":           tok.AccessToken,
		"expiresAt":             expires.UTC().Format("2006-01-02T15:04:05Z"),
		"clientId":              tok.ClientID,
		"clientSecret":          tok.ClientSecret,
		"registrationExpiresAt": tok.RegistrationExpiresAt.UTC().Format("2006-01-02T15:04:05Z"),
		"refreshToken":          tok.RefreshToken,
	}
	if mode == "norefresh" || mode == "expired" {
		delete(entry, "refreshToken")
	}
	sum := sha1.Sum([]byte(args[0]))
	dir := filepath.Join(ts.Getenv("HOME"), ".aws", "sso", "cache")
	ts.Check(os.MkdirAll(dir, 0o700))
	data, err := json.Marshal(entry)
	ts.Check(err)
	ts.Check(os.WriteFile(filepath.Join(dir, hex.EncodeToString(sum[:])+".json"), data, 0o600))
	// Scripts assert that no output carries the token.
	ts.Setenv("SSO_ACCESS_TOKEN", tok.AccessToken)
}

// awsfake-signin [stale|noid]: seed the aws login cache with a sign-in of
// the fake's login user, as if the person had just run aws login; stale:
// the credentials are past their expiresAt (the refresh token works);
// noid: without the id token (as the Go SDK leaves the file). Sets
// LOGIN_CACHE_FILE, and LOGIN_SECRET to the secret key and LOGIN_REFRESH
// to the refresh token (as regular expressions that match them literally),
// so scripts can assert no output carries them.
func cmdAWSFakeSignin(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 1 {
		ts.Fatalf("usage: awsfake-signin [stale|noid]")
	}
	tok := scriptFake(ts).IssueLoginToken()
	expires := tok.Expires
	mode := ""
	if len(args) == 1 {
		mode = args[0]
	}
	if mode == "stale" {
		expires = time.Now().Add(-time.Minute)
	}
	entry := map[string]any{
		"accessToken": map[string]string{
			"accessKeyId": tok.AccessKeyID, "secretAccessKey": tok.SecretAccessKey, "sessionToken": tok.SessionToken,
			"accountId": tok.AccountID, "expiresAt": expires.UTC().Format("2006-01-02T15:04:05Z"),
		},
		"tokenType": "aws_sigv4", "clientId": tok.ClientID, "refreshToken": tok.RefreshToken,
		"idToken": tok.IDToken, "dpopKey": tok.DPoPKey,
	}
	if mode == "noid" {
		delete(entry, "idToken")
	}
	sum := sha256.Sum256([]byte(tok.Session))
	dir := filepath.Join(ts.Getenv("HOME"), ".aws", "login", "cache")
	ts.Check(os.MkdirAll(dir, 0o700))
	data, err := json.Marshal(entry)
	ts.Check(err)
	path := filepath.Join(dir, hex.EncodeToString(sum[:])+".json")
	ts.Check(os.WriteFile(path, data, 0o600))
	ts.Setenv("LOGIN_CACHE_FILE", path)
	ts.Setenv("LOGIN_SECRET", regexp.QuoteMeta(tok.SecretAccessKey))
	ts.Setenv("LOGIN_REFRESH", regexp.QuoteMeta(tok.RefreshToken))
}

// awsfake-browse FILE [deny]: play the person's browser for an aws login
// that runs in the background: wait (at most two minutes) until FILE shows
// the authorization URL, sign in and allow it (or deny it) at the fake, and
// open the page the browser is sent to, awsauth's loopback listener.
func cmdAWSFakeBrowse(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: awsfake-browse FILE [deny]")
	}
	srv := scriptFake(ts)
	re := regexp.MustCompile(`http://\S+/v1/authorize\?\S+`)
	path := ts.MkAbs(args[0])
	var u string
	for deadline := time.Now().Add(2 * time.Minute); u == ""; time.Sleep(20 * time.Millisecond) {
		data, _ := os.ReadFile(path)
		u = re.FindString(string(data))
		if u == "" && time.Now().After(deadline) {
			ts.Fatalf("awsfake-browse: no authorization URL in %s within 2m:\n%s", args[0], data)
		}
	}
	next, err := srv.Authorize(u)
	if len(args) == 2 && args[1] == "deny" {
		next, err = srv.DenyAuthorization(u)
	}
	ts.Check(err)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(next)
	ts.Check(err)
	resp.Body.Close()
}

func scriptFake(ts *testscript.TestScript) *awsfake.Server {
	v, ok := fakes.Load(ts.Getenv("WORK"))
	if !ok {
		ts.Fatalf("run awsfake first")
	}
	return v.(*awsfake.Server)
}

// awsfake-calls OP N: the fake has answered OP exactly N times.
// awsfake-fault KIND OP: from now on the script's fake answers every OP
// request with the fault KIND (server-error, unavailable, throttle, reset,
// garbled).
func cmdAWSFakeFault(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: awsfake-fault KIND OP")
	}
	for k := awsfake.FaultServerError; k <= awsfake.FaultGarbled; k++ {
		if k.String() == args[0] && k != awsfake.FaultDelay {
			_, err := scriptFake(ts).Faults().Add(awsfake.Fault{Kind: k, Op: args[1]})
			ts.Check(err)
			return
		}
	}
	ts.Fatalf("awsfake-fault: unknown kind %q", args[0])
}

func cmdAWSFakeCalls(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: awsfake-calls OP N")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	got := scriptFake(ts).Calls(args[0])
	if (got == want) == neg {
		ts.Fatalf("%s called %d times, want %s%d", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// awsfake-advance DURATION: move the fake's manual clock forward.
func cmdAWSFakeAdvance(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: awsfake-advance DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	c, ok := scriptFake(ts).Clock().(*awsfake.ManualClock)
	if !ok {
		ts.Fatalf("awsfake-advance needs: awsfake manualclock")
	}
	c.Advance(d)
}

// awsfake-stack NAME ok|fail|nested: start creating a stack whose resources
// take fake minutes, as the default IAM user of the fake.
func cmdAWSFakeStack(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: awsfake-stack NAME ok|fail|nested")
	}
	srv := scriptFake(ts)
	rs, err := stackResources(args[1])
	ts.Check(err)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(awsfake.DefaultUserAccessKeyID, awsfake.DefaultUserSecretAccessKey, "")}
	client := cloudformation.NewFromConfig(cfg, func(o *cloudformation.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
	_, err = client.CreateStack(context.Background(), &cloudformation.CreateStackInput{
		StackName: aws.String(args[0]), TemplateBody: aws.String(awsfake.TemplateBody(rs...)),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam},
	})
	ts.Check(err)
}

// stackResources is the timeline of a stack kind of awsfake-stack and
// create-stack.
func stackResources(kind string) ([]awsfake.StackResource, error) {
	m := time.Minute
	switch kind {
	case "ok":
		return []awsfake.StackResource{
			{LogicalID: "Artifacts", Type: "AWS::S3::Bucket", Duration: 2 * m},
			{LogicalID: "Work", Type: "AWS::SQS::Queue", Duration: 3 * m},
			{LogicalID: "Events", Type: "AWS::SNS::Topic", Duration: m},
			{LogicalID: "HandlerRole", Type: "AWS::IAM::Role", Duration: 4 * m},
			{LogicalID: "Handler", Type: "AWS::Lambda::Function", Duration: 5 * m, DependsOn: []string{"HandlerRole"}},
		}, nil
	case "fail":
		return []awsfake.StackResource{
			{LogicalID: "Work", Type: "AWS::SQS::Queue", Duration: 2 * m},
			{LogicalID: "Assets", Type: "AWS::S3::Bucket", Duration: 3 * m, Fail: "shop-assets already exists"},
			{LogicalID: "Site", Type: "AWS::CloudFront::Distribution", Duration: 20 * m},
		}, nil
	case "nested":
		return []awsfake.StackResource{
			{LogicalID: "Work", Type: "AWS::SQS::Queue", Duration: 2 * m},
			{LogicalID: "Network", Type: "AWS::CloudFormation::Stack", Resources: []awsfake.StackResource{
				{LogicalID: "Vpc", Type: "AWS::EC2::VPC", Duration: 2 * m},
				{LogicalID: "Subnet", Type: "AWS::EC2::Subnet", Duration: 3 * m, DependsOn: []string{"Vpc"}, Fail: "The CIDR '10.0.300.0/24' is invalid."},
			}},
		}, nil
	}
	return nil, fmt.Errorf("unknown stack kind %q (want ok, fail or nested)", kind)
}

// wait-for FILE [REGEXP]: wait until FILE exists and, with REGEXP, until
// one of its lines matches, for at most two minutes. Scripts use it to
// wait for a background command instead of sleeping.
func cmdWaitFor(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: wait-for FILE [REGEXP]")
	}
	var re *regexp.Regexp
	if len(args) == 2 {
		var err error
		re, err = regexp.Compile("(?m)" + args[1])
		ts.Check(err)
	}
	path := ts.MkAbs(args[0])
	for deadline := time.Now().Add(2 * time.Minute); ; {
		data, err := os.ReadFile(path)
		if err == nil && (re == nil || re.Match(data)) {
			return
		}
		if time.Now().After(deadline) {
			if re == nil {
				ts.Fatalf("wait-for: %s did not appear within 2m", args[0])
			}
			ts.Fatalf("wait-for: no line of %s matched %q within 2m:\n%s", args[0], args[1], data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// containerGet is a child for awsauth exec: container-get [-no-token]
// fetches the credentials from $AWS_CONTAINER_CREDENTIALS_FULL_URI with the
// $AWS_CONTAINER_AUTHORIZATION_TOKEN (none with -no-token), and prints the
// status code, then the body.
func containerGet() {
	token := true
	switch {
	case len(os.Args) == 2 && os.Args[1] == "-no-token":
		token = false
	case len(os.Args) != 1:
		fmt.Fprintln(os.Stderr, "usage: container-get [-no-token]")
		os.Exit(2)
	}
	req, err := http.NewRequest(http.MethodGet, os.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI"), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "container-get:", err)
		os.Exit(1)
	}
	if token {
		req.Header.Set("Authorization", os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN"))
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "container-get:", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		fmt.Fprintln(os.Stderr, "container-get:", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n%s\n", resp.StatusCode, body)
}

// createStack is a child for awsauth exec: create-stack NAME ok|fail|nested
// starts creating a stack (see awsfake-stack) with the credentials and
// endpoints the Go SDK finds in its environment, as a deploy tool would,
// prints "started NAME" and exits.
func createStack() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: create-stack NAME ok|fail|nested")
		os.Exit(2)
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "create-stack:", err)
		os.Exit(1)
	}
	rs, err := stackResources(os.Args[2])
	if err != nil {
		fail(err)
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fail(err)
	}
	_, err = cloudformation.NewFromConfig(cfg).CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName: aws.String(os.Args[1]), TemplateBody: aws.String(awsfake.TemplateBody(rs...)),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam},
	})
	if err != nil {
		fail(err)
	}
	fmt.Println("started", os.Args[1])
}

// sdkUntilRenewed is a child for awsauth exec: every 100 ms, for at most
// two minutes, it calls sts:GetCallerIdentity through the Go SDK's default
// chain, asking the endpoint for credentials each time as a tool that
// starts afresh does. It creates the file "started" after the first call
// that works, and stops once it holds credentials renewed after the file
// "relogged" appeared; then it prints "renewed after the login" (if so)
// and calls=N errors=N keys=N.
func sdkUntilRenewed() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdk-until-renewed:", err)
		os.Exit(1)
	}
	client := sts.NewFromConfig(cfg)
	keys := map[string]bool{}
	calls, errs := 0, 0
	before, renewed := "", false
	for end := time.Now().Add(2 * time.Minute); time.Now().Before(end) && !renewed; time.Sleep(100 * time.Millisecond) {
		calls++
		if c, ok := cfg.Credentials.(*aws.CredentialsCache); ok {
			c.Invalidate()
		}
		creds, err := cfg.Credentials.Retrieve(ctx)
		if err == nil {
			keys[creds.AccessKeyID] = true
			_, err = client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		}
		if err != nil {
			errs++
			fmt.Println("error:", err)
			continue
		}
		if _, err := os.Stat("started"); err != nil {
			os.WriteFile("started", nil, 0o600)
		}
		if _, err := os.Stat("relogged"); err == nil {
			if before == "" {
				before = creds.AccessKeyID
			}
			renewed = creds.AccessKeyID != before
		}
	}
	if renewed {
		fmt.Println("renewed after the login")
	}
	fmt.Printf("calls=%d errors=%d keys=%d\n", calls, errs, len(keys))
}
