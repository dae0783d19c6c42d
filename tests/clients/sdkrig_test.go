package clients

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsauth/awsauth/internal/awsfake"
)

// The second IAM user of the rig's organisation, in the prod account, so
// that two sets of static keys in one example tell apart which was used.
// The pair is the other one AWS prints in its documentation.
const (
	builderAccessKeyID     = "AKIAI44QH8DHBEXAMPLE"
	builderSecretAccessKey = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
)

// sdkClient is one real AWS client the rig runs.
type sdkClient struct {
	id  string // as in awsconfig.SDK
	run func(ctx context.Context, r *sdkRig, home string, env []string, profile string) (probeResult, error)
}

// probeResult is what one client ended up with.
type probeResult struct {
	ARN    string `json:"arn"`
	Region string `json:"region"`
	Error  string `json:"error"`
	// Calls counts the fake's operations during the client's run.
	Calls map[string]int `json:"-"`
	// SigningRegion is the region of the client's last signed STS request.
	SigningRegion string `json:"-"`
}

// sdkRig runs the real SDKs against the strict fake AWS: one fake for the
// whole test, and for each run a fresh HOME, so no client's cache (the AWS
// CLI's assume-role cache, the SSO cache) carries over.
type sdkRig struct {
	fake *awsfake.Server
	// fakeURL is the fake behind a recorder, for AWS_ENDPOINT_URL_*.
	fakeURL string
	// proxyURL is an HTTPS proxy that answers every TLS host with the
	// fake, for the AWS CLI v2 (2.9 ignores AWS_ENDPOINT_URL_*); caPath
	// is its CA for AWS_CA_BUNDLE.
	proxyURL, caPath string
	// metaURL serves EC2 instance metadata (IMDSv2) and, under
	// /container, container credentials: each hands out a ReadOnly
	// session in the dev account, named "instance" and "container".
	metaURL string
	token   awsfake.SSOToken
	dir     string
	clients []sdkClient

	mu         sync.Mutex // guards lastRegion; runs are sequential
	lastRegion string
	homes      int
}

var scopeRegion = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/sts/`)

func newSDKRig(t *testing.T) *sdkRig {
	t.Helper()
	r := &sdkRig{dir: t.TempDir()}
	sc := awsfake.DefaultScenario()
	sc.Users = append(sc.Users, awsfake.User{Name: "builder", AccountID: awsfake.ProdAccountID,
		AccessKeyID: builderAccessKeyID, SecretAccessKey: builderSecretAccessKey})
	fake, err := awsfake.New(awsfake.Options{Scenario: &sc})
	if err != nil {
		t.Fatal(err)
	}
	r.fake = fake
	r.token = fake.IssueSSOToken()

	recorder := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if m := scopeRegion.FindStringSubmatch(req.Header.Get("Authorization")); m != nil {
			r.mu.Lock()
			r.lastRegion = m[1]
			r.mu.Unlock()
		}
		fake.ServeHTTP(w, req)
	})
	r.fakeURL = serve(t, recorder, nil)

	ca, caKey, caPEM := newCA(t)
	r.caPath = filepath.Join(r.dir, "ca.pem")
	if err := os.WriteFile(r.caPath, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	tlsAddr := strings.TrimPrefix(serve(t, recorder, &tls.Config{GetCertificate: leafFor(ca, caKey)}), "https://")
	r.proxyURL = serve(t, connectTo(tlsAddr), nil)

	instance := r.roleSession(t, "instance")
	container := r.roleSession(t, "container")
	// The trailing slash: the AWS CLI v2 joins the path without one.
	r.metaURL = serve(t, metadata(instance, container), nil) + "/"

	r.clients = r.findClients(t)
	return r
}

// roleSession assumes ReadOnly in the dev account with the default user's
// keys, for the instance and container endpoints to hand out.
func (r *sdkRig) roleSession(t *testing.T, name string) aws.Credentials {
	t.Helper()
	client := sts.New(sts.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(r.fakeURL),
		Credentials: credentials.NewStaticCredentialsProvider(awsfake.DefaultUserAccessKeyID, awsfake.DefaultUserSecretAccessKey, ""),
	})
	out, err := client.AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:aws:iam::" + awsfake.DevAccountID + ":role/ReadOnly"),
		RoleSessionName: aws.String(name),
	})
	if err != nil {
		t.Fatalf("minting the %s credentials: %v", name, err)
	}
	c := out.Credentials
	return aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey,
		SessionToken: *c.SessionToken, CanExpire: true, Expires: *c.Expiration}
}

// serve runs h on 127.0.0.1 until the test ends and returns its URL.
func serve(t *testing.T, h http.Handler, tc *tls.Config) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, TLSConfig: tc}
	scheme := "http"
	if tc != nil {
		scheme = "https"
		go srv.ServeTLS(l, "", "")
	} else {
		go srv.Serve(l)
	}
	t.Cleanup(func() { srv.Close() })
	return scheme + "://" + l.Addr().String()
}

func newCA(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "awsauth test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return ca, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// leafFor mints a certificate for whatever host a client asks for.
func leafFor(ca *x509.Certificate, caKey *ecdsa.PrivateKey) func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	var mu sync.Mutex
	cache := map[string]*tls.Certificate{}
	var serial int64 = 1
	return func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		mu.Lock()
		defer mu.Unlock()
		host := hello.ServerName
		if c, ok := cache[host]; ok {
			return c, nil
		}
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		serial++
		tpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return nil, err
		}
		c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
		cache[host] = c
		return c, nil
	}
}

// connectTo is an HTTP proxy that sends every CONNECT tunnel to addr, on
// loopback, whatever host the client asked for: nothing leaves the machine.
func connectTo(addr string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodConnect {
			http.Error(w, "only CONNECT", http.StatusMethodNotAllowed)
			return
		}
		up, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		hj, ok := w.(http.Hijacker)
		if !ok {
			up.Close()
			http.Error(w, "no hijack", http.StatusInternalServerError)
			return
		}
		conn, buf, err := hj.Hijack()
		if err != nil {
			up.Close()
			return
		}
		conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
		go func() {
			io.Copy(up, buf)
			up.Close()
		}()
		io.Copy(conn, up)
		conn.Close()
	})
}

// metadata serves IMDSv2 and a container credentials endpoint.
func metadata(instance, container aws.Credentials) http.Handler {
	body := func(c aws.Credentials) []byte {
		b, _ := json.Marshal(map[string]string{
			"Code": "Success", "Type": "AWS-HMAC", "LastUpdated": time.Now().UTC().Format(time.RFC3339),
			"AccessKeyId": c.AccessKeyID, "SecretAccessKey": c.SecretAccessKey, "Token": c.SessionToken,
			"Expiration": c.Expires.UTC().Format(time.RFC3339),
		})
		return b
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch p := req.URL.Path; {
		case req.Method == http.MethodPut && p == "/latest/api/token":
			w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", req.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds"))
			io.WriteString(w, "imds-session-token")
		case p == "/latest/meta-data/iam/security-credentials/":
			io.WriteString(w, "instance-role")
		case p == "/latest/meta-data/iam/security-credentials/instance-role":
			w.Header().Set("Content-Type", "text/plain")
			w.Write(body(instance))
		case strings.HasPrefix(p, "/container"), strings.HasPrefix(p, "//container"):
			w.Header().Set("Content-Type", "application/json")
			w.Write(body(container))
		default:
			http.NotFound(w, req)
		}
	})
}

// findClients builds or finds every client; a missing one skips the test,
// and fails it in CI.
func (r *sdkRig) findClients(t *testing.T) []sdkClient {
	t.Helper()
	goprobe := build(t, r.dir, "./tests/clients/goprobe")
	python, err := exec.LookPath("python3")
	need(t, "python3", python, err)
	if err := exec.Command(python, "-c", "import boto3").Run(); err != nil {
		need(t, "boto3", "", err)
	}
	cli1, err := findAWSCLI("1")
	need(t, "the AWS CLI v1", cli1, err)
	cli2, err := findAWSCLI("2")
	need(t, "the AWS CLI v2 (apt-get install -y awscli)", cli2, err)
	node := npmInstall(t)
	probeJS, _ := filepath.Abs(filepath.Join("js", "probe.mjs"))
	probePy, _ := filepath.Abs("probe.py")

	jsonProbe := func(argv ...string) func(context.Context, *sdkRig, string, []string, string) (probeResult, error) {
		return func(ctx context.Context, r *sdkRig, home string, env []string, profile string) (probeResult, error) {
			if profile != "" {
				env = append(env, "PROBE_PROFILE="+profile)
			}
			out, err := r.exec(ctx, home, env, argv...)
			var res probeResult
			if jerr := json.Unmarshal(lastLine(out), &res); jerr != nil {
				return res, fmt.Errorf("%s: no result (%v): %s", argv[0], err, out)
			}
			return res, nil
		}
	}
	cli := func(bin string, extra ...string) func(context.Context, *sdkRig, string, []string, string) (probeResult, error) {
		return func(ctx context.Context, r *sdkRig, home string, env []string, profile string) (probeResult, error) {
			argv := append([]string{bin, "sts", "get-caller-identity", "--output", "json"}, extra...)
			if profile != "" {
				argv = append(argv, "--profile", profile)
			}
			out, err := r.exec(ctx, home, env, argv...)
			var res probeResult
			var id struct{ Arn string }
			if err != nil || json.Unmarshal(out, &id) != nil || id.Arn == "" {
				res.Error = strings.TrimSpace(string(out))
				if res.Error == "" && err != nil {
					res.Error = err.Error()
				}
				return res, nil
			}
			res.ARN = id.Arn
			return res, nil
		}
	}
	return []sdkClient{
		{id: "go", run: jsonProbe(goprobe)},
		{id: "boto3", run: jsonProbe(python, probePy)},
		{id: "cli1", run: cli(cli1)},
		{id: "cli2", run: cli(cli2)},
		{id: "js3", run: jsonProbe(node, probeJS)},
	}
}

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}

// exec runs argv with exactly env (plus PATH and HOME), and returns its
// combined output.
func (r *sdkRig) exec(ctx context.Context, home string, env []string, argv ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = home
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "AWS_PAGER=", "PYTHONWARNINGS=ignore",
		"NODE_NO_WARNINGS=1", "AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE=1"}, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// probeShape is one setup to hand every client.
type probeShape struct {
	Config, Credentials string
	// Env is KEY=VALUE; $TOKEN_FILE stands for a web identity token file
	// and $META for the metadata server's URL.
	Env []string
	// Profile is passed as each client's --profile (or its SDK's option).
	Profile string
}

// run hands shape to client c in a fresh HOME and reports what it did.
func (r *sdkRig) run(ctx context.Context, c sdkClient, shape probeShape) (probeResult, error) {
	r.homes++
	home := filepath.Join(r.dir, fmt.Sprintf("home-%d-%s", r.homes, c.id))
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		return probeResult{}, err
	}
	tokenFile := filepath.Join(home, "web-identity-token")
	subst := strings.NewReplacer("$TOKEN_FILE", tokenFile, "$META/", r.metaURL, "$META", strings.TrimSuffix(r.metaURL, "/"))
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(subst.Replace(shape.Config)), 0o600); err != nil {
		return probeResult{}, err
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte(shape.Credentials), 0o600); err != nil {
		return probeResult{}, err
	}
	if err := seedSSOToken(home, r.token); err != nil {
		return probeResult{}, err
	}
	jwt := awsfake.WebIdentityToken(awsfake.WebIdentityClaims{Issuer: "https://token.actions.githubusercontent.com",
		Subject: "repo:example/app:ref:refs/heads/main", Audience: "sts.amazonaws.com"})
	if err := os.WriteFile(tokenFile, []byte(jwt), 0o600); err != nil {
		return probeResult{}, err
	}
	env := []string{
		"AWS_ENDPOINT_URL_STS=" + r.fakeURL, "AWS_ENDPOINT_URL_SSO=" + r.fakeURL, "AWS_ENDPOINT_URL_SSO_OIDC=" + r.fakeURL,
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + r.metaURL,
	}
	if c.id == "cli2" {
		env = append(env, "HTTPS_PROXY="+r.proxyURL, "AWS_CA_BUNDLE="+r.caPath)
	}
	for _, kv := range shape.Env {
		env = append(env, subst.Replace(kv))
	}
	before := r.fake.CallCounts()
	r.mu.Lock()
	r.lastRegion = ""
	r.mu.Unlock()
	res, err := c.run(ctx, r, home, env, shape.Profile)
	after := r.fake.CallCounts()
	res.Calls = map[string]int{}
	for op, n := range after {
		if d := n - before[op]; d > 0 {
			res.Calls[op] = d
		}
	}
	r.mu.Lock()
	res.SigningRegion = r.lastRegion
	r.mu.Unlock()
	return res, err
}
