package doctor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/ssotoken"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// BenchmarkPreflightOffline times what `awsauth preflight --offline` does
// after flag parsing: resolve the chain of an SSO role profile, read its
// token, and run every preflight check over a CDK app with a context file.
// It is the cost a deploy script pays before its deployment starts.
func BenchmarkPreflightOffline(b *testing.B) {
	home, dir := b.TempDir(), b.TempDir()
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(home, ".aws"), 0o700))
	must(os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(ssoConfig), 0o600))
	tok := `{"startUrl":"https://example.awsapps.com/start","region":"eu-west-1","accessToken":"t","expiresAt":"` +
		now.Add(8*time.Hour).Format(time.RFC3339) + `","refreshToken":"r","clientId":"c","clientSecret":"s"}`
	path := ssotoken.CachePath(home, "corp")
	must(os.MkdirAll(filepath.Dir(path), 0o700))
	must(os.WriteFile(path, []byte(tok), 0o600))
	must(os.WriteFile(filepath.Join(dir, "cdk.json"), []byte(`{"app":"npx ts-node bin/app.ts","context":{"@aws-cdk/core:bootstrapQualifier":"hnb659fds"}}`), 0o600))
	var ctxFile strings.Builder
	ctxFile.WriteString("{")
	for i := range 50 {
		if i > 0 {
			ctxFile.WriteString(",")
		}
		ctxFile.WriteString(`"availability-zones:account=222222222222:region=eu-west-` + string(rune('0'+i%10)) + string(rune('a'+i/10)) + `":["a","b","c"]`)
	}
	ctxFile.WriteString("}")
	must(os.WriteFile(filepath.Join(dir, "cdk.context.json"), []byte(ctxFile.String()), 0o600))
	vars := sysenv.FromMap(map[string]string{
		"HOME": home, "USERPROFILE": home, "AWS_PROFILE": "deploy", "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1",
		"AWS_EC2_METADATA_DISABLED": "true", "CDK_DEFAULT_ACCOUNT": "222222222222",
	})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		x, err := ResolveExpect(Expect{Duration: 3 * time.Hour}, vars, dir)
		if err != nil {
			b.Fatal(err)
		}
		e := &Env{Lookup: vars, Now: func() time.Time { return now }, Dir: dir, Expect: x, Offline: true, GOOS: "linux"}
		rs := Run(ctx, e, Preflight())
		if rs[0].Status != OK {
			b.Fatalf("credentials: %+v", rs[0])
		}
	}
}
