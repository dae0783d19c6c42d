package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"

	"github.com/awsauth/awsauth/internal/awsfake"
	"github.com/awsauth/awsauth/internal/keeper"
	"github.com/awsauth/awsauth/internal/ssotoken"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// The story the demo plays: a 3 h deployment under 1 h role credentials and
// an SSO session that ends half-way, at a speed where it takes half a minute.
const (
	demoDeployment = 3 * time.Hour
	demoSSOSession = 90 * time.Minute
)

func (a *app) newDemoCmd() *cobra.Command {
	var speed float64
	var fail bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Watch awsauth carry a 3-hour deployment through expiring credentials (no AWS needed)",
		Long: `Play the problem awsauth solves, against a built-in fake AWS, in about 30 seconds.

A simulated 3-hour deployment calls STS through the Go SDK every few
(simulated) minutes, under 1-hour role credentials from IAM Identity Center
and an SSO session that ends half-way. The fake AWS is strict: it rejects
expired credentials exactly as AWS does. awsauth exec keeps the deployment
supplied; you see the renewals, the re-login when the SSO session ends, and
the count of expired-credential errors at the end.

Everything happens in a throw-away HOME: your ~/.aws is never read or written.`,
		Example: `  go run ./cmd/awsauth demo
  awsauth demo --speed 720     # faster`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runDemo(cmd.Context(), speed, fail)
		},
	}
	cmd.Flags().Float64Var(&speed, "speed", 360, "how many times faster than real time the story runs")
	cmd.Flags().BoolVar(&fail, "fail", false, "make a resource fail two hours in, to see the root cause and the rollback")
	return cmd
}

func (a *app) runDemo(ctx context.Context, speed float64, fail bool) error {
	if speed < 1 || speed > 5000 || math.IsNaN(speed) {
		return &usageError{fmt.Errorf("--speed %v: use a number from 1 to 5000", speed)}
	}
	w := a.deps.IO.ErrOut
	cs := a.deps.IO.ErrColorScheme()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	home, err := os.MkdirTemp("", "awsauth-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(home)

	start := time.Now()
	clock := awsfake.NewScaledClock(start, speed)
	sc := awsfake.DefaultScenario()
	sc.SSOSessionDuration = demoSSOSession
	sc.DeviceCodeLifetime = 10 * time.Hour
	fake, err := awsfake.Start(context.WithoutCancel(ctx), awsfake.Options{Scenario: &sc, Clock: clock, AutoApprove: true})
	if err != nil {
		return err
	}
	defer fake.Close()
	fakeElapsed := func() time.Duration { return clock.Now().Sub(start) }
	stamp := func() string {
		d := fakeElapsed().Round(time.Minute)
		return cs.Gray(fmt.Sprintf("[%d:%02d]", int(d.Hours()), int(d.Minutes())%60))
	}

	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		return err
	}
	cfg := `[profile demo]
sso_session = demo-org
sso_account_id = ` + awsfake.ProdAccountID + `
sso_role_name = Admin
region = eu-west-1

[sso-session demo-org]
sso_start_url = ` + awsfake.DefaultStartURL + `
sso_region = eu-west-1
sso_registration_scopes = sso:account:access
`
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(cfg), 0o600); err != nil {
		return err
	}
	env := map[string]string{
		"HOME": home, "USERPROFILE": home, "PATH": os.Getenv("PATH"), "TMPDIR": os.TempDir(),
		"AWS_ENDPOINT_URL_STS": fake.URL(), "AWS_ENDPOINT_URL_SSO": fake.URL(), "AWS_ENDPOINT_URL_SSO_OIDC": fake.URL(),
		"AWS_ENDPOINT_URL_CLOUDFORMATION": fake.URL(),
		"AWS_EC2_METADATA_DISABLED":       "true",
		"AWSAUTH_DEMO_SPEED":              strconv.FormatFloat(speed, 'f', -1, 64),
		"AWSAUTH_DEMO_START":              strconv.FormatInt(start.UnixNano(), 10),
	}
	if fail {
		env["AWSAUTH_DEMO_FAIL"] = "1"
	}
	// What a program on Windows needs to run at all, and its temp directory.
	for _, k := range []string{"SYSTEMROOT", "TEMP", "TMP", "PATHEXT", "COMSPEC"} {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	demo := &app{deps: Deps{
		IO: a.deps.IO, Env: sysenv.FromMap(env), Now: time.Now,
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
		Environ:    func() []string { return list },
	}, g: globals{profile: "demo"}}

	fmt.Fprintf(w, "%s\n", cs.Bold("awsauth demo: a 3-hour deployment with 1-hour credentials and an SSO session that ends after 1h30"))
	fmt.Fprintf(w, "  fake AWS at %s, %gx real time, throw-away HOME %s\n\n", fake.URL(), speed, home)

	fmt.Fprintf(w, "%s awsauth login --profile demo   (the demo approves the code for you)\n", stamp())
	t, err := demo.resolveSSOTarget(ctx, "")
	if err != nil {
		return err
	}
	f := demo.flow(t.session)
	f.Prompt = func(ssotoken.Prompt) {}
	if _, _, err := f.Login(ctx, t.session); err != nil {
		return fmt.Errorf("demo login: %w", err)
	}
	fmt.Fprintf(w, "%s logged in; SSO session ends at 1:30\n", stamp())
	fmt.Fprintf(w, "%s awsauth exec --profile demo --auto-login --watch %s -- <deployment>\n", stamp(), demoStackName)

	var renewals, relogins atomic.Int32
	var started atomic.Bool
	var final keeper.Status
	err = demo.runExec(ctx, execOptions{
		noAgent:   true, // the demo's world ends with it
		noNotify:  true, // the demo's login is its own
		autoLogin: true, quiet: true, watch: demoStackName, watchNow: clock.Now,
		events: func(e keeper.Event) {
			switch e.Kind {
			case keeper.EventRefreshed:
				if !started.Swap(true) {
					fmt.Fprintf(w, "%s awsauth fetched role credentials for 1 hour and serves them to the deployment\n", stamp())
					return
				}
				renewals.Add(1)
				fmt.Fprintf(w, "%s awsauth renewed the role credentials before they expired\n", stamp())
			case keeper.EventNeedsLogin:
				relogins.Add(1)
				fmt.Fprintf(w, "%s %s the SSO session has ended; the deployment keeps running on valid credentials while awsauth logs in again\n", stamp(), cs.Yellow("!"))
			case keeper.EventRefreshFailed:
				fmt.Fprintf(w, "%s renewal failed (%v); still valid, retrying\n", stamp(), e.Err)
			case keeper.EventExpired:
				fmt.Fprintf(w, "%s %s credentials expired: %v\n", stamp(), cs.Red("x"), e.Err)
			}
		},
		done: func(st keeper.Status) { final = st },
	}, []string{self, "demo-deployment"})
	fmt.Fprintln(w)
	errs := "0 expired-credential errors"
	if err == nil {
		fmt.Fprintf(w, "%s the 3-hour deployment finished: %d credential renewals, %d re-logins, %s.\n",
			cs.Green("ok"), renewals.Load(), relogins.Load(), cs.Bold(errs))
		fmt.Fprintf(w, "   Without awsauth it would have died at 1:00 with \"The security token included in the request is expired\".\n")
		fmt.Fprintf(w, "   Next: awsauth status, then awsauth exec --profile YOURS --watch STACK -- cdk deploy\n")
		return nil
	}
	var se *silentError
	if fail && errors.As(err, &se) {
		fmt.Fprintf(w, "%s the deployment failed on its own merits (root cause above, stack rolled back), with %d credential renewals, %d re-logins and %s.\n",
			cs.Yellow("as asked (--fail):"), renewals.Load(), relogins.Load(), cs.Bold(errs))
		return &silentError{code: ExitStackFailed, err: err}
	}
	fmt.Fprintf(w, "%s the deployment saw errors (%d renewals, state %s)\n", cs.Red("failed:"), final.Refreshes, final.State)
	return err
}

// demoDeploymentCmd is the simulated deployment the demo runs under exec: a
// real process calling STS through the Go SDK's default chain, which finds
// awsauth's endpoint in its environment.
func (a *app) newDemoDeploymentCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "demo-deployment",
		Hidden: true,
		Args:   noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runDemoDeployment(cmd.Context())
		},
	}
}

// demoStack is the stack the simulated deployment creates: 40 resources
// one after another, 4.5 minutes each, three hours in all; with fail, the
// 28th fails (about two hours in) and the stack rolls back.
func demoStack(fail bool) string {
	kinds := []string{"AWS::IAM::Role", "AWS::Lambda::Function", "AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::DynamoDB::Table", "AWS::SNS::Topic", "AWS::ECS::Service", "AWS::RDS::DBInstance"}
	name := func(i int) string {
		if i == 27 {
			return "OrdersDatabase"
		}
		return fmt.Sprintf("Resource%02d", i+1)
	}
	var rs []awsfake.StackResource
	for i := 0; i < 40; i++ {
		r := awsfake.StackResource{LogicalID: name(i), Type: kinds[i%len(kinds)], Duration: 270 * time.Second, DeleteDuration: 30 * time.Second}
		if i > 0 {
			r.DependsOn = []string{name(i - 1)}
		}
		if i == 27 {
			r.Type = "AWS::RDS::DBInstance"
			if fail {
				r.Fail = "DB instance class db.m5.huge is not supported in this region"
			}
		}
		rs = append(rs, r)
	}
	return awsfake.TemplateBody(rs...)
}

const demoStackName = "demo-shop"

func (a *app) runDemoDeployment(ctx context.Context) error {
	speed, _ := strconv.ParseFloat(a.deps.Env.Get("AWSAUTH_DEMO_SPEED"), 64)
	startNS, _ := strconv.ParseInt(a.deps.Env.Get("AWSAUTH_DEMO_START"), 10, 64)
	if speed <= 0 || startNS == 0 {
		return errors.New("demo-deployment runs only under awsauth demo")
	}
	start := time.Unix(0, startNS)
	elapsed := func() time.Duration { return time.Duration(float64(time.Since(start)) * speed) }
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	// The deployment plays a user's tool: its credentials come from the
	// SDK's default chain (awsauth exec's endpoint), its clients from the
	// one builder.
	clients := a.clients()
	client := clients.STS(cfg.Region, cfg.Credentials)
	cfn := clients.CloudFormation(cfg.Region, cfg.Credentials)
	w := a.deps.IO.ErrOut
	if _, err := cfn.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName: aws.String(demoStackName), TemplateBody: aws.String(demoStack(a.deps.Env.Get("AWSAUTH_DEMO_FAIL") == "1")),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam},
	}); err != nil {
		return fmt.Errorf("create the demo stack: %w", err)
	}
	fmt.Fprintf(w, "  deployment: creating stack %s (40 resources, about 3 hours)\n", demoStackName)
	calls, expired, other := 0, 0, 0
	status := ""
	step := time.Duration(float64(2*time.Minute) / speed) // AWS calls every 2 simulated minutes, as a CDK polls
	for elapsed() < demoDeployment+time.Hour {
		calls += 2
		_, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		var out *cloudformation.DescribeStacksOutput
		if err == nil {
			out, err = cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(demoStackName)})
		}
		var api smithy.APIError
		switch {
		case err == nil:
			status = string(out.Stacks[0].StackStatus)
		case errors.As(err, &api) && strings.Contains(api.ErrorCode(), "Expired"):
			expired++
			fmt.Fprintf(w, "  deployment: %s\n", api.ErrorMessage())
		default:
			other++
			fmt.Fprintf(w, "  deployment: %v\n", err)
		}
		if status != "" && !strings.HasSuffix(status, "_IN_PROGRESS") {
			break
		}
		time.Sleep(step)
	}
	fmt.Fprintf(w, "  deployment: stack %s, after %d AWS calls, %d expired-credential errors, %d other errors\n", status, calls, expired, other)
	if expired+other > 0 || status != "CREATE_COMPLETE" {
		return &silentError{code: 1, err: errors.New("the deployment failed")}
	}
	return nil
}
