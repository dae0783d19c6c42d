package awsfake_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsauth/awsauth/internal/awsfake"
)

func cfnClient(srv *awsfake.Server, creds aws.CredentialsProvider) *cloudformation.Client {
	// The SDK's retries stay on: against a loopback server that answers
	// at once, the SDK can close its own connection while reading a large
	// response (it closes the request body as soon as the response starts,
	// and net/http's check for extra body bytes then fails), which it
	// reports as a retryable "use of closed network connection".
	return cloudformation.NewFromConfig(awsConfig(creds), func(o *cloudformation.Options) {
		o.BaseEndpoint = aws.String(srv.URL())
	})
}

// cdkApp is a small CDK-like app: a role, a bucket, a function that needs
// both, a table, and a distribution that takes ten minutes.
func cdkApp(fail map[string]string) string {
	res := func(id, typ string, d time.Duration, deps ...string) awsfake.StackResource {
		return awsfake.StackResource{LogicalID: id, Type: typ, Duration: d, Fail: fail[id], DependsOn: deps}
	}
	return awsfake.TemplateBody(
		res("CDKMetadata", "AWS::CDK::Metadata", 2*time.Second),
		res("HandlerRole", "AWS::IAM::Role", 20*time.Second),
		res("Assets", "AWS::S3::Bucket", 25*time.Second),
		res("Handler", "AWS::Lambda::Function", 8*time.Second, "HandlerRole", "Assets"),
		res("Orders", "AWS::DynamoDB::Table", 30*time.Second),
		res("Site", "AWS::CloudFront::Distribution", 10*time.Minute, "Assets"),
	)
}

func createStack(t *testing.T, c *cloudformation.Client, name, body string) string {
	t.Helper()
	out, err := c.CreateStack(t.Context(), &cloudformation.CreateStackInput{
		StackName:    aws.String(name),
		TemplateBody: aws.String(body),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam},
	})
	if err != nil {
		t.Fatalf("CreateStack %s: %v", name, err)
	}
	return aws.ToString(out.StackId)
}

func describeStack(t *testing.T, c *cloudformation.Client, name string) cfntypes.Stack {
	t.Helper()
	out, err := c.DescribeStacks(t.Context(), &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeStacks %s: %v", name, err)
	}
	if len(out.Stacks) != 1 {
		t.Fatalf("DescribeStacks %s: %d stacks", name, len(out.Stacks))
	}
	return out.Stacks[0]
}

// allEvents pages through a stack's events and returns them oldest first.
func allEvents(t *testing.T, c *cloudformation.Client, stack string) []cfntypes.StackEvent {
	t.Helper()
	var evs []cfntypes.StackEvent
	p := cloudformation.NewDescribeStackEventsPaginator(c, &cloudformation.DescribeStackEventsInput{StackName: aws.String(stack)})
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("DescribeStackEvents %s: %v", stack, err)
		}
		evs = append(evs, out.StackEvents...)
	}
	slices.Reverse(evs)
	return evs
}

// eventLine is "LogicalId STATUS" or, with a reason, "LogicalId STATUS: reason".
func eventLine(e cfntypes.StackEvent) string {
	s := aws.ToString(e.LogicalResourceId) + " " + string(e.ResourceStatus)
	if r := aws.ToString(e.ResourceStatusReason); r != "" {
		s += ": " + r
	}
	return s
}

func linesOf(evs []cfntypes.StackEvent, keep func(cfntypes.StackEvent) bool) []string {
	var out []string
	for _, e := range evs {
		if keep == nil || keep(e) {
			out = append(out, eventLine(e))
		}
	}
	return out
}

func own(e cfntypes.StackEvent) bool {
	return aws.ToString(e.PhysicalResourceId) == aws.ToString(e.StackId)
}

func resource(id string) func(cfntypes.StackEvent) bool {
	return func(e cfntypes.StackEvent) bool { return aws.ToString(e.LogicalResourceId) == id && !own(e) }
}

func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}

// A create polled to completion without a waiter, the clock moved by hand.
func TestCloudFormationCreateOnManualClock(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	c := cfnClient(srv, static(userCreds(t, srv)))
	id := createStack(t, c, "shop", cdkApp(nil))
	if !strings.HasPrefix(id, "arn:aws:cloudformation:us-east-1:111111111111:stack/shop/") {
		t.Errorf("StackId = %q", id)
	}

	s := describeStack(t, c, "shop")
	if s.StackStatus != cfntypes.StackStatusCreateInProgress || !aws.ToTime(s.CreationTime).Equal(fakeStart) {
		t.Errorf("right after CreateStack: %s created %v", s.StackStatus, s.CreationTime)
	}
	var polls int
	for ; polls < 1000; polls++ {
		s = describeStack(t, c, id)
		if s.StackStatus != cfntypes.StackStatusCreateInProgress {
			break
		}
		clock.Advance(5 * time.Second)
	}
	if s.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("status = %s after %d polls", s.StackStatus, polls)
	}
	// Site starts when Assets is done (1 s + 25 s) and takes 10 min; the
	// stack completes a second later: 10m27s, seen at the next 5 s poll.
	if elapsed := clock.Now().Sub(fakeStart); elapsed != 10*time.Minute+30*time.Second {
		t.Errorf("complete after %s of fake time, want 10m30s", elapsed)
	}

	evs := allEvents(t, c, "shop")
	wantLines(t, "Handler's events", linesOf(evs, resource("Handler")), []string{
		"Handler CREATE_IN_PROGRESS",
		"Handler CREATE_IN_PROGRESS: Resource creation Initiated",
		"Handler CREATE_COMPLETE",
	})
	wantLines(t, "the stack's own events", linesOf(evs, own), []string{
		"shop CREATE_IN_PROGRESS: User Initiated",
		"shop CREATE_COMPLETE",
	})
	handlerStart := eventTime(t, evs, "Handler", "CREATE_IN_PROGRESS")
	if want := fakeStart.Add(26 * time.Second); !handlerStart.Equal(want) {
		t.Errorf("Handler started at %s, want %s (after its dependencies)", handlerStart, want)
	}
	for _, e := range evs {
		if e.ResourceStatus == cfntypes.ResourceStatusCreateComplete && !own(e) {
			if p := aws.ToString(e.PhysicalResourceId); p == "" {
				t.Errorf("%s: no physical id", eventLine(e))
			}
		}
	}

	res, err := c.DescribeStackResources(t.Context(), &cloudformation.DescribeStackResourcesInput{StackName: aws.String("shop")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.StackResources) != 6 {
		t.Errorf("DescribeStackResources: %d resources, want 6", len(res.StackResources))
	}
	for _, r := range res.StackResources {
		if r.ResourceStatus != cfntypes.ResourceStatusCreateComplete || aws.ToString(r.StackId) != id || r.Timestamp == nil {
			t.Errorf("resource %s: %s %s %v", aws.ToString(r.LogicalResourceId), r.ResourceStatus, aws.ToString(r.StackId), r.Timestamp)
		}
		if aws.ToString(r.LogicalResourceId) == "Assets" && !strings.HasPrefix(aws.ToString(r.PhysicalResourceId), "shop-assets-") {
			t.Errorf("bucket physical id %q, want AWS's lower-case stack-logical-random", aws.ToString(r.PhysicalResourceId))
		}
	}
	tpl, err := c.GetTemplate(t.Context(), &cloudformation.GetTemplateInput{StackName: aws.String("shop")})
	if err != nil || aws.ToString(tpl.TemplateBody) != cdkApp(nil) {
		t.Errorf("GetTemplate = %q, %v", aws.ToString(tpl.TemplateBody), err)
	}
	if n := srv.Calls("DescribeStacks"); n != polls+2 {
		t.Errorf("Calls(DescribeStacks) = %d, want %d", n, polls+2)
	}
	if srv.Calls("CreateStack") != 1 {
		t.Errorf("Calls(CreateStack) = %d", srv.Calls("CreateStack"))
	}
}

func eventTime(t *testing.T, evs []cfntypes.StackEvent, logical, status string) time.Time {
	t.Helper()
	for _, e := range evs {
		if aws.ToString(e.LogicalResourceId) == logical && string(e.ResourceStatus) == status {
			return aws.ToTime(e.Timestamp)
		}
	}
	t.Fatalf("no %s %s event", logical, status)
	return time.Time{}
}

const bucketTaken = "shop-assets already exists"

// A failing resource cancels what is in flight, and the rollback deletes
// everything that started, dependents first.
func TestCloudFormationCreateFailsAndRollsBack(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	c := cfnClient(srv, static(userCreds(t, srv)))
	createStack(t, c, "shop", cdkApp(map[string]string{"Orders": "Table already exists"}))
	clock.Advance(time.Hour)

	if s := describeStack(t, c, "shop"); s.StackStatus != cfntypes.StackStatusRollbackComplete {
		t.Fatalf("status = %s", s.StackStatus)
	}
	evs := allEvents(t, c, "shop")
	wantLines(t, "the stack's own events", linesOf(evs, own), []string{
		"shop CREATE_IN_PROGRESS: User Initiated",
		"shop ROLLBACK_IN_PROGRESS: The following resource(s) failed to create: [Handler, Orders, Site]. Rollback requested by user.",
		"shop ROLLBACK_COMPLETE",
	})
	wantLines(t, "the failure and the cancellation", linesOf(evs, func(e cfntypes.StackEvent) bool {
		return e.ResourceStatus == cfntypes.ResourceStatusCreateFailed
	}), []string{
		"Orders CREATE_FAILED: Table already exists",
		"Handler CREATE_FAILED: Resource creation cancelled",
		"Site CREATE_FAILED: Resource creation cancelled",
	})
	// Orders fails at 31 s, while Handler (26 s to 34 s) and Site (26 s
	// to 10m26s) run. Both depend on Assets, which goes last.
	assetsGone := eventTime(t, evs, "Assets", "DELETE_IN_PROGRESS")
	for _, dependent := range []string{"Site", "Handler"} {
		if done := eventTime(t, evs, dependent, "DELETE_COMPLETE"); assetsGone.Before(done) {
			t.Errorf("Assets deleted at %s, before %s was gone at %s", assetsGone, dependent, done)
		}
	}
	// The rollback leaves the resources listed as deleted.
	res, err := c.ListStackResources(t.Context(), &cloudformation.ListStackResourcesInput{StackName: aws.String("shop")})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.StackResourceSummaries {
		if r.ResourceStatus != cfntypes.ResourceStatusDeleteComplete {
			t.Errorf("%s is %s after the rollback", aws.ToString(r.LogicalResourceId), r.ResourceStatus)
		}
	}
	// A stack in ROLLBACK_COMPLETE cannot be updated, only deleted.
	_, err = c.UpdateStack(t.Context(), &cloudformation.UpdateStackInput{StackName: aws.String("shop"), TemplateBody: aws.String(cdkApp(nil)),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}})
	if api := wantAPIError(t, err, "ValidationError", http.StatusBadRequest); !strings.Contains(api.ErrorMessage(), "is in ROLLBACK_COMPLETE state and can not be updated.") {
		t.Errorf("UpdateStack: %v", api.ErrorMessage())
	}
}

func TestCloudFormationUpdate(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	c := cfnClient(srv, static(userCreds(t, srv)))
	v1 := awsfake.TemplateBody(
		awsfake.StackResource{LogicalID: "Fn", Type: "AWS::Lambda::Function", Properties: map[string]any{"Code": "v1"}},
		awsfake.StackResource{LogicalID: "Old", Type: "AWS::SNS::Topic"},
		awsfake.StackResource{LogicalID: "Same", Type: "AWS::SQS::Queue"},
	)
	createStack(t, c, "app", v1)

	update := func(body string) error {
		_, err := c.UpdateStack(t.Context(), &cloudformation.UpdateStackInput{StackName: aws.String("app"), TemplateBody: aws.String(body)})
		return err
	}
	err := update(v1)
	if api := wantAPIError(t, err, "ValidationError", 0); !strings.Contains(api.ErrorMessage(), "CREATE_IN_PROGRESS state and can not be updated") {
		t.Errorf("update during create: %v", api.ErrorMessage())
	}
	clock.Advance(time.Minute)
	if api := wantAPIError(t, update(v1), "ValidationError", 0); api.ErrorMessage() != "No updates are to be performed." {
		t.Errorf("no-op update: %v", api.ErrorMessage())
	}

	v2 := awsfake.TemplateBody(
		awsfake.StackResource{LogicalID: "Fn", Type: "AWS::Lambda::Function", Properties: map[string]any{"Code": "v2"}},
		awsfake.StackResource{LogicalID: "New", Type: "AWS::SQS::Queue", Duration: 5 * time.Second},
		awsfake.StackResource{LogicalID: "Same", Type: "AWS::SQS::Queue"},
	)
	updateStart := clock.Now()
	if err := update(v2); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	s := describeStack(t, c, "app")
	if s.StackStatus != cfntypes.StackStatusUpdateComplete || !aws.ToTime(s.LastUpdatedTime).Equal(updateStart) {
		t.Fatalf("status %s, last updated %v", s.StackStatus, s.LastUpdatedTime)
	}
	evs := allEvents(t, c, "app")
	var sinceUpdate []cfntypes.StackEvent
	for _, e := range evs {
		if !e.Timestamp.Before(updateStart) {
			sinceUpdate = append(sinceUpdate, e)
		}
	}
	wantLines(t, "the update's events", linesOf(sinceUpdate, nil), []string{
		"app UPDATE_IN_PROGRESS: User Initiated",
		"Fn UPDATE_IN_PROGRESS",
		"New CREATE_IN_PROGRESS",
		"New CREATE_IN_PROGRESS: Resource creation Initiated",
		"New CREATE_COMPLETE",
		"Fn UPDATE_COMPLETE",
		"app UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
		"Old DELETE_IN_PROGRESS",
		"Old DELETE_COMPLETE",
		"app UPDATE_COMPLETE",
	})
	res, err := c.ListStackResources(t.Context(), &cloudformation.ListStackResourcesInput{StackName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range res.StackResourceSummaries {
		ids = append(ids, aws.ToString(r.LogicalResourceId))
	}
	wantLines(t, "resources after the update", ids, []string{"Fn", "New", "Same"})

	// v3 breaks the function: the update rolls back and v2 stays.
	v3 := awsfake.TemplateBody(
		awsfake.StackResource{LogicalID: "Fn", Type: "AWS::Lambda::Function", Properties: map[string]any{"Code": "v3"}, Duration: 20 * time.Second, Fail: "Uploaded file must be a non-empty zip"},
		awsfake.StackResource{LogicalID: "New", Type: "AWS::SQS::Queue", Duration: 5 * time.Second},
		awsfake.StackResource{LogicalID: "Newer", Type: "AWS::SNS::Topic", Duration: time.Minute},
		awsfake.StackResource{LogicalID: "Same", Type: "AWS::SQS::Queue"},
	)
	rollbackStart := clock.Now()
	if err := update(v3); err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Minute)
	if s := describeStack(t, c, "app"); s.StackStatus != cfntypes.StackStatusUpdateRollbackComplete {
		t.Fatalf("status %s", s.StackStatus)
	}
	sinceUpdate = sinceUpdate[:0]
	for _, e := range allEvents(t, c, "app") {
		if !e.Timestamp.Before(rollbackStart) {
			sinceUpdate = append(sinceUpdate, e)
		}
	}
	wantLines(t, "the update rollback's events", linesOf(sinceUpdate, nil), []string{
		"app UPDATE_IN_PROGRESS: User Initiated",
		"Fn UPDATE_IN_PROGRESS",
		"Newer CREATE_IN_PROGRESS",
		"Newer CREATE_IN_PROGRESS: Resource creation Initiated",
		"Fn UPDATE_FAILED: Uploaded file must be a non-empty zip",
		"Newer CREATE_FAILED: Resource creation cancelled",
		"app UPDATE_ROLLBACK_IN_PROGRESS: The following resource(s) failed to update: [Fn, Newer].",
		"Fn UPDATE_IN_PROGRESS",
		"Fn UPDATE_COMPLETE",
		"app UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
		"Newer DELETE_IN_PROGRESS",
		"Newer DELETE_COMPLETE",
		"app UPDATE_ROLLBACK_COMPLETE",
	})
	tpl, err := c.GetTemplate(t.Context(), &cloudformation.GetTemplateInput{StackName: aws.String("app")})
	if err != nil || aws.ToString(tpl.TemplateBody) != v2 {
		t.Errorf("after the rollback the template is not v2: %v", err)
	}
}

func TestCloudFormationDelete(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	c := cfnClient(srv, static(userCreds(t, srv)))
	id := createStack(t, c, "shop", cdkApp(nil))
	// Asked for during the create, the delete starts when the create ends.
	if _, err := c.DeleteStack(t.Context(), &cloudformation.DeleteStackInput{StackName: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	// The create ends at 10m27s; the delete takes a few seconds.
	clock.Advance(10*time.Minute + 30*time.Second)
	if s := describeStack(t, c, "shop"); s.StackStatus != cfntypes.StackStatusDeleteInProgress || s.DeletionTime == nil {
		t.Fatalf("status %s, deletion time %v", s.StackStatus, s.DeletionTime)
	}
	clock.Advance(time.Hour)

	_, err := c.DescribeStacks(t.Context(), &cloudformation.DescribeStacksInput{StackName: aws.String("shop")})
	if api := wantAPIError(t, err, "ValidationError", http.StatusBadRequest); api.ErrorMessage() != "Stack with id shop does not exist" {
		t.Errorf("DescribeStacks after the delete: %q", api.ErrorMessage())
	}
	_, err = c.DescribeStackEvents(t.Context(), &cloudformation.DescribeStackEventsInput{StackName: aws.String("shop")})
	if api := wantAPIError(t, err, "ValidationError", http.StatusBadRequest); api.ErrorMessage() != "Stack [shop] does not exist" {
		t.Errorf("DescribeStackEvents after the delete: %q", api.ErrorMessage())
	}
	// By id, the deleted stack is still there.
	if s := describeStack(t, c, id); s.StackStatus != cfntypes.StackStatusDeleteComplete {
		t.Errorf("by id: %s", s.StackStatus)
	}
	evs := allEvents(t, c, id)
	if last := evs[len(evs)-1]; eventLine(last) != "shop DELETE_COMPLETE" {
		t.Errorf("last event %q", eventLine(last))
	}
	// Deleting again, or what never existed, succeeds quietly.
	for _, name := range []string{"shop", "never-was"} {
		if _, err := c.DeleteStack(t.Context(), &cloudformation.DeleteStackInput{StackName: aws.String(name)}); err != nil {
			t.Errorf("DeleteStack %s: %v", name, err)
		}
	}
	list, err := c.ListStacks(t.Context(), &cloudformation.ListStacksInput{StackStatusFilter: []cfntypes.StackStatus{cfntypes.StackStatusDeleteComplete}})
	if err != nil || len(list.StackSummaries) != 1 || aws.ToString(list.StackSummaries[0].StackId) != id || list.StackSummaries[0].DeletionTime == nil {
		t.Errorf("ListStacks DELETE_COMPLETE = %+v, %v", list, err)
	}
	// The name is free again.
	createStack(t, c, "shop", cdkApp(nil))
}

func TestCloudFormationNestedStackFails(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	c := cfnClient(srv, static(userCreds(t, srv)))
	body := awsfake.TemplateBody(
		awsfake.StackResource{LogicalID: "Orders", Type: "AWS::DynamoDB::Table", Duration: time.Minute},
		awsfake.StackResource{LogicalID: "Network", Type: "AWS::CloudFormation::Stack", Resources: []awsfake.StackResource{
			{LogicalID: "Vpc", Type: "AWS::EC2::VPC", Duration: 30 * time.Second},
			{LogicalID: "Logs", Type: "AWS::S3::Bucket", Duration: 5 * time.Second, Fail: bucketTaken},
		}},
	)
	rootID := createStack(t, c, "shop", body)
	clock.Advance(time.Hour)

	evs := allEvents(t, c, "shop")
	nestedID := ""
	for _, e := range evs {
		if aws.ToString(e.LogicalResourceId) == "Network" && aws.ToString(e.PhysicalResourceId) != "" {
			nestedID = aws.ToString(e.PhysicalResourceId)
		}
	}
	if !strings.Contains(nestedID, ":stack/shop-Network-") {
		t.Fatalf("nested stack id %q", nestedID)
	}
	wantLines(t, "Network in the parent", linesOf(evs, resource("Network")), []string{
		"Network CREATE_IN_PROGRESS",
		"Network CREATE_IN_PROGRESS: Resource creation Initiated",
		"Network CREATE_FAILED: Embedded stack " + nestedID + " was not successfully created: The following resource(s) failed to create: [Logs, Vpc].",
		"Network DELETE_IN_PROGRESS",
		"Network DELETE_COMPLETE",
	})
	nested := allEvents(t, c, nestedID)
	name := strings.Split(nestedID, "/")[1]
	wantLines(t, "the nested stack's events", linesOf(nested, nil), []string{
		name + " CREATE_IN_PROGRESS",
		"Logs CREATE_IN_PROGRESS",
		"Vpc CREATE_IN_PROGRESS",
		"Logs CREATE_IN_PROGRESS: Resource creation Initiated",
		"Vpc CREATE_IN_PROGRESS: Resource creation Initiated",
		"Logs CREATE_FAILED: " + bucketTaken,
		"Vpc CREATE_FAILED: Resource creation cancelled",
		name + " ROLLBACK_IN_PROGRESS: The following resource(s) failed to create: [Logs, Vpc]. Rollback requested by user.",
		"Vpc DELETE_IN_PROGRESS",
		"Logs DELETE_IN_PROGRESS",
		"Vpc DELETE_COMPLETE",
		"Logs DELETE_COMPLETE",
		name + " ROLLBACK_COMPLETE",
		name + " DELETE_IN_PROGRESS",
		name + " DELETE_COMPLETE",
	})
	n := describeStack(t, c, nestedID)
	if aws.ToString(n.ParentId) != rootID || aws.ToString(n.RootId) != rootID {
		t.Errorf("nested ParentId %q RootId %q, want %q", aws.ToString(n.ParentId), aws.ToString(n.RootId), rootID)
	}
	// The table, in flight when the nested stack failed, was cancelled.
	wantLines(t, "Orders", linesOf(evs, resource("Orders"))[2:3], []string{"Orders CREATE_FAILED: Resource creation cancelled"})
	if s := describeStack(t, c, "shop"); s.StackStatus != cfntypes.StackStatusRollbackComplete {
		t.Errorf("root status %s", s.StackStatus)
	}
}

// DescribeStackEvents pages 100 events at a time, newest first, and a
// token stays valid while new events arrive.
func TestCloudFormationEventPages(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	c := cfnClient(srv, static(userCreds(t, srv)))
	var rs []awsfake.StackResource
	for i := range 60 {
		rs = append(rs, awsfake.StackResource{LogicalID: fmt.Sprintf("Queue%02d", i), Type: "AWS::SQS::Queue", Duration: time.Duration(10+i) * time.Second})
	}
	createStack(t, c, "many", awsfake.TemplateBody(rs...))
	clock.Advance(40 * time.Second)

	first, err := c.DescribeStackEvents(t.Context(), &cloudformation.DescribeStackEventsInput{StackName: aws.String("many")})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.StackEvents) != 100 || first.NextToken == nil {
		t.Fatalf("first page: %d events, token %v", len(first.StackEvents), first.NextToken)
	}
	for i := 1; i < len(first.StackEvents); i++ {
		if first.StackEvents[i].Timestamp.After(*first.StackEvents[i-1].Timestamp) {
			t.Fatalf("page not newest first at %d", i)
		}
	}
	clock.Advance(time.Minute) // more events arrive at the front
	second, err := c.DescribeStackEvents(t.Context(), &cloudformation.DescribeStackEventsInput{StackName: aws.String("many"), NextToken: first.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	// By 40 s: the stack's first event, 60 × 2 in progress, and the 30
	// queues that take at most 39 s done: 151 events.
	if len(second.StackEvents) != 51 || second.NextToken != nil {
		t.Errorf("second page: %d events, token %v; want the remaining 51 and no token", len(second.StackEvents), second.NextToken)
	}
	if got := aws.ToString(second.StackEvents[len(second.StackEvents)-1].ResourceStatusReason); got != "User Initiated" {
		t.Errorf("oldest event reason %q, want the stack's first event", got)
	}
	seen := map[string]bool{}
	for _, e := range append(first.StackEvents, second.StackEvents...) {
		if seen[aws.ToString(e.EventId)] {
			t.Errorf("event %s on both pages", aws.ToString(e.EventId))
		}
		seen[aws.ToString(e.EventId)] = true
	}
	_, err = c.DescribeStackEvents(t.Context(), &cloudformation.DescribeStackEventsInput{StackName: aws.String("many"), NextToken: aws.String("bogus")})
	wantAPIError(t, err, "ValidationError", http.StatusBadRequest)
}

// CloudFormation checks the caller's keys like STS does: once role
// credentials expire, a watcher using them gets ExpiredToken.
func TestCloudFormationChecksCredentials(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	creds, _, err := assumeRole(t, stsClient(srv, static(userCreds(t, srv))), &sts.AssumeRoleInput{
		RoleArn: roleARN(awsfake.DevAccountID, "Admin"), RoleSessionName: aws.String("deploy"),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := cfnClient(srv, static(creds))
	createStack(t, c, "shop", cdkApp(nil))
	clock.Advance(59 * time.Minute)
	describeStack(t, c, "shop")
	clock.Advance(time.Minute)
	_, err = c.DescribeStackEvents(t.Context(), &cloudformation.DescribeStackEventsInput{StackName: aws.String("shop")})
	if api := wantAPIError(t, err, "ExpiredToken", http.StatusForbidden); api.ErrorMessage() != "The security token included in the request is expired" {
		t.Errorf("message %q", api.ErrorMessage())
	}
	_, err = cfnClient(srv, static(awsfake.Credentials{AccessKeyID: "AKIAUNKNOWNUNKNOWN00", SecretAccessKey: "x"})).
		DescribeStacks(t.Context(), &cloudformation.DescribeStacksInput{})
	wantAPIError(t, err, "InvalidClientTokenId", http.StatusForbidden)

	// Stacks belong to an account: prod cannot see dev's.
	prod, _, err := assumeRole(t, stsClient(srv, static(userCreds(t, srv))), &sts.AssumeRoleInput{
		RoleArn: roleARN(awsfake.ProdAccountID, "Admin"), RoleSessionName: aws.String("deploy"),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfnClient(srv, static(prod)).DescribeStacks(t.Context(), &cloudformation.DescribeStacksInput{StackName: aws.String("shop")})
	wantAPIError(t, err, "ValidationError", http.StatusBadRequest)
}

func TestCloudFormationRefusals(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	c := cfnClient(srv, static(userCreds(t, srv)))
	createStack(t, c, "taken", cdkApp(nil))
	tests := []struct {
		name, stack, body string
		caps              []cfntypes.Capability
		code, message     string
	}{
		{"exists", "taken", cdkApp(nil), []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}, "AlreadyExistsException", "Stack [taken] already exists"},
		{"iam without capability", "new", cdkApp(nil), nil, "InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_IAM]"},
		{"bad name", "1st", cdkApp(nil), nil, "ValidationError", "1 validation error detected: Value '1st' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*"},
		{"no resources", "new", `{"Resources":{}}`, nil, "ValidationError", "Template format error: At least one Resources member must be defined."},
		{"no type", "new", `{"Resources":{"A":{}}}`, nil, "ValidationError", "Template format error: [/Resources/A] Every Resources object must contain a Type member."},
		{"unknown dependency", "new", `{"Resources":{"A":{"Type":"AWS::SNS::Topic","DependsOn":"B"}}}`, nil, "ValidationError", "Template format error: Unresolved resource dependencies [B] in the Resources block of the template"},
		{"cycle", "new", `{"Resources":{"A":{"Type":"AWS::SNS::Topic","DependsOn":"B"},"B":{"Type":"AWS::SNS::Topic","Properties":{"X":{"Ref":"A"}}}}}`, nil, "ValidationError", "Template format error: Circular dependency between resources: [A, B]"},
		{"yaml", "new", "Resources:\n  A:\n    Type: AWS::SNS::Topic\n", nil, "ValidationError", "Template format error: awsfake reads JSON templates only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateStack(t.Context(), &cloudformation.CreateStackInput{StackName: aws.String(tt.stack), TemplateBody: aws.String(tt.body), Capabilities: tt.caps})
			if api := wantAPIError(t, err, tt.code, http.StatusBadRequest); api.ErrorMessage() != tt.message {
				t.Errorf("message %q, want %q", api.ErrorMessage(), tt.message)
			}
		})
	}
	if n := srv.Calls("CreateStack"); n != len(tests)+1 {
		t.Errorf("Calls(CreateStack) = %d, want %d", n, len(tests)+1)
	}
	var apiErr interface{ ErrorCode() string }
	_, err := c.DescribeStacks(t.Context(), &cloudformation.DescribeStacksInput{StackName: aws.String("nope")})
	if !errors.As(err, &apiErr) || !strings.Contains(err.Error(), "Stack with id nope does not exist") {
		t.Errorf("DescribeStacks nope: %v", err)
	}
}

// On a ScaledClock a ten-minute deployment plays in about a second of real
// time, polled the way a watcher would.
func TestCloudFormationScaledClock(t *testing.T) {
	clock := awsfake.NewScaledClock(fakeStart, 1200)
	srv, _ := start(t, awsfake.Options{Clock: clock})
	c := cfnClient(srv, static(userCreds(t, srv)))
	createStack(t, c, "shop", cdkApp(nil))
	deadline := time.Now().Add(10 * time.Second)
	var s cfntypes.Stack
	for time.Now().Before(deadline) {
		s = describeStack(t, c, "shop")
		if s.StackStatus != cfntypes.StackStatusCreateInProgress {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("status %s", s.StackStatus)
	}
	evs := allEvents(t, c, "shop")
	if d := aws.ToTime(evs[len(evs)-1].Timestamp).Sub(aws.ToTime(s.CreationTime)); d != 10*time.Minute+27*time.Second {
		t.Errorf("completed %s after the start in fake time, want 10m27s", d)
	}
}
