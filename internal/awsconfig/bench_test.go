package awsconfig

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/awsauth/awsauth/internal/sysenv"
)

// bigConfig writes a config with n profiles of mixed kinds, as a large
// organisation's generated ~/.aws/config looks.
func bigConfig(n int) (config, creds string) {
	var c, k strings.Builder
	c.WriteString("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n")
	k.WriteString("[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
	for i := 0; i < n; i++ {
		acct := fmt.Sprintf("%012d", 100000000000+i)
		switch i % 4 {
		case 0:
			fmt.Fprintf(&c, "[profile p%d]\nsso_session = corp\nsso_account_id = %s\nsso_role_name = Admin\nregion = eu-west-1\n\n", i, acct)
		case 1:
			fmt.Fprintf(&c, "[profile p%d]\nrole_arn = arn:aws:iam::%s:role/Deploy\nsource_profile = p%d\nregion = us-east-1\n\n", i, acct, i-1)
		case 2:
			fmt.Fprintf(&c, "[profile p%d]\ncredential_process = /usr/bin/get-creds %s\n\n", i, acct)
		case 3:
			fmt.Fprintf(&c, "[profile p%d]\nrole_arn = arn:aws:iam::%s:role/Deploy\nsource_profile = base\n\n", i, acct)
		}
	}
	return c.String(), k.String()
}

// BenchmarkResolve200 resolves one assume-role profile in a 200-profile
// config: what every `awsauth status` pays before it touches the network.
func BenchmarkResolve200(b *testing.B) {
	cfg, creds := bigConfig(200)
	files := writeFilesB(b, cfg, creds)
	env := sysenv.FromMap(map[string]string{"AWS_SDK_LOAD_CONFIG": "1"})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		tr, err := Resolve(ctx, Request{Profile: "p197", Env: env, Files: files})
		if err != nil {
			b.Fatal(err)
		}
		if tr.Source() != KindAssumeRole {
			b.Fatalf("source %s", tr.Source())
		}
	}
}

// BenchmarkLoad200 lists the 200 profiles (awsauth profiles).
func BenchmarkLoad200(b *testing.B) {
	cfg, creds := bigConfig(200)
	files := writeFilesB(b, cfg, creds)
	b.ReportAllocs()
	for b.Loop() {
		inv, err := Load(files)
		if err != nil {
			b.Fatal(err)
		}
		if len(inv.Profiles) != 201 {
			b.Fatalf("%d profiles", len(inv.Profiles))
		}
	}
}

func writeFilesB(b *testing.B, config, creds string) Files { return writeFiles(b, config, creds) }

// BenchmarkQuickProfile200 reads one profile of 200 the way `awsauth
// prompt` does, on every shell prompt.
func BenchmarkQuickProfile200(b *testing.B) {
	cfg, creds := bigConfig(200)
	files := writeFilesB(b, cfg, creds)
	b.ReportAllocs()
	for b.Loop() {
		p, _, ok := QuickProfile(files, "p100")
		if !ok || p["sso_session"] != "corp" {
			b.Fatalf("p100: %v %v", ok, p)
		}
	}
}
