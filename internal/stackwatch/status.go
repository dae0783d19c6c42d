package stackwatch

import "strings"

// State is where an operation stands.
type State int

const (
	// Running means the operation has not finished (or has not started
	// being observed).
	Running State = iota
	// Succeeded means the operation reached *_COMPLETE (not a rollback).
	Succeeded
	// Failed means the operation ended in *_FAILED or was rolled back.
	Failed
)

func (s State) String() string {
	switch s {
	case Succeeded:
		return "succeeded"
	case Failed:
		return "failed"
	}
	return "running"
}

// Classify says whether a stack status is terminal and how it ended:
// CREATE_COMPLETE, UPDATE_COMPLETE, DELETE_COMPLETE and IMPORT_COMPLETE
// succeed; *_FAILED and *ROLLBACK_COMPLETE fail; everything else, including
// UPDATE_COMPLETE_CLEANUP_IN_PROGRESS and REVIEW_IN_PROGRESS, is running.
func Classify(status string) State {
	switch {
	case status == "", strings.HasSuffix(status, "_IN_PROGRESS"):
		return Running
	case strings.HasSuffix(status, "ROLLBACK_COMPLETE"), strings.HasSuffix(status, "_FAILED"):
		return Failed
	case strings.HasSuffix(status, "_COMPLETE"):
		return Succeeded
	}
	return Running
}

// Operation is the kind of stack operation being watched.
type Operation string

// The operations CloudFormation runs on a stack.
const (
	OpUnknown Operation = ""
	OpCreate  Operation = "CREATE"
	OpUpdate  Operation = "UPDATE"
	OpDelete  Operation = "DELETE"
	OpImport  Operation = "IMPORT"
)

// operationOf infers the operation from a stack status.
func operationOf(status string) Operation {
	switch {
	case status == "":
		return OpUnknown
	case strings.HasPrefix(status, "CREATE_"), strings.HasPrefix(status, "ROLLBACK_"), status == "REVIEW_IN_PROGRESS":
		return OpCreate
	case strings.HasPrefix(status, "UPDATE_"):
		return OpUpdate
	case strings.HasPrefix(status, "DELETE_"):
		return OpDelete
	case strings.HasPrefix(status, "IMPORT_"):
		return OpImport
	}
	return OpUnknown
}

// operationStart reports whether status is the first status of a
// user-initiated operation.
func operationStart(status string) bool {
	switch status {
	case "CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "IMPORT_IN_PROGRESS", "REVIEW_IN_PROGRESS":
		return true
	}
	return false
}

// userInitiated is the reason CloudFormation gives on the stack's own event
// that starts an operation someone asked for.
const userInitiated = "User Initiated"

// rollingBack reports whether a stack status belongs to a rollback.
func rollingBack(status string) bool {
	return strings.Contains(status, "ROLLBACK")
}

// phase orders the statuses of one operation on a stack, so that a late
// answer cannot move a stack back: forward work, then cleanup or rollback,
// then rollback cleanup, then the end.
func phase(status string) int {
	switch {
	case status == "":
		return 0
	case status == "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS":
		return 3
	case status == "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", strings.HasSuffix(status, "ROLLBACK_IN_PROGRESS"):
		return 2
	case strings.HasSuffix(status, "_IN_PROGRESS"):
		return 1
	}
	return 4
}

// resourceRank breaks ties between two events of one resource with the same
// timestamp: work that is under way comes before its result.
func resourceRank(status string) int {
	if strings.HasSuffix(status, "_IN_PROGRESS") {
		return 0
	}
	return 1
}

func resourceInProgress(status string) bool { return strings.HasSuffix(status, "_IN_PROGRESS") }
func resourceFailed(status string) bool     { return strings.HasSuffix(status, "_FAILED") }

// resourceDone covers *_COMPLETE and DELETE_SKIPPED (a retained resource).
func resourceDone(status string) bool {
	return strings.HasSuffix(status, "_COMPLETE") || status == "DELETE_SKIPPED"
}

// cascadePrefixes start the reasons CloudFormation gives for failures that
// follow from another one: resources it cancelled, the stack's own summary
// of what failed, and a parent's note that a nested stack failed (whose
// cause is inside the nested stack).
var cascadePrefixes = []string{
	"Resource creation cancelled",
	"Resource update cancelled",
	"Resource deletion cancelled",
	"Resource import cancelled",
	"The following resource(s) failed to ",
	"Embedded stack ",
	"Rollback requested by user",
	"Stack creation cancelled",
	"Stack update cancelled",
}

// Cascade reports whether a failure reason is a consequence of another
// failure rather than a cause of its own. An empty reason counts as one: it
// explains nothing.
func Cascade(reason string) bool {
	r := strings.TrimSpace(reason)
	if r == "" {
		return true
	}
	for _, p := range cascadePrefixes {
		if strings.HasPrefix(r, p) {
			return true
		}
	}
	return false
}
