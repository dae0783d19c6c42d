package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// ExpiryProxyOptions configures [StartExpiryProxy].
type ExpiryProxyOptions struct {
	// TTL is how long every set of temporary keys that passes through the
	// proxy from STS (AssumeRole, AssumeRoleWithWebIdentity, GetSessionToken,
	// ...) lives, counted from when its answer passed. Required.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// KeyExpiry, when set, tells the expiry of access keys that another
	// issuer handed out (awsfake's SSO portal, for one): the proxy rejects
	// them once that instant has passed, as it does the keys it saw issued.
	KeyExpiry func(accessKeyID string) (expires time.Time, ok bool)
}

// ExpiryProxy is a reverse proxy in front of moto that makes it as strict
// about time as AWS. moto accepts any key forever and finishes every stack
// operation at once, so on its own it can never show a client outliving its
// credentials. Through the proxy:
//
//   - every STS answer that hands out temporary keys has its Expiration
//     rewritten to now + TTL, and the proxy remembers that expiry;
//   - every later request signed with such a key (SigV4 Authorization
//     header or presigned query) after its expiry is refused with
//     ExpiredToken in the error shape of the request's protocol (query/XML,
//     JSON with x-amzn-ErrorType, REST-XML, EC2), and counted;
//   - a stack named with [ExpiryProxy.Hold] stays *_IN_PROGRESS in
//     DescribeStacks for a while after its change set is executed (or
//     CreateStack/UpdateStack passed), so a deployment lasts as long as a
//     test needs; the events moto records pass through untouched;
//   - everything else passes through as it is, streamed (chunked and
//     aws-chunked uploads included), with the Host header kept so moto
//     still sees S3 virtual-host bucket names.
//
// It listens on 127.0.0.1 only.
type ExpiryProxy struct {
	url      string
	upstream *url.URL
	ttl      time.Duration
	now      func() time.Time
	other    func(string) (time.Time, bool)
	srv      *http.Server
	rp       *httputil.ReverseProxy

	mu       sync.Mutex
	expires  map[string]time.Time // access key id -> expiry, from STS answers
	holds    map[string]time.Duration
	held     map[string]time.Time // stack name -> in progress until
	started  map[string]time.Time // held stack name -> its last operation started
	rejected map[string]int       // "service:Operation" -> requests refused as expired
	issued   map[string]int       // role name (or STS operation) -> temporary keys handed out
	requests map[string]int       // "service:Operation" -> requests passed upstream
}

// ExpiredTokenMessage is what AWS says, in query and JSON protocols, about a
// request signed with expired temporary keys.
const ExpiredTokenMessage = "The security token included in the request is expired"

// StartExpiryProxy serves a proxy to upstream (moto's base URL) on a free
// 127.0.0.1 port until ctx ends or Close is called.
func StartExpiryProxy(ctx context.Context, upstream string, opts ExpiryProxyOptions) (*ExpiryProxy, error) {
	if opts.TTL <= 0 {
		return nil, errors.New("testenv: ExpiryProxyOptions.TTL must be positive")
	}
	u, err := url.Parse(upstream)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("testenv: expiry proxy upstream %q is not a base URL", upstream)
	}
	p := &ExpiryProxy{
		upstream: u,
		ttl:      opts.TTL,
		now:      opts.Now,
		other:    opts.KeyExpiry,
		expires:  map[string]time.Time{},
		holds:    map[string]time.Duration{},
		held:     map[string]time.Time{},
		started:  map[string]time.Time{},
		rejected: map[string]int{},
		issued:   map[string]int{},
		requests: map[string]int{},
	}
	if p.now == nil {
		p.now = time.Now
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(p.upstream)
			// moto reads S3 bucket names from virtual-host names.
			pr.Out.Host = pr.In.Host
			// Answers the proxy rewrites must come uncompressed; moto
			// compresses nothing anyway.
			pr.Out.Header.Del("Accept-Encoding")
		},
		Transport:      &http.Transport{Proxy: nil, DisableCompression: true, MaxIdleConnsPerHost: 16},
		ModifyResponse: p.modify,
		FlushInterval:  -1,
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("testenv: expiry proxy: %w", err)
	}
	p.url = "http://" + ln.Addr().String()
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	context.AfterFunc(ctx, func() { _ = p.Close() })
	return p, nil
}

// URL is the proxy's base URL, e.g. http://127.0.0.1:41234.
func (p *ExpiryProxy) URL() string { return p.url }

// Close stops serving.
func (p *ExpiryProxy) Close() error { return p.srv.Close() }

// Hold keeps stack reported as *_IN_PROGRESS by DescribeStacks for d after
// each change set of it is executed (or CreateStack/UpdateStack of it
// passes).
func (p *ExpiryProxy) Hold(stack string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.holds[stack] = d
}

// ExpiryProxyStats is what the proxy has seen so far.
type ExpiryProxyStats struct {
	// Rejected counts requests refused because their key had expired, by
	// "service:Operation" (e.g. "cloudformation:DescribeStacks",
	// "s3:PUT").
	Rejected map[string]int
	// Issued counts temporary keys handed out through the proxy, by role
	// name for the AssumeRole family ("cdk-hnb659fds-deploy-role-...") and
	// by operation otherwise ("GetSessionToken").
	Issued map[string]int
	// Requests counts requests passed to moto, by "service:Operation".
	Requests map[string]int
	// Started tells when the last operation of each held stack started.
	Started map[string]time.Time
}

// TotalRejected is the number of requests refused as expired.
func (s ExpiryProxyStats) TotalRejected() int {
	n := 0
	for _, v := range s.Rejected {
		n += v
	}
	return n
}

// IssuedMatching adds up Issued over the role names that contain sub.
func (s ExpiryProxyStats) IssuedMatching(sub string) int {
	n := 0
	for k, v := range s.Issued {
		if strings.Contains(k, sub) {
			n += v
		}
	}
	return n
}

// Stats returns a copy of the proxy's counters.
func (p *ExpiryProxy) Stats() ExpiryProxyStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	cp := func(m map[string]int) map[string]int {
		out := make(map[string]int, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	started := make(map[string]time.Time, len(p.started))
	for k, v := range p.started {
		started[k] = v
	}
	return ExpiryProxyStats{Rejected: cp(p.rejected), Issued: cp(p.issued), Requests: cp(p.requests), Started: started}
}

// call is what the proxy learned of a request before passing it on.
type call struct {
	service string // from the SigV4 credential scope
	op      string // Action, X-Amz-Target operation, or the HTTP method
	form    url.Values
}

func (c call) key() string { return c.service + ":" + c.op }

type callKey struct{}

// maxFormBody bounds how much of a query-protocol body the proxy reads to
// learn the action; CloudFormation's largest inline template is 51,200
// bytes, and CDK sends bigger ones by URL.
const maxFormBody = 4 << 20

func (p *ExpiryProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	akid, service := signingKey(r)
	c := call{service: service, op: r.Method}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		_, c.op, _ = strings.Cut(target, ".")
	} else if isForm(r) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxFormBody+1))
		if err != nil || len(body) > maxFormBody {
			http.Error(w, "expiry proxy: cannot read the request body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if form, err := url.ParseQuery(string(body)); err == nil {
			c.form = form
			if a := form.Get("Action"); a != "" {
				c.op = a
			}
		}
	} else if a := r.URL.Query().Get("Action"); a != "" {
		c.op = a
		c.form = r.URL.Query()
	}
	if akid != "" && p.expired(akid) {
		p.mu.Lock()
		p.rejected[c.key()]++
		p.mu.Unlock()
		writeExpired(w, r, service)
		return
	}
	p.mu.Lock()
	p.requests[c.key()]++
	p.mu.Unlock()
	p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
}

// expired tells whether akid is a key the proxy (or the other issuer)
// knows to have expired. Unknown keys (moto's long-term ones) never
// expire.
func (p *ExpiryProxy) expired(akid string) bool {
	p.mu.Lock()
	exp, ok := p.expires[akid]
	p.mu.Unlock()
	if !ok && p.other != nil {
		exp, ok = p.other(akid)
	}
	return ok && !p.now().Before(exp)
}

var credentialRE = regexp.MustCompile(`Credential=([^/,\s]+)/[^/]*/[^/]*/([^/]+)/`)

// signingKey returns the access key id and service of a SigV4 (or SigV4a)
// signed request, from its Authorization header or presigned query.
func signingKey(r *http.Request) (akid, service string) {
	if m := credentialRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1], m[2]
	}
	if cred := r.URL.Query().Get("X-Amz-Credential"); cred != "" {
		parts := strings.Split(cred, "/")
		if len(parts) >= 4 {
			return parts[0], parts[3]
		}
		return parts[0], ""
	}
	return "", ""
}

func isForm(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return r.Method == http.MethodPost && strings.HasPrefix(ct, "application/x-www-form-urlencoded")
}

// queryNamespaces are the XML namespaces of the query-protocol services
// CDK and awsauth call.
var queryNamespaces = map[string]string{
	"sts":            "https://sts.amazonaws.com/doc/2011-06-15/",
	"cloudformation": "http://cloudformation.amazonaws.com/doc/2010-05-15/",
	"iam":            "https://iam.amazonaws.com/doc/2010-05-08/",
	"sns":            "http://sns.amazonaws.com/doc/2010-03-31/",
}

// writeExpired refuses a request as AWS refuses one signed with expired
// temporary keys, in the shape its protocol's clients parse.
func writeExpired(w http.ResponseWriter, r *http.Request, service string) {
	reqID := fmt.Sprintf("%016x-expired", time.Now().UnixNano())
	h := w.Header()
	h.Set("x-amzn-RequestId", reqID)
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		// JSON protocols (SSM, DynamoDB, ...): the SDKs read the code
		// from this header first.
		h.Set("x-amzn-ErrorType", "ExpiredTokenException:http://internal.amazon.com/coral/com.amazon.coral.service/")
		h.Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		body, _ := json.Marshal(map[string]string{"__type": "com.amazon.coral.service#ExpiredTokenException", "message": ExpiredTokenMessage})
		_, _ = w.Write(body)
	case service == "s3":
		h.Set("Content-Type", "application/xml")
		h.Set("x-amz-request-id", reqID)
		w.WriteHeader(http.StatusBadRequest)
		// AWS also echoes the token as <Token-0>; a test fake has no
		// reason to repeat a secret.
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message><RequestId>%s</RequestId><HostId>expiry-proxy</HostId></Error>`, reqID)
	case service == "ec2":
		h.Set("Content-Type", "text/xml;charset=UTF-8")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Response><Errors><Error><Code>RequestExpired</Code><Message>Request has expired.</Message></Error></Errors><RequestID>%s</RequestID></Response>`, reqID)
	case isForm(r) || r.URL.Query().Get("Action") != "":
		h.Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		var b bytes.Buffer
		_ = xml.EscapeText(&b, []byte(queryNamespaces[service]))
		fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`, b.String(), ExpiredTokenMessage, reqID)
	default:
		// REST-JSON services (Lambda, API Gateway, ...).
		h.Set("x-amzn-ErrorType", "ExpiredTokenException")
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		body, _ := json.Marshal(map[string]string{"message": ExpiredTokenMessage})
		_, _ = w.Write(body)
	}
}

// stsIssuers are the STS operations that hand out temporary keys.
var stsIssuers = map[string]bool{
	"AssumeRole": true, "AssumeRoleWithWebIdentity": true, "AssumeRoleWithSAML": true,
	"GetSessionToken": true, "GetFederationToken": true,
}

var (
	accessKeyRE  = regexp.MustCompile(`<AccessKeyId>([^<]+)</AccessKeyId>`)
	expirationRE = regexp.MustCompile(`<Expiration>[^<]*</Expiration>`)
	stackNameRE  = regexp.MustCompile(`<StackName>([^<]+)</StackName>`)
	stackStatRE  = regexp.MustCompile(`<StackStatus>(CREATE|UPDATE)_COMPLETE</StackStatus>`)
)

// modify rewrites the answers that carry time: STS credentials and held
// stacks' statuses; it records held stacks' operations as they pass.
func (p *ExpiryProxy) modify(resp *http.Response) error {
	c, _ := resp.Request.Context().Value(callKey{}).(call)
	if resp.StatusCode != http.StatusOK || c.form == nil {
		return nil
	}
	switch {
	case c.service == "sts" && stsIssuers[c.op]:
		return p.rewriteBody(resp, func(body []byte) []byte { return p.issue(c, body) })
	case c.service == "cloudformation" && (c.op == "ExecuteChangeSet" || c.op == "CreateStack" || c.op == "UpdateStack"):
		p.startHold(c.form.Get("StackName"))
	case c.service == "cloudformation" && c.op == "DescribeStacks":
		return p.rewriteBody(resp, p.holdStatuses)
	}
	return nil
}

func (p *ExpiryProxy) rewriteBody(resp *http.Response, f func([]byte) []byte) error {
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	body = f(body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
	resp.Header.Del("Content-Encoding")
	return nil
}

// issue gives the keys in an STS answer the proxy's TTL.
func (p *ExpiryProxy) issue(c call, body []byte) []byte {
	m := accessKeyRE.FindSubmatch(body)
	if m == nil {
		return body
	}
	exp := p.now().Add(p.ttl).UTC()
	body = expirationRE.ReplaceAll(body, []byte("<Expiration>"+exp.Format("2006-01-02T15:04:05Z")+"</Expiration>"))
	who := c.op
	if arn := c.form.Get("RoleArn"); arn != "" {
		who = arn[strings.LastIndex(arn, "/")+1:]
	}
	p.mu.Lock()
	p.expires[string(m[1])] = exp
	p.issued[who]++
	p.mu.Unlock()
	return body
}

func (p *ExpiryProxy) startHold(stack string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d, ok := p.holds[stack]; ok {
		now := p.now()
		p.started[stack] = now
		p.held[stack] = now.Add(d)
	}
}

// holdStatuses reports each held stack in the answer as still in progress.
// The stacks are the top-level <member> elements of <Stacks>; nested lists
// (Parameters, Outputs, Tags) have members of their own.
func (p *ExpiryProxy) holdStatuses(body []byte) []byte {
	p.mu.Lock()
	now := p.now()
	active := map[string]bool{}
	for s, until := range p.held {
		if now.Before(until) {
			active[s] = true
		}
	}
	p.mu.Unlock()
	if len(active) == 0 {
		return body
	}
	var out bytes.Buffer
	rest := body
	for {
		start, end := nextTopMember(rest)
		if start < 0 {
			out.Write(rest)
			return out.Bytes()
		}
		out.Write(rest[:start])
		member := rest[start:end]
		if m := stackNameRE.FindSubmatch(member); m != nil && active[string(m[1])] {
			member = stackStatRE.ReplaceAll(member, []byte("<StackStatus>${1}_IN_PROGRESS</StackStatus>"))
		}
		out.Write(member)
		rest = rest[end:]
	}
}

// nextTopMember finds the first <member>...</member> of b whose nested
// members are balanced, and returns its bounds, or -1 when there is none.
func nextTopMember(b []byte) (start, end int) {
	start = bytes.Index(b, []byte("<member>"))
	if start < 0 {
		return -1, -1
	}
	depth := 0
	for i := start; i < len(b); {
		switch {
		case bytes.HasPrefix(b[i:], []byte("<member>")):
			depth++
			i += len("<member>")
		case bytes.HasPrefix(b[i:], []byte("</member>")):
			depth--
			i += len("</member>")
			if depth == 0 {
				return start, i
			}
		default:
			i++
		}
	}
	return -1, -1
}
