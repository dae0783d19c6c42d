// Package stackwatch follows a CloudFormation stack operation (create,
// update, delete, import) and says where it stands: the stack's status and
// elapsed time, how many resources are done out of how many, which ones are
// running and for how long, what failed and why, how far a rollback has got,
// and, once it is over, whether it succeeded and what to do next.
//
// # Model
//
// A [Model] is pure logic. It is fed what the CloudFormation API returns
// (DescribeStacks, DescribeStackEvents, ListStackResources, a template's
// resource names) and asked for a [Snapshot] at an instant the caller
// passes in. It never calls AWS and never reads the clock.
//
// Events may arrive more than once and out of order: they are deduplicated
// by stack and EventId, applied in Timestamp order within a batch, and a
// resource's status never moves back to an older event's. Events of earlier
// operations on the same stack are ignored: the current operation starts at
// the stack's "User Initiated" event, or at the creation, update or deletion
// time DescribeStacks reports.
//
// An AWS::CloudFormation::Stack resource whose PhysicalResourceId is a stack
// ARN is a nested stack; its events are followed too, and a failure inside
// it is reported as the root cause rather than the parent's "Embedded stack
// ... was not successfully created".
//
// # Root cause
//
// When a resource fails, CloudFormation cancels everything else in flight
// and reports a cascade of secondary failures ("Resource creation
// cancelled", "The following resource(s) failed to create: [...]"). The
// root cause is the earliest *_FAILED event whose reason is none of those.
//
// # Cost
//
// Applying an event is a few map operations; a snapshot is linear in the
// number of resources. Memory is bounded by the number of resources, a
// capped list of failures, and the event ids seen within the last
// [DedupeWindow] of event time.
//
// # Poller
//
// A [Poller] drives a Model through the few API calls in [API], which a
// *cloudformation.Client satisfies. It polls every [DefaultMinInterval]
// while events flow and slows down to [DefaultMaxInterval] when nothing
// happens, backs off on throttling and network errors without losing state,
// and tells "the stack does not exist" ([NotFoundError]) apart from "the
// stack was deleted while we watched" (a DELETE_COMPLETE outcome).
package stackwatch
