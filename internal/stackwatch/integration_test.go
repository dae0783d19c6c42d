package stackwatch_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/awsauth/awsauth/internal/awsfake"
	"github.com/awsauth/awsauth/internal/stackwatch"
	"github.com/awsauth/awsauth/internal/testenv"
)

var fakeStart = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// fake starts awsfake on a manual clock and returns a CloudFormation
// client signing with the default scenario's IAM user.
func fake(t *testing.T) (*awsfake.Server, *awsfake.ManualClock, *cloudformation.Client) {
	t.Helper()
	clock := awsfake.NewManualClock(fakeStart)
	srv, err := awsfake.Start(t.Context(), awsfake.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	user, err := srv.UserCredentials(awsfake.DefaultUserName)
	if err != nil {
		t.Fatal(err)
	}
	return srv, clock, cfnFor(srv.URL(), credentials.NewStaticCredentialsProvider(user.AccessKeyID, user.SecretAccessKey, ""))
}

func cfnFor(url string, creds aws.CredentialsProvider) *cloudformation.Client {
	return cloudformation.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: creds},
		func(o *cloudformation.Options) { o.BaseEndpoint = aws.String(url) })
}

// watchOnFakeClock runs a poller whose waits move the fake clock instead of
// sleeping, so hours of deployment take milliseconds.
func watchOnFakeClock(t *testing.T, c stackwatch.API, clock *awsfake.ManualClock, stack string) (stackwatch.Snapshot, []stackwatch.Update, error) {
	t.Helper()
	var updates []stackwatch.Update
	p := &stackwatch.Poller{
		API:   c,
		Stack: stack,
		Model: stackwatch.New(stack, stackwatch.Options{}),
		Now:   clock.Now,
		Sleep: func(ctx context.Context, d time.Duration) error {
			clock.Advance(d)
			return ctx.Err()
		},
		OnUpdate: func(u stackwatch.Update) { updates = append(updates, u) },
	}
	s, err := p.Run(t.Context())
	return s, updates, err
}

func res(id, typ string, d time.Duration, deps ...string) awsfake.StackResource {
	return awsfake.StackResource{LogicalID: id, Type: typ, Duration: d, DependsOn: deps}
}

func cdkApp(failBucket string) string {
	bucket := res("Assets", "AWS::S3::Bucket", 25*time.Second)
	bucket.Fail = failBucket
	return awsfake.TemplateBody(
		res("CDKMetadata", "AWS::CDK::Metadata", 2*time.Second),
		res("HandlerRole", "AWS::IAM::Role", 20*time.Second),
		bucket,
		res("Handler", "AWS::Lambda::Function", 8*time.Second, "HandlerRole", "Assets"),
		res("Orders", "AWS::DynamoDB::Table", 30*time.Second),
		res("Site", "AWS::CloudFront::Distribution", 40*time.Minute, "Assets"),
	)
}

func create(t *testing.T, c *cloudformation.Client, name, body string) string {
	t.Helper()
	out, err := c.CreateStack(t.Context(), &cloudformation.CreateStackInput{
		StackName: aws.String(name), TemplateBody: aws.String(body),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam},
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.StackId)
}

func TestWatchFakeCreate(t *testing.T) {
	_, clock, c := fake(t)
	create(t, c, "shop", cdkApp(""))
	snap, updates, err := watchOnFakeClock(t, c, clock, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if snap.Status != "CREATE_COMPLETE" || snap.Progress != (stackwatch.Progress{Done: 6, Total: 6}) {
		t.Errorf("final %s %+v", snap.Status, snap.Progress)
	}
	if snap.Elapsed != 40*time.Minute+27*time.Second {
		t.Errorf("elapsed %s, want 40m27s", snap.Elapsed)
	}
	// While the distribution runs alone, the poller reports it with its
	// running time and slows down.
	var sawSite bool
	for _, u := range updates {
		for _, r := range u.Snapshot.Running {
			if r.LogicalID == "Site" && r.For > 20*time.Minute && u.Next == stackwatch.DefaultMaxInterval {
				sawSite = true
			}
		}
		if u.Snapshot.Progress.Total != 6 {
			t.Fatalf("total %d at %s, want 6 from the template from the first poll", u.Snapshot.Progress.Total, u.Snapshot.Elapsed)
		}
	}
	if !sawSite {
		t.Error("no update showed Site running for 20 minutes at the idle interval")
	}
	if len(updates) > 250 {
		t.Errorf("%d polls for a 40 minute create", len(updates))
	}
}

func TestWatchFakeFailureAndRollback(t *testing.T) {
	_, clock, c := fake(t)
	create(t, c, "shop", cdkApp("shop-assets already exists"))
	snap, _, err := watchOnFakeClock(t, c, clock, "shop")
	var failed *stackwatch.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("err = %v, want a FailedError", err)
	}
	if snap.Status != "ROLLBACK_COMPLETE" || snap.RootCause == nil || snap.RootCause.LogicalID != "Assets" ||
		snap.RootCause.Reason != "shop-assets already exists" {
		t.Errorf("status %s, root cause %+v", snap.Status, snap.RootCause)
	}
	// The metadata, the role, the bucket and the table started; the
	// rollback deleted all four.
	if snap.Rollback == nil || snap.Rollback.Done != 4 || snap.Rollback.Total != 4 {
		t.Errorf("rollback %+v", snap.Rollback)
	}
	if snap.Outcome.Command != "aws cloudformation delete-stack --stack-name shop" {
		t.Errorf("command %q", snap.Outcome.Command)
	}
	var cascade int
	for _, f := range snap.Failures {
		if f.Cascade {
			cascade++
		}
	}
	// Handler and Site wait for the bucket and never start; only the table
	// was in flight.
	if cascade != 1 || len(snap.Failures) != 2 {
		t.Errorf("failures %+v: want the bucket and the table's cancellation", snap.Failures)
	}
}

func TestWatchFakeNestedFailure(t *testing.T) {
	_, clock, c := fake(t)
	create(t, c, "shop", awsfake.TemplateBody(
		res("Orders", "AWS::DynamoDB::Table", time.Minute),
		awsfake.StackResource{LogicalID: "Network", Type: "AWS::CloudFormation::Stack", Resources: []awsfake.StackResource{
			res("Vpc", "AWS::EC2::VPC", 30*time.Second),
			{LogicalID: "Logs", Type: "AWS::S3::Bucket", Duration: 5 * time.Second, Fail: "shop-logs already exists"},
		}},
	))
	snap, _, err := watchOnFakeClock(t, c, clock, "shop")
	if err == nil {
		t.Fatal("the watch succeeded")
	}
	if snap.RootCause == nil || snap.RootCause.LogicalID != "Logs" || !strings.HasPrefix(snap.RootCause.StackName, "shop-Network-") {
		t.Errorf("root cause %+v, want Logs inside the nested stack", snap.RootCause)
	}
	if len(snap.Stacks) != 2 || snap.Stacks[1].ParentID != snap.StackID || snap.Stacks[1].Status != "DELETE_COMPLETE" {
		t.Errorf("stacks %+v", snap.Stacks)
	}
	if !strings.Contains(err.Error(), "Logs (AWS::S3::Bucket) CREATE_FAILED: shop-logs already exists") {
		t.Errorf("error %q", err)
	}
}

func TestWatchFakeUpdateRollbackAndDelete(t *testing.T) {
	_, clock, c := fake(t)
	id := create(t, c, "app", awsfake.TemplateBody(res("Fn", "AWS::Lambda::Function", 10*time.Second), res("Q", "AWS::SQS::Queue", 5*time.Second)))
	if _, _, err := watchOnFakeClock(t, c, clock, "app"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	broken := awsfake.StackResource{LogicalID: "Fn", Type: "AWS::Lambda::Function", Duration: 20 * time.Second,
		Fail: "Uploaded file must be a non-empty zip", Properties: map[string]any{"Code": "v2"}}
	if _, err := c.UpdateStack(t.Context(), &cloudformation.UpdateStackInput{StackName: aws.String("app"),
		TemplateBody: aws.String(awsfake.TemplateBody(broken, res("Q", "AWS::SQS::Queue", 5*time.Second), res("New", "AWS::SNS::Topic", time.Minute)))}); err != nil {
		t.Fatal(err)
	}
	snap, _, err := watchOnFakeClock(t, c, clock, "app")
	if err == nil || snap.Status != "UPDATE_ROLLBACK_COMPLETE" || snap.Operation != stackwatch.OpUpdate {
		t.Fatalf("update: %v, %s %s", err, snap.Status, snap.Operation)
	}
	if snap.RootCause == nil || snap.RootCause.LogicalID != "Fn" || snap.Outcome.Command != "" || !strings.Contains(snap.Outcome.Hint, "rolled back") {
		t.Errorf("root cause %+v, outcome %+v", snap.RootCause, snap.Outcome)
	}
	// Q was not touched by the update: it counts as done.
	if snap.Progress.Total != 3 || snap.Progress.Done != 3 {
		t.Errorf("progress %+v", snap.Progress)
	}

	if _, err := c.DeleteStack(t.Context(), &cloudformation.DeleteStackInput{StackName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	snap, _, err = watchOnFakeClock(t, c, clock, "app")
	if err != nil || snap.Status != "DELETE_COMPLETE" || snap.Operation != stackwatch.OpDelete || snap.StackID != id {
		t.Fatalf("delete: %v, %s %s %s", err, snap.Status, snap.Operation, snap.StackID)
	}
	if snap.Progress != (stackwatch.Progress{Done: 2, Total: 2}) {
		t.Errorf("delete progress %+v, want the two resources", snap.Progress)
	}
	// Gone by name now.
	_, _, err = watchOnFakeClock(t, c, clock, "app")
	var nf *stackwatch.NotFoundError
	if !errors.As(err, &nf) {
		t.Errorf("watching the deleted stack by name: %v", err)
	}
}

// A watch outlives the credentials it started with: the fake refuses them
// with ExpiredToken, and the poller stops with that error rather than
// retrying forever.
func TestWatchFakeCredentialsExpire(t *testing.T) {
	srv, clock, c := fake(t)
	create(t, c, "shop", cdkApp(""))
	user, _ := srv.UserCredentials(awsfake.DefaultUserName)
	stsc := sts.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(user.AccessKeyID, user.SecretAccessKey, "")},
		func(o *sts.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
	out, err := stsc.AssumeRole(t.Context(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + awsfake.DevAccountID + ":role/Admin"), RoleSessionName: aws.String("watch"), DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		t.Fatal(err)
	}
	role := cfnFor(srv.URL(), credentials.NewStaticCredentialsProvider(aws.ToString(out.Credentials.AccessKeyId),
		aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken)))
	snap, _, err := watchOnFakeClock(t, role, clock, "shop")
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ExpiredToken" {
		t.Fatalf("err = %v, want ExpiredToken", err)
	}
	if snap.Status != "CREATE_IN_PROGRESS" || snap.Elapsed < 14*time.Minute || snap.Elapsed > 16*time.Minute {
		t.Errorf("stopped at %s after %s, want about 15 minutes in", snap.Status, snap.Elapsed)
	}
}

// moto completes stacks at once, but its answers are CloudFormation's wire
// format as someone else wrote it: parse them end to end.
func TestWatchMoto(t *testing.T) {
	m := testenv.Moto(t)
	c := cfnFor(m.URL, credentials.NewStaticCredentialsProvider(testenv.TestAccessKeyID, testenv.TestSecretAccessKey, ""))
	body := `{"Resources":{` +
		`"Assets":{"Type":"AWS::S3::Bucket"},` +
		`"Jobs":{"Type":"AWS::SQS::Queue","Properties":{"QueueName":"jobs"}},` +
		`"Topic":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":"news"}}}}`
	id := create(t, c, "moto-shop", body)

	// The raw answers first: what the model is fed.
	ds, err := c.DescribeStacks(t.Context(), &cloudformation.DescribeStacksInput{StackName: aws.String("moto-shop")})
	if err != nil || len(ds.Stacks) != 1 || aws.ToString(ds.Stacks[0].StackId) != id || ds.Stacks[0].CreationTime == nil {
		t.Fatalf("DescribeStacks: %+v %v", ds, err)
	}
	ev, err := c.DescribeStackEvents(t.Context(), &cloudformation.DescribeStackEventsInput{StackName: aws.String(id)})
	if err != nil || len(ev.StackEvents) == 0 {
		t.Fatalf("DescribeStackEvents: %+v %v", ev, err)
	}
	for _, e := range ev.StackEvents {
		if e.EventId == nil || e.Timestamp == nil || e.StackId == nil || e.ResourceStatus == "" {
			t.Errorf("event missing fields: %+v", e)
		}
	}
	dr, err := c.DescribeStackResources(t.Context(), &cloudformation.DescribeStackResourcesInput{StackName: aws.String("moto-shop")})
	if err != nil || len(dr.StackResources) != 3 {
		t.Fatalf("DescribeStackResources: %d resources, %v", len(dr.StackResources), err)
	}

	var updates []stackwatch.Update
	p := &stackwatch.Poller{API: c, Stack: "moto-shop", OnUpdate: func(u stackwatch.Update) { updates = append(updates, u) }}
	snap, err := p.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Status != "CREATE_COMPLETE" || snap.Operation != stackwatch.OpCreate || snap.StackID != id || snap.Started.IsZero() {
		t.Errorf("snapshot %s %s %s started %v", snap.Status, snap.Operation, snap.StackID, snap.Started)
	}
	if snap.Progress.Total != 3 || snap.Progress.Done != 3 {
		t.Errorf("progress %+v, want the three resources done", snap.Progress)
	}
	if len(updates) != 1 || len(updates[0].Events) == 0 {
		t.Errorf("%d updates: want one poll that saw moto's events", len(updates))
	}

	if _, err := c.DeleteStack(t.Context(), &cloudformation.DeleteStackInput{StackName: aws.String("moto-shop")}); err != nil {
		t.Fatal(err)
	}
	snap, err = (&stackwatch.Poller{API: c, Stack: id}).Run(t.Context())
	if err != nil || snap.Status != "DELETE_COMPLETE" || snap.Outcome.State != stackwatch.Succeeded {
		t.Errorf("delete: %v %s %s", err, snap.Status, snap.Outcome.State)
	}

	_, err = (&stackwatch.Poller{API: c, Stack: "moto-nothing"}).Run(t.Context())
	var nf *stackwatch.NotFoundError
	if !errors.As(err, &nf) {
		t.Errorf("missing stack on moto: %v", err)
	}
}
