package stackwatch

import (
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// This file writes down event sequences the way DescribeStackEvents reports
// them for the operations the tests replay: ids, reasons and the order of
// the cascade follow what CloudFormation prints for a CDK app.

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

const account = "111111111111"

func stackARN(name, uuid string) string {
	return fmt.Sprintf("arn:aws:cloudformation:us-east-1:%s:stack/%s/%s", account, name, uuid)
}

// recording builds one stack's events in the order they happened.
type recording struct {
	id, name string
	start    time.Time
	events   []types.StackEvent
	n        int
}

func record(name, uuid string, start time.Time) *recording {
	return &recording{id: stackARN(name, uuid), name: name, start: start}
}

func (r *recording) at(d time.Duration) time.Time { return r.start.Add(d) }

// own adds an event of the stack itself; CloudFormation gives those a UUID.
func (r *recording) own(d time.Duration, status, reason string) *recording {
	r.n++
	r.events = append(r.events, types.StackEvent{
		StackId:              aws.String(r.id),
		StackName:            aws.String(r.name),
		EventId:              aws.String(fmt.Sprintf("%08x-0000-4000-8000-%012x", r.n, r.start.Unix())),
		LogicalResourceId:    aws.String(r.name),
		PhysicalResourceId:   aws.String(r.id),
		ResourceType:         aws.String(StackType),
		ResourceStatus:       types.ResourceStatus(status),
		ResourceStatusReason: optional(reason),
		Timestamp:            aws.Time(r.at(d)),
	})
	return r
}

// res adds a resource event; its id is LogicalId-STATUS-timestamp.
func (r *recording) res(d time.Duration, logical, typ, physical, status, reason string) *recording {
	ts := r.at(d)
	r.events = append(r.events, types.StackEvent{
		StackId:              aws.String(r.id),
		StackName:            aws.String(r.name),
		EventId:              aws.String(logical + "-" + status + "-" + ts.Format("2006-01-02T15:04:05.000Z")),
		LogicalResourceId:    aws.String(logical),
		PhysicalResourceId:   aws.String(physical),
		ResourceType:         aws.String(typ),
		ResourceStatus:       types.ResourceStatus(status),
		ResourceStatusReason: optional(reason),
		Timestamp:            aws.Time(ts),
	})
	return r
}

// create adds the two CREATE_IN_PROGRESS events and the result of creating
// a resource between from and to.
func (r *recording) create(from, to time.Duration, logical, typ, physical string) *recording {
	r.res(from, logical, typ, "", "CREATE_IN_PROGRESS", "")
	r.res(from+time.Second, logical, typ, physical, "CREATE_IN_PROGRESS", "Resource creation Initiated")
	return r.res(to, logical, typ, physical, "CREATE_COMPLETE", "")
}

func (r *recording) del(from, to time.Duration, logical, typ, physical string) *recording {
	r.res(from, logical, typ, physical, "DELETE_IN_PROGRESS", "")
	return r.res(to, logical, typ, physical, "DELETE_COMPLETE", "")
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// newestFirst returns the events as DescribeStackEvents lists them.
func newestFirst(evs []types.StackEvent) []types.StackEvent {
	out := slices.Clone(evs)
	slices.SortStableFunc(out, func(a, b types.StackEvent) int { return b.Timestamp.Compare(*a.Timestamp) })
	return out
}

// until keeps the events that had happened by d after the recording's start.
func (r *recording) until(d time.Duration) []types.StackEvent {
	var out []types.StackEvent
	for _, e := range r.events {
		if !e.Timestamp.After(r.at(d)) {
			out = append(out, e)
		}
	}
	return newestFirst(out)
}

func describe(r *recording, status string, created time.Time, updated, deleted *time.Time) types.Stack {
	return types.Stack{
		StackId:         aws.String(r.id),
		StackName:       aws.String(r.name),
		StackStatus:     types.StackStatus(status),
		CreationTime:    aws.Time(created),
		LastUpdatedTime: updated,
		DeletionTime:    deleted,
	}
}

// CDK-like resource set.
const (
	s3Bucket     = "AWS::S3::Bucket"
	iamRole      = "AWS::IAM::Role"
	lambdaFn     = "AWS::Lambda::Function"
	dynamoTable  = "AWS::DynamoDB::Table"
	cloudFront   = "AWS::CloudFront::Distribution"
	cdkMetadata  = "AWS::CDK::Metadata"
	sqsQueue     = "AWS::SQS::Queue"
	ec2VPC       = "AWS::EC2::VPC"
	logicalRole  = "ApiHandlerServiceRoleB4F7E2A1"
	logicalFn    = "ApiHandler5E7490E8"
	logicalTable = "OrdersTable315BB997"
	logicalDist  = "SiteDistribution3FF9535D"
	logicalBkt   = "AssetsBucket5CB76180"
	logicalMeta  = "CDKMetadata"
)

// cdkCreate is a CDK app's first deploy: six resources, the distribution
// taking most of the 9 minutes.
func cdkCreate() *recording {
	r := record("shop-prod", "5bdc4ce0-85c6-11eb-8ec4-0a5ebc5d4a8d", t0)
	r.own(0, "CREATE_IN_PROGRESS", "User Initiated")
	r.create(3*time.Second, 5*time.Second, logicalMeta, cdkMetadata, "5bdc4ce0-meta")
	r.create(3*time.Second, 22*time.Second, logicalRole, iamRole, "shop-prod-ApiHandlerServiceRole-1LX3N1ZW7M7O")
	r.create(3*time.Second, 25*time.Second, logicalBkt, s3Bucket, "shop-prod-assetsbucket5cb76180-1x7kq2c8f0a9b")
	r.create(3*time.Second, 30*time.Second, logicalTable, dynamoTable, "shop-prod-OrdersTable315BB997-ABCDEF123456")
	r.create(26*time.Second, 33*time.Second, logicalFn, lambdaFn, "shop-prod-ApiHandler5E7490E8-x1Y2z3")
	r.create(27*time.Second, 8*time.Minute+40*time.Second, logicalDist, cloudFront, "E2QWRUHAPOMQZL")
	r.own(8*time.Minute+42*time.Second, "CREATE_COMPLETE", "")
	return r
}

const bucketExists = `Resource handler returned message: "shop-prod-assets already exists" (RequestToken: 6b9f4a52-3c1e-6d8a-2f5b-9e0c7a4d1b3f, HandlerErrorCode: AlreadyExists)`

// cdkCreateFails is the same deploy with a fixed bucket name that is taken:
// the bucket fails, CloudFormation cancels what is in flight and rolls
// back.
func cdkCreateFails() *recording {
	r := record("shop-prod", "7e1c2b30-85c6-11eb-8ec4-0a5ebc5d4a8d", t0)
	r.own(0, "CREATE_IN_PROGRESS", "User Initiated")
	r.create(3*time.Second, 5*time.Second, logicalMeta, cdkMetadata, "7e1c2b30-meta")
	r.res(3*time.Second, logicalRole, iamRole, "", "CREATE_IN_PROGRESS", "")
	r.res(3*time.Second, logicalBkt, s3Bucket, "", "CREATE_IN_PROGRESS", "")
	r.res(3*time.Second, logicalTable, dynamoTable, "", "CREATE_IN_PROGRESS", "")
	r.res(4*time.Second, logicalRole, iamRole, "shop-prod-ApiHandlerServiceRole-9QW8E7R6T5Y4", "CREATE_IN_PROGRESS", "Resource creation Initiated")
	r.res(4*time.Second, logicalTable, dynamoTable, "shop-prod-OrdersTable315BB997-QWERTY987654", "CREATE_IN_PROGRESS", "Resource creation Initiated")
	r.res(5*time.Second, logicalBkt, s3Bucket, "shop-prod-assets", "CREATE_FAILED", bucketExists)
	r.res(6*time.Second, logicalRole, iamRole, "shop-prod-ApiHandlerServiceRole-9QW8E7R6T5Y4", "CREATE_FAILED", "Resource creation cancelled")
	r.res(6*time.Second, logicalTable, dynamoTable, "shop-prod-OrdersTable315BB997-QWERTY987654", "CREATE_FAILED", "Resource creation cancelled")
	r.own(7*time.Second, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [ApiHandlerServiceRoleB4F7E2A1, AssetsBucket5CB76180, OrdersTable315BB997]. Rollback requested by user.")
	r.del(9*time.Second, 21*time.Second, logicalTable, dynamoTable, "shop-prod-OrdersTable315BB997-QWERTY987654")
	r.del(9*time.Second, 11*time.Second, logicalRole, iamRole, "shop-prod-ApiHandlerServiceRole-9QW8E7R6T5Y4")
	r.del(9*time.Second, 10*time.Second, logicalBkt, s3Bucket, "shop-prod-assets")
	r.del(9*time.Second, 10*time.Second, logicalMeta, cdkMetadata, "7e1c2b30-meta")
	r.own(23*time.Second, "ROLLBACK_COMPLETE", "")
	return r
}

const zipInvalid = `Resource handler returned message: "Uploaded file must be a non-empty zip (Service: Lambda, Status Code: 400, Request ID: 0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9)" (RequestToken: 1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d, HandlerErrorCode: InvalidRequest)`

// cdkUpdateRollsBack is a second deploy, a day after the first, that adds
// a queue and breaks the function's code: the update rolls back. The first
// deploy's events are still in the stack's history.
func cdkUpdateRollsBack() (*recording, time.Time) {
	r := cdkCreate()
	u := r.start.Add(24 * time.Hour)
	d := u.Sub(r.start)
	r.own(d, "UPDATE_IN_PROGRESS", "User Initiated")
	r.res(d+4*time.Second, logicalFn, lambdaFn, "shop-prod-ApiHandler5E7490E8-x1Y2z3", "UPDATE_IN_PROGRESS", "")
	r.res(d+4*time.Second, "JobsQueue5A3B9C2D", sqsQueue, "", "CREATE_IN_PROGRESS", "")
	r.res(d+5*time.Second, "JobsQueue5A3B9C2D", sqsQueue, "https://sqs.us-east-1.amazonaws.com/111111111111/shop-prod-JobsQueue", "CREATE_IN_PROGRESS", "Resource creation Initiated")
	r.res(d+7*time.Second, logicalFn, lambdaFn, "shop-prod-ApiHandler5E7490E8-x1Y2z3", "UPDATE_FAILED", zipInvalid)
	r.res(d+8*time.Second, "JobsQueue5A3B9C2D", sqsQueue, "https://sqs.us-east-1.amazonaws.com/111111111111/shop-prod-JobsQueue", "CREATE_FAILED", "Resource creation cancelled")
	r.own(d+9*time.Second, "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: [ApiHandler5E7490E8].")
	r.res(d+12*time.Second, logicalFn, lambdaFn, "shop-prod-ApiHandler5E7490E8-x1Y2z3", "UPDATE_IN_PROGRESS", "")
	r.res(d+15*time.Second, logicalFn, lambdaFn, "shop-prod-ApiHandler5E7490E8-x1Y2z3", "UPDATE_COMPLETE", "")
	r.own(d+16*time.Second, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "")
	r.del(d+17*time.Second, d+20*time.Second, "JobsQueue5A3B9C2D", sqsQueue, "https://sqs.us-east-1.amazonaws.com/111111111111/shop-prod-JobsQueue")
	r.own(d+21*time.Second, "UPDATE_ROLLBACK_COMPLETE", "")
	return r, u
}

const logsBucketExists = `Resource handler returned message: "shop-logs already exists" (RequestToken: 9d8c7b6a-5f4e-3d2c-1b0a-f9e8d7c6b5a4, HandlerErrorCode: AlreadyExists)`

// nestedFails is a root stack whose nested network stack fails on a bucket:
// the nested stack rolls back, the parent reports "Embedded stack ... was
// not successfully created", cancels its other resource and rolls back.
func nestedFails() (root, nested *recording) {
	root = record("shop-net", "aa000000-0000-4000-8000-000000000001", t0)
	nested = record("shop-net-NetworkNestedStackNetworkNestedStackResource1B2C3D4E-1A2B3C4D5E6F", "bb000000-0000-4000-8000-000000000002", t0)
	const nestedLogical = "NetworkNestedStackNetworkNestedStackResource1B2C3D4E"
	root.own(0, "CREATE_IN_PROGRESS", "User Initiated")
	root.res(2*time.Second, nestedLogical, StackType, "", "CREATE_IN_PROGRESS", "")
	root.res(3*time.Second, nestedLogical, StackType, nested.id, "CREATE_IN_PROGRESS", "Resource creation Initiated")
	root.res(2*time.Second, logicalTable, dynamoTable, "", "CREATE_IN_PROGRESS", "")
	root.res(3*time.Second, logicalTable, dynamoTable, "shop-net-OrdersTable-1", "CREATE_IN_PROGRESS", "Resource creation Initiated")

	nested.own(3*time.Second, "CREATE_IN_PROGRESS", "")
	nested.res(5*time.Second, "Vpc8378EB38", ec2VPC, "", "CREATE_IN_PROGRESS", "")
	nested.res(5*time.Second, "LogsBucket9C4D8843", s3Bucket, "", "CREATE_IN_PROGRESS", "")
	nested.res(6*time.Second, "Vpc8378EB38", ec2VPC, "vpc-0a1b2c3d4e5f60718", "CREATE_IN_PROGRESS", "Resource creation Initiated")
	nested.res(7*time.Second, "LogsBucket9C4D8843", s3Bucket, "shop-logs", "CREATE_FAILED", logsBucketExists)
	nested.res(8*time.Second, "Vpc8378EB38", ec2VPC, "vpc-0a1b2c3d4e5f60718", "CREATE_FAILED", "Resource creation cancelled")
	nested.own(9*time.Second, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [LogsBucket9C4D8843, Vpc8378EB38]. Rollback requested by user.")
	nested.del(10*time.Second, 14*time.Second, "Vpc8378EB38", ec2VPC, "vpc-0a1b2c3d4e5f60718")
	nested.del(10*time.Second, 11*time.Second, "LogsBucket9C4D8843", s3Bucket, "shop-logs")
	nested.own(15*time.Second, "ROLLBACK_COMPLETE", "")

	root.res(16*time.Second, nestedLogical, StackType, nested.id, "CREATE_FAILED",
		"Embedded stack "+nested.id+" was not successfully created: The following resource(s) failed to create: [LogsBucket9C4D8843, Vpc8378EB38].")
	root.res(17*time.Second, logicalTable, dynamoTable, "shop-net-OrdersTable-1", "CREATE_FAILED", "Resource creation cancelled")
	root.own(18*time.Second, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: ["+nestedLogical+", OrdersTable315BB997]. Rollback requested by user.")
	root.del(19*time.Second, 25*time.Second, logicalTable, dynamoTable, "shop-net-OrdersTable-1")
	root.res(19*time.Second, nestedLogical, StackType, nested.id, "DELETE_IN_PROGRESS", "")
	nested.own(20*time.Second, "DELETE_IN_PROGRESS", "")
	nested.own(22*time.Second, "DELETE_COMPLETE", "")
	root.res(23*time.Second, nestedLogical, StackType, nested.id, "DELETE_COMPLETE", "")
	root.own(26*time.Second, "ROLLBACK_COMPLETE", "")
	return root, nested
}

// cdkDelete is `cdk destroy` of the deployed app, an hour after the create.
func cdkDelete() (*recording, time.Time) {
	r := cdkCreate()
	u := r.start.Add(time.Hour)
	d := u.Sub(r.start)
	r.own(d, "DELETE_IN_PROGRESS", "User Initiated")
	r.del(d+2*time.Second, d+3*time.Second, logicalMeta, cdkMetadata, "5bdc4ce0-meta")
	r.del(d+2*time.Second, d+4*time.Minute, logicalDist, cloudFront, "E2QWRUHAPOMQZL")
	r.del(d+2*time.Second, d+5*time.Second, logicalTable, dynamoTable, "shop-prod-OrdersTable315BB997-ABCDEF123456")
	r.del(d+2*time.Second, d+4*time.Second, logicalBkt, s3Bucket, "shop-prod-assetsbucket5cb76180-1x7kq2c8f0a9b")
	r.del(d+2*time.Second, d+6*time.Second, logicalFn, lambdaFn, "shop-prod-ApiHandler5E7490E8-x1Y2z3")
	r.del(d+7*time.Second, d+9*time.Second, logicalRole, iamRole, "shop-prod-ApiHandlerServiceRole-1LX3N1ZW7M7O")
	r.own(d+4*time.Minute+2*time.Second, "DELETE_COMPLETE", "")
	return r, u
}

// listing is what ListStackResources says about a recording's resources at
// instant d: the latest status of each.
func (r *recording) listing(d time.Duration) []types.StackResourceSummary {
	latest := map[string]types.StackEvent{}
	var order []string
	for _, e := range r.events {
		id := aws.ToString(e.LogicalResourceId)
		if aws.ToString(e.PhysicalResourceId) == r.id || e.Timestamp.After(r.at(d)) {
			continue
		}
		if _, ok := latest[id]; !ok {
			order = append(order, id)
		}
		latest[id] = e
	}
	var out []types.StackResourceSummary
	for _, id := range order {
		e := latest[id]
		if e.ResourceStatus == "DELETE_COMPLETE" {
			continue
		}
		out = append(out, types.StackResourceSummary{
			LogicalResourceId:    e.LogicalResourceId,
			PhysicalResourceId:   e.PhysicalResourceId,
			ResourceType:         e.ResourceType,
			ResourceStatus:       e.ResourceStatus,
			LastUpdatedTimestamp: e.Timestamp,
		})
	}
	return out
}
