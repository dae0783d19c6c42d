package awsfake

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CloudFormation
//
// The fake serves CreateStack, UpdateStack, DeleteStack, DescribeStacks,
// DescribeStackEvents, DescribeStackResources, ListStackResources,
// ListStacks and GetTemplate in the query protocol (requests that name API
// version 2010-05-15), with AWS's XML shapes and error messages. Every call
// is signed with keys the fake knows: unknown keys get
// InvalidClientTokenId, expired ones ExpiredToken. Stacks belong to the
// caller's account and the region of the signature's credential scope.
//
// A stack's timeline comes from its template (see [StackResource] and
// [TemplateBody]): each resource's awsfake metadata says how long it takes
// and whether it fails, and the fake plays the operation on its clock,
// cancel cascade, rollback and nested stacks included (the scheduling rules
// are in cloudformation_timeline.go). Stack and event times are fake times:
// a watcher shows elapsed times with the fake clock's Now.
//
// Not supported, and refused with a ValidationError naming awsfake:
// TemplateURL, YAML templates, OnFailure=DELETE, and an update that changes
// a nested stack's template. Parameters, tags, outputs, conditions and
// change sets are not modelled. Unlike AWS, a DeleteStack that arrives while
// another operation runs waits for it to end.

const (
	cfnVersion   = "2010-05-15"
	cfnNamespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
	// cfnTimeFormat is how CloudFormation writes times: ISO 8601, UTC,
	// milliseconds.
	cfnTimeFormat = "2006-01-02T15:04:05.000Z"
	// cfnPageSize is DescribeStackEvents' page, as on AWS; the other list
	// calls use it too.
	cfnPageSize = 100
)

// cfnState is the fake's CloudFormation: every stack ever created, deleted
// ones included (DescribeStacks by stack id still finds them, as on AWS).
type cfnState struct {
	mu     sync.Mutex
	stacks []*cfnStack
	byID   map[string]*cfnStack
}

// cfnStack is one stack, root or nested. Its events hold its whole
// scheduled future; what the API shows is the part up to the clock's now.
type cfnStack struct {
	id, name        string
	account, region string
	parent, root    *cfnStack
	created         time.Time
	lastUpdated     time.Time
	deleteStart     time.Time
	disableRollback bool
	capabilities    []string

	events    []cfnEvent // chronological
	ownEvents []cfnEvent // the stack's own, chronological
	content   stackContent
	physical  map[string]string
}

func newCFNStack(account, region, name string, created time.Time) *cfnStack {
	return &cfnStack{
		id:       fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", region, account, name, newRequestID()),
		name:     name,
		account:  account,
		region:   region,
		created:  created,
		physical: map[string]string{},
	}
}

func (st *cfnStack) rootStack() *cfnStack {
	if st.root != nil {
		return st.root
	}
	return st
}

// visible is how many events have happened by now.
func visible(evs []cfnEvent, now time.Time) int {
	return sort.Search(len(evs), func(i int) bool { return evs[i].ts.After(now) })
}

// statusAt is the stack's status and reason at now; "" before its first
// event.
func (st *cfnStack) statusAt(now time.Time) (string, string) {
	n := visible(st.ownEvents, now)
	if n == 0 {
		return "", ""
	}
	e := st.ownEvents[n-1]
	return e.status, e.reason
}

// opEnd is when the stack's last scheduled event happens.
func (st *cfnStack) opEnd() time.Time {
	if len(st.ownEvents) == 0 {
		return time.Time{}
	}
	return st.ownEvents[len(st.ownEvents)-1].ts
}

func (st *cfnStack) deletedAt(now time.Time) bool {
	s, _ := st.statusAt(now)
	return s == "DELETE_COMPLETE"
}

// physicalID gives a resource the same physical id for the life of its
// stack, in the shape AWS uses for its type.
func (s *Server) physicalID(st *cfnStack, r *fakeResource) string {
	if id, ok := st.physical[r.id]; ok {
		return id
	}
	base := st.name + "-" + r.id
	if len(base) > 45 {
		base = base[:45]
	}
	var id string
	switch {
	case r.propName != "":
		id = r.propName
		if r.typ == "AWS::SQS::Queue" {
			id = fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", st.region, st.account, r.propName)
		}
	case r.typ == "AWS::S3::Bucket":
		id = strings.ToLower(base + "-" + randomID(12))
	case r.typ == "AWS::SQS::Queue":
		id = fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s-%s", st.region, st.account, base, randomID(12))
	default:
		id = base + "-" + randomID(12)
	}
	st.physical[r.id] = id
	return id
}

// commit adds an operation's events to the stacks involved, registering the
// nested stacks it created.
func (c *cfnState) commit(tl timeline) {
	if c.byID == nil {
		c.byID = map[string]*cfnStack{}
	}
	for st, evs := range tl {
		if _, ok := c.byID[st.id]; !ok {
			c.byID[st.id] = st
			c.stacks = append(c.stacks, st)
		}
		st.events = append(st.events, evs...)
		slices.SortStableFunc(st.events, func(a, b cfnEvent) int { return a.ts.Compare(b.ts) })
		st.ownEvents = st.ownEvents[:0]
		for _, e := range st.events {
			if e.own {
				st.ownEvents = append(st.ownEvents, e)
			}
		}
	}
}

// lookup finds a stack by name (live stacks only) or by id (deleted ones
// too), in the caller's account and region.
func (c *cfnState) lookup(nameOrID, account, region string, now time.Time) *cfnStack {
	if strings.HasPrefix(nameOrID, "arn:") {
		st := c.byID[nameOrID]
		if st == nil || st.account != account || st.region != region {
			return nil
		}
		if s, _ := st.statusAt(now); s == "" {
			return nil // not created yet (a nested stack of the future)
		}
		return st
	}
	for i := len(c.stacks) - 1; i >= 0; i-- {
		st := c.stacks[i]
		if st.name == nameOrID && st.account == account && st.region == region {
			if s, _ := st.statusAt(now); s != "" && s != "DELETE_COMPLETE" {
				return st
			}
		}
	}
	return nil
}

var (
	stackNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]*$`) })
	// credentialScope is the region in a SigV4 credential scope.
	credentialScope = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`Credential=[^/,\s]+/[0-9]{8}/([a-z0-9-]+)/`) })
)

func signingRegion(r *http.Request) string {
	if m := credentialScope().FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1]
	}
	return "us-east-1"
}

// isCloudFormation tells CloudFormation's query requests from STS's: both
// post Action=, but each names its own API version.
func isCloudFormation(r *http.Request) bool {
	return r.ParseForm() == nil && r.Form.Get("Version") == cfnVersion
}

func errStackNotFound(nameOrID string) *stsError {
	return errValidation("Stack with id %s does not exist", nameOrID)
}

// cloudFormation serves the CloudFormation query API. Every call is signed
// and checked against the same keys as STS: expired credentials get
// ExpiredToken, so a watcher whose credentials run out really fails.
func (s *Server) cloudFormation(w http.ResponseWriter, r *http.Request, reqID string) {
	action := r.Form.Get("Action")
	s.count(action)
	caller, err := s.authenticate(r)
	if err != nil {
		s.logf("awsfake: cloudformation %s: %s", action, err.code)
		writeCFNError(w, reqID, err)
		return
	}
	req := cfnRequest{form: r.Form, account: caller.who.account, region: signingRegion(r), now: s.clock.Now()}
	var result any
	switch action {
	case "CreateStack":
		result, err = s.createStack(req)
	case "UpdateStack":
		result, err = s.updateStack(req)
	case "DeleteStack":
		err = s.deleteStack(req)
	case "DescribeStacks":
		result, err = s.describeStacks(req)
	case "DescribeStackEvents":
		result, err = s.describeStackEvents(req)
	case "DescribeStackResources":
		result, err = s.describeStackResources(req)
	case "ListStackResources":
		result, err = s.listStackResources(req)
	case "ListStacks":
		result, err = s.listStacks(req)
	case "GetTemplate":
		result, err = s.getTemplate(req)
	default:
		err = &stsError{http.StatusBadRequest, "InvalidAction",
			fmt.Sprintf("Could not find operation %s for version %s", action, cfnVersion)}
	}
	if err != nil {
		s.logf("awsfake: cloudformation %s: %s", action, err.code)
		writeCFNError(w, reqID, err)
		return
	}
	s.logf("awsfake: cloudformation %s: ok", action)
	writeCFNResult(w, action, result, reqID)
}

type cfnRequest struct {
	form    map[string][]string
	account string
	region  string
	now     time.Time
}

func (q cfnRequest) get(k string) string {
	if v := q.form[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// list reads a query-protocol list: Name.member.1, Name.member.2, ...
func (q cfnRequest) list(name string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := q.form[name+".member."+strconv.Itoa(i)]
		if !ok || len(v) == 0 {
			return out
		}
		out = append(out, v[0])
	}
}

func (q cfnRequest) flag(name string) (bool, *stsError) {
	switch v := q.get(name); v {
	case "":
		return false, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	default:
		return false, errValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be a boolean", v, lowerFirst(name))
	}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func stackNameParam(q cfnRequest) (string, *stsError) {
	name := q.get("StackName")
	if name == "" {
		return "", errValidation("1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null")
	}
	return name, nil
}

// templateParam reads TemplateBody and checks the template and the
// capabilities it needs.
func templateParam(q cfnRequest) (*fakeTemplate, *stsError) {
	if q.get("TemplateURL") != "" {
		return nil, errValidation("awsfake: TemplateURL is not supported; send the template as TemplateBody")
	}
	body := q.get("TemplateBody")
	if body == "" {
		return nil, errValidation("Either Template URL or Template Body must be specified.")
	}
	tpl, err := parseTemplate(body)
	if err != nil {
		return nil, errValidation("%s", err.Error())
	}
	if tpl.needsIAM() {
		caps := q.list("Capabilities")
		if !slices.Contains(caps, "CAPABILITY_IAM") && !slices.Contains(caps, "CAPABILITY_NAMED_IAM") {
			return nil, &stsError{http.StatusBadRequest, "InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_IAM]"}
		}
	}
	return tpl, nil
}

type stackIDResult struct {
	StackID string `xml:"StackId"`
}

func (s *Server) createStack(q cfnRequest) (any, *stsError) {
	name, err := stackNameParam(q)
	if err != nil {
		return nil, err
	}
	if len(name) > 128 || !stackNamePattern().MatchString(name) {
		return nil, errValidation("1 validation error detected: Value '%s' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*", name)
	}
	disable, err := q.flag("DisableRollback")
	if err != nil {
		return nil, err
	}
	switch onFailure := q.get("OnFailure"); {
	case onFailure != "" && q.get("DisableRollback") != "":
		return nil, errValidation("You cannot specify both DisableRollback and OnFailure.")
	case onFailure == "DO_NOTHING":
		disable = true
	case onFailure == "DELETE":
		return nil, errValidation("awsfake: OnFailure DELETE is not supported")
	case onFailure != "" && onFailure != "ROLLBACK":
		return nil, errValidation("1 validation error detected: Value '%s' at 'onFailure' failed to satisfy constraint: Member must satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]", onFailure)
	}
	tpl, err := templateParam(q)
	if err != nil {
		return nil, err
	}

	c := &s.cfn
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lookup(name, q.account, q.region, q.now) != nil {
		return nil, &stsError{http.StatusBadRequest, "AlreadyExistsException", fmt.Sprintf("Stack [%s] already exists", name)}
	}
	st := newCFNStack(q.account, q.region, name, q.now)
	st.disableRollback = disable
	st.capabilities = q.list("Capabilities")
	p := &planner{srv: s, children: map[*cfnStack]map[string]*cfnStack{}}
	res := p.create(st, tpl, q.now, time.Time{}, true, disable)
	c.commit(res.tl)
	return stackIDResult{st.id}, nil
}

// updatable lists the statuses UpdateStack accepts.
var updatable = []string{
	"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE",
	"IMPORT_ROLLBACK_COMPLETE", "UPDATE_FAILED", "CREATE_FAILED",
}

func (s *Server) updateStack(q cfnRequest) (any, *stsError) {
	name, err := stackNameParam(q)
	if err != nil {
		return nil, err
	}
	disable, err := q.flag("DisableRollback")
	if err != nil {
		return nil, err
	}
	usePrevious, err := q.flag("UsePreviousTemplate")
	if err != nil {
		return nil, err
	}
	c := &s.cfn
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.lookup(name, q.account, q.region, q.now)
	if st == nil || st.parent != nil {
		return nil, errValidation("Stack [%s] does not exist", name)
	}
	if status, _ := st.statusAt(q.now); !slices.Contains(updatable, status) || st.opEnd().After(q.now) {
		return nil, errValidation("Stack:%s is in %s state and can not be updated.", st.id, status)
	}
	var tpl *fakeTemplate
	if usePrevious {
		tpl = st.content.tpl
	} else if tpl, err = templateParam(q); err != nil {
		return nil, err
	}
	if sameDefinition(tpl, st.content.tpl) {
		return nil, errValidation("No updates are to be performed.")
	}
	for _, r := range tpl.resources {
		if prev, ok := st.content.tpl.byID[r.id]; ok && r.nested != nil && st.content.live[r.id] && prev.canon != r.canon {
			return nil, errValidation("awsfake: changing nested stack %s in an update is not supported", r.id)
		}
	}
	st.lastUpdated = q.now
	p := &planner{srv: s, children: map[*cfnStack]map[string]*cfnStack{}}
	res := p.update(st, tpl, q.now, disable)
	c.commit(res.tl)
	return stackIDResult{st.id}, nil
}

// deleteStack deletes a stack. AWS accepts a delete while another
// operation runs; the fake starts it when that operation ends.
func (s *Server) deleteStack(q cfnRequest) *stsError {
	name, err := stackNameParam(q)
	if err != nil {
		return err
	}
	c := &s.cfn
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.lookup(name, q.account, q.region, q.now)
	if st == nil || !st.deleteStart.IsZero() {
		return nil // deleting what does not exist, or again, succeeds
	}
	if st.parent != nil {
		return errValidation("Stack [%s] cannot be deleted directly: it is a nested stack of %s", st.name, st.rootStack().name)
	}
	start := q.now
	if end := st.opEnd(); end.After(start) {
		start = end.Add(stepDelay)
	}
	p := &planner{srv: s, children: map[*cfnStack]map[string]*cfnStack{}}
	res := p.delete(st, start, true)
	c.commit(res.tl)
	return nil
}

// Wire shapes, in the element order AWS writes them.

type cfnStackXML struct {
	StackID                     string        `xml:"StackId"`
	StackName                   string        `xml:"StackName"`
	Description                 string        `xml:"Description,omitempty"`
	Parameters                  struct{}      `xml:"Parameters"`
	CreationTime                string        `xml:"CreationTime"`
	DeletionTime                string        `xml:"DeletionTime,omitempty"`
	LastUpdatedTime             string        `xml:"LastUpdatedTime,omitempty"`
	RollbackConfiguration       struct{}      `xml:"RollbackConfiguration"`
	StackStatus                 string        `xml:"StackStatus"`
	StackStatusReason           string        `xml:"StackStatusReason,omitempty"`
	DisableRollback             bool          `xml:"DisableRollback"`
	NotificationARNs            struct{}      `xml:"NotificationARNs"`
	Capabilities                []string      `xml:"Capabilities>member,omitempty"`
	Tags                        struct{}      `xml:"Tags"`
	EnableTerminationProtection bool          `xml:"EnableTerminationProtection"`
	ParentID                    string        `xml:"ParentId,omitempty"`
	RootID                      string        `xml:"RootId,omitempty"`
	DriftInformation            stackDriftXML `xml:"DriftInformation"`
}

type stackDriftXML struct {
	StackDriftStatus string `xml:"StackDriftStatus"`
}

type resourceDriftXML struct {
	StackResourceDriftStatus string `xml:"StackResourceDriftStatus"`
}

func cfnTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(cfnTimeFormat)
}

func (st *cfnStack) wire(now time.Time) cfnStackXML {
	status, reason := st.statusAt(now)
	x := cfnStackXML{
		StackID: st.id, StackName: st.name, CreationTime: cfnTime(st.created),
		StackStatus: status, StackStatusReason: reason, DisableRollback: st.disableRollback,
		Capabilities:     st.capabilities,
		DriftInformation: stackDriftXML{"NOT_CHECKED"},
	}
	if st.content.tpl != nil {
		x.Description = st.content.tpl.description
	}
	if !st.lastUpdated.IsZero() && !st.lastUpdated.After(now) {
		x.LastUpdatedTime = cfnTime(st.lastUpdated)
	}
	if !st.deleteStart.IsZero() && !st.deleteStart.After(now) {
		x.DeletionTime = cfnTime(st.deleteStart)
	}
	if st.parent != nil {
		x.ParentID, x.RootID = st.parent.id, st.rootStack().id
	}
	return x
}

type describeStacksResult struct {
	Stacks    []cfnStackXML `xml:"Stacks>member"`
	NextToken string        `xml:"NextToken,omitempty"`
}

func (s *Server) describeStacks(q cfnRequest) (any, *stsError) {
	c := &s.cfn
	c.mu.Lock()
	defer c.mu.Unlock()
	if name := q.get("StackName"); name != "" {
		st := c.lookup(name, q.account, q.region, q.now)
		if st == nil {
			return nil, errStackNotFound(name)
		}
		return describeStacksResult{Stacks: []cfnStackXML{st.wire(q.now)}}, nil
	}
	var all []*cfnStack
	for _, st := range c.stacks {
		if st.account == q.account && st.region == q.region {
			if status, _ := st.statusAt(q.now); status != "" && status != "DELETE_COMPLETE" {
				all = append(all, st)
			}
		}
	}
	page, next, err := paginate(q, "DescribeStacks", all)
	if err != nil {
		return nil, err
	}
	out := describeStacksResult{NextToken: next}
	for _, st := range page {
		out.Stacks = append(out.Stacks, st.wire(q.now))
	}
	return out, nil
}

type stackEventXML struct {
	StackID              string `xml:"StackId"`
	EventID              string `xml:"EventId"`
	StackName            string `xml:"StackName"`
	LogicalResourceID    string `xml:"LogicalResourceId"`
	PhysicalResourceID   string `xml:"PhysicalResourceId"`
	ResourceType         string `xml:"ResourceType"`
	Timestamp            string `xml:"Timestamp"`
	ResourceStatus       string `xml:"ResourceStatus"`
	ResourceStatusReason string `xml:"ResourceStatusReason,omitempty"`
}

type describeStackEventsResult struct {
	StackEvents []stackEventXML `xml:"StackEvents>member"`
	NextToken   string          `xml:"NextToken,omitempty"`
}

// eventToken points at the next event to list, counted from the stack's
// first event, so pages stay put while new events arrive at the front.
func eventToken(st *cfnStack, next int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(st.id + "|" + strconv.Itoa(next)))
}

func (s *Server) describeStackEvents(q cfnRequest) (any, *stsError) {
	name, err := stackNameParam(q)
	if err != nil {
		return nil, err
	}
	c := &s.cfn
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.lookup(name, q.account, q.region, q.now)
	if st == nil {
		return nil, errValidation("Stack [%s] does not exist", name)
	}
	n := visible(st.events, q.now)
	from := n - 1
	if tok := q.get("NextToken"); tok != "" {
		raw, decErr := base64.RawURLEncoding.DecodeString(tok)
		id, idx, ok := strings.Cut(string(raw), "|")
		i, convErr := strconv.Atoi(idx)
		if decErr != nil || !ok || convErr != nil || id != st.id || i < 0 || i >= n {
			return nil, errValidation("Invalid NextToken")
		}
		from = i
	}
	var out describeStackEventsResult
	to := max(from-cfnPageSize+1, 0)
	for i := from; i >= to && i >= 0; i-- {
		e := st.events[i]
		out.StackEvents = append(out.StackEvents, stackEventXML{
			StackID: st.id, EventID: e.id, StackName: st.name, LogicalResourceID: e.logicalID,
			PhysicalResourceID: e.physicalID, ResourceType: e.typ, Timestamp: cfnTime(e.ts),
			ResourceStatus: e.status, ResourceStatusReason: e.reason,
		})
	}
	if to > 0 {
		out.NextToken = eventToken(st, to-1)
	}
	return out, nil
}

// resourcesAt lists a stack's resources as the API shows them at now:
// everything with an event, except what a successful update or a rollback
// removed from the template (a deleted stack keeps them all).
func (st *cfnStack) resourcesAt(now time.Time) []cfnEvent {
	latest := map[string]cfnEvent{}
	for _, e := range st.events[:visible(st.events, now)] {
		if !e.own {
			latest[e.logicalID] = e
		}
	}
	deleted := st.deletedAt(now)
	var out []cfnEvent
	for id, e := range latest {
		inTemplate := st.content.tpl != nil && st.content.tpl.byID[id] != nil
		if e.status == "DELETE_COMPLETE" && !inTemplate && !deleted {
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b cfnEvent) int { return strings.Compare(a.logicalID, b.logicalID) })
	return out
}

type stackResourceXML struct {
	StackName            string           `xml:"StackName"`
	StackID              string           `xml:"StackId"`
	LogicalResourceID    string           `xml:"LogicalResourceId"`
	PhysicalResourceID   string           `xml:"PhysicalResourceId,omitempty"`
	ResourceType         string           `xml:"ResourceType"`
	Timestamp            string           `xml:"Timestamp"`
	ResourceStatus       string           `xml:"ResourceStatus"`
	ResourceStatusReason string           `xml:"ResourceStatusReason,omitempty"`
	DriftInformation     resourceDriftXML `xml:"DriftInformation"`
}

type describeStackResourcesResult struct {
	StackResources []stackResourceXML `xml:"StackResources>member"`
}

func (s *Server) describeStackResources(q cfnRequest) (any, *stsError) {
	name := q.get("StackName")
	if name == "" {
		return nil, errValidation("awsfake: DescribeStackResources needs StackName (PhysicalResourceId is not supported)")
	}
	c := &s.cfn
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.lookup(name, q.account, q.region, q.now)
	if st == nil {
		return nil, errStackNotFound(name)
	}
	var out describeStackResourcesResult
	logical := q.get("LogicalResourceId")
	for _, r := range st.resourcesAt(q.now) {
		if logical != "" && r.logicalID != logical {
			continue
		}
		out.StackResources = append(out.StackResources, stackResourceXML{
			StackName: st.name, StackID: st.id, LogicalResourceID: r.logicalID, PhysicalResourceID: r.physicalID,
			ResourceType: r.typ, Timestamp: cfnTime(r.ts), ResourceStatus: r.status, ResourceStatusReason: r.reason,
			DriftInformation: resourceDriftXML{"NOT_CHECKED"},
		})
		// AWS returns at most 100; ListStackResources pages through more.
		if len(out.StackResources) == cfnPageSize {
			break
		}
	}
	return out, nil
}

type stackResourceSummaryXML struct {
	LogicalResourceID    string           `xml:"LogicalResourceId"`
	PhysicalResourceID   string           `xml:"PhysicalResourceId,omitempty"`
	ResourceType         string           `xml:"ResourceType"`
	LastUpdatedTimestamp string           `xml:"LastUpdatedTimestamp"`
	ResourceStatus       string           `xml:"ResourceStatus"`
	ResourceStatusReason string           `xml:"ResourceStatusReason,omitempty"`
	DriftInformation     resourceDriftXML `xml:"DriftInformation"`
}

type listStackResourcesResult struct {
	StackResourceSummaries []stackResourceSummaryXML `xml:"StackResourceSummaries>member"`
	NextToken              string                    `xml:"NextToken,omitempty"`
}

func (s *Server) listStackResources(q cfnRequest) (any, *stsError) {
	name, err := stackNameParam(q)
	if err != nil {
		return nil, err
	}
	c := &s.cfn
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.lookup(name, q.account, q.region, q.now)
	if st == nil {
		return nil, errStackNotFound(name)
	}
	page, next, err := paginate(q, "ListStackResources:"+st.id, st.resourcesAt(q.now))
	if err != nil {
		return nil, err
	}
	out := listStackResourcesResult{NextToken: next}
	for _, r := range page {
		out.StackResourceSummaries = append(out.StackResourceSummaries, stackResourceSummaryXML{
			LogicalResourceID: r.logicalID, PhysicalResourceID: r.physicalID, ResourceType: r.typ,
			LastUpdatedTimestamp: cfnTime(r.ts), ResourceStatus: r.status, ResourceStatusReason: r.reason,
			DriftInformation: resourceDriftXML{"NOT_CHECKED"},
		})
	}
	return out, nil
}

type stackSummaryXML struct {
	StackID             string        `xml:"StackId"`
	StackName           string        `xml:"StackName"`
	TemplateDescription string        `xml:"TemplateDescription,omitempty"`
	CreationTime        string        `xml:"CreationTime"`
	LastUpdatedTime     string        `xml:"LastUpdatedTime,omitempty"`
	DeletionTime        string        `xml:"DeletionTime,omitempty"`
	StackStatus         string        `xml:"StackStatus"`
	StackStatusReason   string        `xml:"StackStatusReason,omitempty"`
	ParentID            string        `xml:"ParentId,omitempty"`
	RootID              string        `xml:"RootId,omitempty"`
	DriftInformation    stackDriftXML `xml:"DriftInformation"`
}

type listStacksResult struct {
	StackSummaries []stackSummaryXML `xml:"StackSummaries>member"`
	NextToken      string            `xml:"NextToken,omitempty"`
}

func (s *Server) listStacks(q cfnRequest) (any, *stsError) {
	filter := q.list("StackStatusFilter")
	c := &s.cfn
	c.mu.Lock()
	defer c.mu.Unlock()
	var match []*cfnStack
	// Newest first, as AWS lists them.
	for i := len(c.stacks) - 1; i >= 0; i-- {
		st := c.stacks[i]
		if st.account != q.account || st.region != q.region {
			continue
		}
		status, _ := st.statusAt(q.now)
		if status == "" || (len(filter) > 0 && !slices.Contains(filter, status)) {
			continue
		}
		match = append(match, st)
	}
	page, next, err := paginate(q, "ListStacks", match)
	if err != nil {
		return nil, err
	}
	out := listStacksResult{NextToken: next}
	for _, st := range page {
		x := st.wire(q.now)
		out.StackSummaries = append(out.StackSummaries, stackSummaryXML{
			StackID: x.StackID, StackName: x.StackName, TemplateDescription: x.Description,
			CreationTime: x.CreationTime, LastUpdatedTime: x.LastUpdatedTime, DeletionTime: x.DeletionTime,
			StackStatus: x.StackStatus, StackStatusReason: x.StackStatusReason, ParentID: x.ParentID, RootID: x.RootID,
			DriftInformation: x.DriftInformation,
		})
	}
	return out, nil
}

type getTemplateResult struct {
	TemplateBody    string   `xml:"TemplateBody"`
	StagesAvailable []string `xml:"StagesAvailable>member"`
}

func (s *Server) getTemplate(q cfnRequest) (any, *stsError) {
	name, err := stackNameParam(q)
	if err != nil {
		return nil, err
	}
	c := &s.cfn
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.lookup(name, q.account, q.region, q.now)
	if st == nil {
		return nil, errStackNotFound(name)
	}
	body := ""
	if st.content.tpl != nil {
		body = st.content.tpl.body
	}
	return getTemplateResult{TemplateBody: body, StagesAvailable: []string{"Original", "Processed"}}, nil
}

// paginate pages a list 100 at a time; the token is the offset, bound to
// the call it came from.
func paginate[T any](q cfnRequest, call string, all []T) ([]T, string, *stsError) {
	from := 0
	if tok := q.get("NextToken"); tok != "" {
		raw, decErr := base64.RawURLEncoding.DecodeString(tok)
		c, idx, ok := strings.Cut(string(raw), "|")
		i, convErr := strconv.Atoi(idx)
		if decErr != nil || !ok || convErr != nil || c != call || i < 0 || i > len(all) {
			return nil, "", errValidation("Invalid NextToken")
		}
		from = i
	}
	to := min(from+cfnPageSize, len(all))
	next := ""
	if to < len(all) {
		next = base64.RawURLEncoding.EncodeToString([]byte(call + "|" + strconv.Itoa(to)))
	}
	return all[from:to], next, nil
}

// writeCFNResult writes a CloudFormation query-protocol answer; a nil
// result (DeleteStack) has no Result element.
func writeCFNResult(w http.ResponseWriter, action string, result any, reqID string) {
	writeQueryResult(w, cfnNamespace, action, result, reqID)
}

// writeCFNError writes a CloudFormation <ErrorResponse>.
func writeCFNError(w http.ResponseWriter, reqID string, e *stsError) {
	writeQueryError(w, cfnNamespace, reqID, e)
}
