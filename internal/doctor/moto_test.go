package doctor

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/awsauth/awsauth/internal/testenv"
)

// bootstrapTemplate is the part of CDK's bootstrap template the check
// reads: the Qualifier parameter, the version parameter, and the
// BootstrapVersion output.
const bootstrapTemplate = `{
  "Parameters": {"Qualifier": {"Type": "String", "Default": "hnb659fds"}},
  "Resources": {"CdkBootstrapVersion": {"Type": "AWS::SSM::Parameter", "Properties": {
    "Type": "String", "Name": {"Fn::Sub": "/cdk-bootstrap/${Qualifier}/version"}, "Value": "VERSION"}}},
  "Outputs": {"BootstrapVersion": {"Value": "VERSION"}}
}`

func createToolkit(t *testing.T, m *testenv.MotoServer, name, qualifier, version string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tpl := strings.ReplaceAll(bootstrapTemplate, "VERSION", version)
	if _, err := m.Query(ctx, "cloudformation", url.Values{
		"Action": {"CreateStack"}, "StackName": {name}, "TemplateBody": {tpl},
		"Parameters.member.1.ParameterKey": {"Qualifier"}, "Parameters.member.1.ParameterValue": {qualifier},
	}); err != nil {
		t.Fatal(err)
	}
}

// motoFixture is static keys (moto's account 123456789012) in us-east-1,
// where [testenv.MotoServer.Query] creates stacks, with STS and
// CloudFormation on moto.
func motoFixture(t *testing.T, m *testenv.MotoServer) *fixture {
	f := newFixture(t).credentials(staticCredentials)
	f.home.ForMoto(m)
	f.set("AWS_REGION", "us-east-1", "AWS_DEFAULT_REGION", "us-east-1")
	return f
}

func realClock(e *Env) { e.Now = time.Now }

func TestCDKBootstrapAgainstMoto(t *testing.T) {
	m := testenv.Moto(t)
	t.Run("fail: not bootstrapped", func(t *testing.T) {
		f := motoFixture(t, m).file("cdk.json", `{"app": "npx ts-node bin/app.ts"}`)
		want(t, CDKBootstrap, f.env(online, realClock), Fail, "aws://123456789012/us-east-1 is not bootstrapped: there is no CDKToolkit stack", "cdk bootstrap aws://123456789012/us-east-1")
	})
	createToolkit(t, m, "CDKToolkit", "hnb659fds", "21")
	createToolkit(t, m, "OtherToolkit", "custom1", "21")
	createToolkit(t, m, "OldToolkit", "old1", "4")
	t.Run("ok", func(t *testing.T) {
		f := motoFixture(t, m).file("cdk.json", `{"app": "x"}`)
		want(t, CDKBootstrap, f.env(online, realClock), OK, "CDKToolkit is CREATE_COMPLETE, bootstrap version 21, qualifier hnb659fds")
	})
	t.Run("fail: another qualifier", func(t *testing.T) {
		f := motoFixture(t, m).file("cdk.json", `{"app": "x", "toolkitStackName": "OtherToolkit", "context": {"@aws-cdk/core:bootstrapQualifier": "mine"}}`)
		want(t, CDKBootstrap, f.env(online, realClock), Fail, "bootstrapped with qualifier custom1, but this app uses mine",
			`set "@aws-cdk/core:bootstrapQualifier": "custom1"`, "cdk bootstrap aws://123456789012/us-east-1 --qualifier mine --toolkit-stack-name OtherToolkit")
	})
	t.Run("ok: the qualifier from cdk.json", func(t *testing.T) {
		f := motoFixture(t, m).file("cdk.json", `{"app": "x", "toolkitStackName": "OtherToolkit", "context": {"@aws-cdk/core:bootstrapQualifier": "custom1"}}`)
		want(t, CDKBootstrap, f.env(online, realClock), OK, "qualifier custom1")
	})
	t.Run("fail: too old", func(t *testing.T) {
		f := motoFixture(t, m).file("cdk.json", `{"app": "x", "toolkitStackName": "OldToolkit", "context": {"@aws-cdk/core:bootstrapQualifier": "old1"}}`)
		want(t, CDKBootstrap, f.env(online, realClock), Fail, "bootstrap version 4; CDK v2 needs 6", "cdk bootstrap aws://123456789012/us-east-1 --qualifier old1 --toolkit-stack-name OldToolkit")
	})
	t.Run("skip: not a CDK app", func(t *testing.T) {
		want(t, CDKBootstrap, motoFixture(t, m).env(online, realClock), Skip, "no cdk.json")
	})
	t.Run("skip: offline", func(t *testing.T) {
		f := motoFixture(t, m).file("cdk.json", `{"app": "x"}`)
		want(t, CDKBootstrap, f.env(realClock), Skip, "--offline")
	})
}

func TestSTSAndClockAgainstMoto(t *testing.T) {
	m := testenv.Moto(t)
	f := motoFixture(t, m)
	want(t, STS, f.env(online, realClock), OK, "in account "+testenv.MotoAccount)
	want(t, ClockSkew, f.env(online, realClock), OK, "within")
	want(t, Account, f.env(online, realClock, expectAccount("111111111111")), Fail, "account 123456789012 (by STS)")
	// A clock 10 minutes fast, measured against moto's Date.
	want(t, ClockSkew, f.env(online, clock(time.Now().Add(10*time.Minute))), Fail, "ahead of AWS's")
}

func TestBootstrapStates(t *testing.T) {
	app := cdkApp{Qualifier: defaultQualifier, QualifierFrom: "CDK's default", Toolkit: defaultToolkit}
	out := func(v string) []cfntypes.Output {
		return []cfntypes.Output{{OutputKey: aws.String("BootstrapVersion"), OutputValue: aws.String(v)}}
	}
	cases := []struct {
		stack cfntypes.Stack
		want  Status
		part  string
	}{
		{cfntypes.Stack{StackStatus: "UPDATE_COMPLETE", Outputs: out("25")}, OK, "bootstrap version 25"},
		{cfntypes.Stack{StackStatus: "UPDATE_ROLLBACK_COMPLETE", Outputs: out("25")}, OK, "UPDATE_ROLLBACK_COMPLETE"},
		{cfntypes.Stack{StackStatus: "ROLLBACK_COMPLETE"}, Fail, "aws cloudformation delete-stack --stack-name CDKToolkit --region eu-west-1 && cdk bootstrap"},
		{cfntypes.Stack{StackStatus: "UPDATE_IN_PROGRESS", Outputs: out("25")}, Warn, "wait stack-update-complete"},
		{cfntypes.Stack{StackStatus: "CREATE_COMPLETE"}, Fail, "legacy CDK v1 bootstrap"},
	}
	for _, c := range cases {
		r := bootstrapResult(c.stack, app, "aws://111111111111/eu-west-1", "eu-west-1", "cdk bootstrap aws://111111111111/eu-west-1")
		if r.Status != c.want || !strings.Contains(r.Detail+r.Fix, c.part) {
			t.Errorf("%s: %s %q / %q, want %s with %q", c.stack.StackStatus, r.Status, r.Detail, r.Fix, c.want, c.part)
		}
	}
}
