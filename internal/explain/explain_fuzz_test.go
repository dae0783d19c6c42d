package explain

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/awsauth/awsauth/internal/awsconfig"
)

// plantForms are the ways a secret shows up in a pasted log, each a form
// Redact promises to remove: %s is the secret.
var plantForms = []struct {
	form, secret string
}{
	{"aws_secret_access_key=%s", testSecret},
	{"export AWS_SECRET_ACCESS_KEY=%s", testSecret},
	{`"SecretAccessKey": "%s"`, testSecret},
	{"secret %s in prose", testSecret},
	{"%s", testSecret},
	{`export AWS_SESSION_TOKEN="%s"`, testToken},
	{"aws_session_token = %s", testToken},
	{`{"SessionToken":"%s"}`, testToken},
	{"%s", testToken},
	{"Authorization: Bearer %s", testJWT},
	{"token %s", testJWT},
	{"https://bucket.s3.amazonaws.com/k?X-Amz-Security-Token=%s&x=1", testToken},
	{`"accessToken": "%s"`, "aoaAAAAAGWPxv3h9mQ2xZs0Kp1Lm8NqRtU:MGUCMQD"},
	{"client_secret=%s", "cs-0123456789-abcdefghij"},
}

// FuzzExplain scans arbitrary input with a secret planted in it, at a place
// and in a form the fuzzer picks, and explains the scan. Nothing panics, the
// answer is bounded whatever the input's size, holds no control characters,
// and never gives back the secret or a long piece of it.
func FuzzExplain(f *testing.F) {
	sit := &Situation{
		Known: true, Profile: "deploy", ProfileFrom: "--profile", ProfileExists: true,
		Region: "eu-west-1", Source: awsconfig.KindSSO, Chain: "deploy sso: role Admin",
		SSO: true, SSOName: "corp", SSOToken: TokenExpired,
		Profiles: []awsconfig.Profile{{Name: "deploy", Account: "111111111111"}, {Name: "prod", Account: "222222222222"}},
	}
	f.Fuzz(func(t *testing.T, data []byte, at uint16, form uint8) {
		p := plantForms[int(form)%len(plantForms)]
		planted := strings.ReplaceAll(p.form, "%s", p.secret)
		cut := int(at) % (len(data) + 1)
		in := make([]byte, 0, len(data)+len(planted)+2)
		in = append(in, data[:cut]...)
		in = append(in, ' ')
		in = append(in, planted...)
		in = append(in, ' ')
		in = append(in, data[cut:]...)

		sc, err := ScanLog(bytes.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		if sc.Bytes != int64(len(in)) {
			t.Fatalf("read %d bytes of %d", sc.Bytes, len(in))
		}
		res := Diagnose(sc, sit)

		if n := len(res.Matched); n > maxShown+2*len("…") {
			t.Fatalf("matched line of %d bytes", n)
		}
		all := strings.Join(append([]string{res.Title, res.Summary, res.Explanation, res.Matched, res.Setup}, res.Fixes...), "\n")
		if sc.Root != nil {
			for k, v := range sc.Root.Vars {
				all += "\n" + k + "=" + v
			}
		}
		if len(all) > 24*MaxLine {
			t.Fatalf("answer of %d bytes", len(all))
		}
		for _, s := range []string{p.secret, p.secret[:20], p.secret[len(p.secret)-20:]} {
			if strings.Contains(all, s) && !bytes.Contains(data, []byte(s)) {
				t.Fatalf("the answer gives back %q of the planted %q:\n%s", s, planted, all)
			}
		}
		for _, s := range append([]string{res.Matched}, res.Fixes...) {
			for i, r := range s {
				if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD") {
					t.Fatalf("control character %U in %q", r, s)
				}
			}
		}
	})
}
