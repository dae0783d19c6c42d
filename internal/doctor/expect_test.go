package doctor

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/awsauth/awsauth/internal/sysenv"
)

func TestResolveExpect(t *testing.T) {
	const dotenv = "# deploy settings\nexport CDK_DEFAULT_ACCOUNT=222222222222\nCDK_DEFAULT_REGION='eu-central-1'\n"
	cases := []struct {
		name        string
		flags       Expect
		env         map[string]string
		dotenv      string
		account     string
		accountFrom string
		region      string
		regionFrom  string
	}{
		{name: "flags win", flags: Expect{Account: "111111111111", Region: "us-east-1"},
			env: map[string]string{"CDK_DEFAULT_ACCOUNT": "333333333333", "CDK_DEFAULT_REGION": "eu-west-1"}, dotenv: dotenv,
			account: "111111111111", accountFrom: "--expect-account", region: "us-east-1", regionFrom: "--expect-region"},
		{name: "environment next", env: map[string]string{"CDK_DEFAULT_ACCOUNT": "333333333333", "CDK_DEFAULT_REGION": "eu-west-1"}, dotenv: dotenv,
			account: "333333333333", accountFrom: "CDK_DEFAULT_ACCOUNT", region: "eu-west-1", regionFrom: "CDK_DEFAULT_REGION"},
		{name: "AWS_ACCOUNT_ID before CDK_DEFAULT_ACCOUNT", env: map[string]string{"AWS_ACCOUNT_ID": "444444444444", "CDK_DEFAULT_ACCOUNT": "333333333333"},
			account: "444444444444", accountFrom: "AWS_ACCOUNT_ID"},
		{name: ".env last", dotenv: dotenv,
			account: "222222222222", accountFrom: "CDK_DEFAULT_ACCOUNT in .env", region: "eu-central-1", regionFrom: "CDK_DEFAULT_REGION in .env"},
		{name: "mixed", flags: Expect{Region: "us-west-2"}, dotenv: dotenv,
			account: "222222222222", accountFrom: "CDK_DEFAULT_ACCOUNT in .env", region: "us-west-2", regionFrom: "--expect-region"},
		{name: "nothing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.dotenv != "" {
				os.WriteFile(filepath.Join(dir, ".env"), []byte(c.dotenv), 0o600)
			}
			x, err := ResolveExpect(c.flags, sysenv.FromMap(c.env), dir)
			if err != nil {
				t.Fatal(err)
			}
			if x.Account != c.account || x.AccountFrom != c.accountFrom || x.Region != c.region || x.RegionFrom != c.regionFrom {
				t.Errorf("got %+v, want account %s (%s), region %s (%s)", x, c.account, c.accountFrom, c.region, c.regionFrom)
			}
		})
	}
}

func TestResolveExpectRejectsBadValues(t *testing.T) {
	dir := t.TempDir()
	_, err := ResolveExpect(Expect{Account: "12345"}, nil, dir)
	var bad *BadExpectationError
	if !errors.As(err, &bad) || bad.From != "--expect-account" || !strings.Contains(err.Error(), `account "12345" (from --expect-account)`) {
		t.Errorf("short account: %v", err)
	}
	_, err = ResolveExpect(Expect{}, sysenv.FromMap(map[string]string{"CDK_DEFAULT_REGION": "Europe"}), dir)
	if !errors.As(err, &bad) || bad.From != "CDK_DEFAULT_REGION" {
		t.Errorf("bad region: %v", err)
	}
	os.WriteFile(filepath.Join(dir, ".env"), []byte("CDK_DEFAULT_ACCOUNT='unterminated\n"), 0o600)
	_, err = ResolveExpect(Expect{}, nil, dir)
	if err == nil || !strings.Contains(err.Error(), ".env") {
		t.Errorf("malformed .env: %v", err)
	}
}
