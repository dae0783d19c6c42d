package awsfake

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// StackResource is one resource of a fake CloudFormation stack, with the
// timeline the fake plays for it. [TemplateBody] turns a list of them into
// a template for CreateStack or UpdateStack.
type StackResource struct {
	LogicalID string
	// Type is the resource type, e.g. AWS::S3::Bucket. A resource of type
	// AWS::CloudFormation::Stack is a nested stack made of Resources.
	Type string
	// Duration is how long creating or updating the resource takes on the
	// fake clock (default [DefaultResourceDuration]).
	Duration time.Duration
	// DeleteDuration is how long deleting it takes (default
	// [DefaultDeleteDuration]).
	DeleteDuration time.Duration
	// Fail, when set, makes creating or updating the resource fail after
	// Duration with this reason, which starts the cancel cascade and the
	// rollback.
	Fail string
	// DependsOn names resources that must be created first. References in
	// Properties (Ref, Fn::GetAtt, Fn::Sub) count too.
	DependsOn []string
	// Properties go into the template as they are; changing them between
	// two templates is what makes UpdateStack update the resource.
	Properties map[string]any
	// Resources are a nested stack's own resources.
	Resources []StackResource
}

// Defaults for resources whose template does not say how long they take.
const (
	DefaultResourceDuration = 10 * time.Second
	DefaultDeleteDuration   = 2 * time.Second
)

// awsfakeMetadata is the resource Metadata key the fake reads its timeline
// from:
//
//	"Metadata": {"awsfake": {"seconds": 120, "deleteSeconds": 5,
//	             "fail": "reason", "template": {"Resources": {...}}}}
//
// template is a nested stack's template (AWS::CloudFormation::Stack only;
// its TemplateURL is not fetched).
const awsfakeMetadata = "awsfake"

// TemplateBody returns a JSON template declaring resources, their timelines
// written into each resource's Metadata under "awsfake".
func TemplateBody(resources ...StackResource) string {
	b, err := json.Marshal(templateDoc(resources))
	if err != nil {
		// Properties are the caller's: report a value JSON cannot hold
		// where the template is built.
		panic(fmt.Sprintf("awsfake: TemplateBody: %v", err))
	}
	return string(b)
}

func templateDoc(resources []StackResource) map[string]any {
	rs := map[string]any{}
	for _, r := range resources {
		meta := map[string]any{}
		if r.Duration > 0 {
			meta["seconds"] = r.Duration.Seconds()
		}
		if r.DeleteDuration > 0 {
			meta["deleteSeconds"] = r.DeleteDuration.Seconds()
		}
		if r.Fail != "" {
			meta["fail"] = r.Fail
		}
		if r.Type == cfnStackType {
			meta["template"] = templateDoc(r.Resources)
		}
		def := map[string]any{"Type": r.Type}
		if len(meta) > 0 {
			def["Metadata"] = map[string]any{awsfakeMetadata: meta}
		}
		if len(r.DependsOn) > 0 {
			def["DependsOn"] = r.DependsOn
		}
		if len(r.Properties) > 0 {
			def["Properties"] = r.Properties
		} else if r.Type == cfnStackType {
			def["Properties"] = map[string]any{"TemplateURL": "https://s3.amazonaws.com/awsfake/" + r.LogicalID + ".json"}
		}
		rs[r.LogicalID] = def
	}
	return map[string]any{"AWSTemplateFormatVersion": "2010-09-09", "Resources": rs}
}

const cfnStackType = "AWS::CloudFormation::Stack"

// fakeTemplate is a parsed template: its resources in dependency order.
type fakeTemplate struct {
	body        string
	description string
	resources   []*fakeResource
	byID        map[string]*fakeResource
	// dependents lists, for each resource, those that depend on it.
	dependents map[string][]string
}

type fakeResource struct {
	id, typ  string
	deps     []string
	create   time.Duration
	delete   time.Duration
	fail     string
	nested   *fakeTemplate
	canon    string // the definition, for telling changed resources apart
	propName string // a name given in Properties (BucketName, QueueName...)
}

func (t *fakeTemplate) needsIAM() bool {
	for _, r := range t.resources {
		if strings.HasPrefix(r.typ, "AWS::IAM::") || (r.nested != nil && r.nested.needsIAM()) {
			return true
		}
	}
	return false
}

var (
	logicalIDPattern    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9]{1,255}$`) })
	resourceTypePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+)*$`) })
)

// templateError is a template CloudFormation would refuse; its message is
// AWS's.
type templateError struct{ msg string }

func (e *templateError) Error() string { return e.msg }

func templateErrorf(format string, args ...any) error {
	return &templateError{"Template format error: " + fmt.Sprintf(format, args...)}
}

// parseTemplate reads a JSON template. YAML templates are refused: the fake
// needs the awsfake metadata, and a test or demo can always send JSON.
func parseTemplate(body string) (*fakeTemplate, error) {
	trimmed := strings.TrimSpace(body)
	if !strings.HasPrefix(trimmed, "{") {
		return nil, &templateError{"Template format error: awsfake reads JSON templates only"}
	}
	dec := json.NewDecoder(strings.NewReader(trimmed))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, &templateError{"Template format error: JSON not well-formed. " + err.Error()}
	}
	return templateFromDoc(doc, body)
}

func templateFromDoc(doc map[string]any, body string) (*fakeTemplate, error) {
	rs, _ := doc["Resources"].(map[string]any)
	if len(rs) == 0 {
		return nil, templateErrorf("At least one Resources member must be defined.")
	}
	t := &fakeTemplate{body: body, byID: map[string]*fakeResource{}, dependents: map[string][]string{}}
	t.description, _ = doc["Description"].(string)
	ids := make([]string, 0, len(rs))
	for id := range rs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		r, err := parseResource(id, rs[id], rs)
		if err != nil {
			return nil, err
		}
		t.byID[id] = r
	}
	var unresolved []string
	for _, id := range ids {
		for _, d := range t.byID[id].deps {
			if _, ok := t.byID[d]; !ok {
				unresolved = append(unresolved, d)
			}
		}
	}
	if len(unresolved) > 0 {
		slices.Sort(unresolved)
		return nil, templateErrorf("Unresolved resource dependencies [%s] in the Resources block of the template", strings.Join(slices.Compact(unresolved), ", "))
	}
	order, err := topoOrder(ids, t.byID)
	if err != nil {
		return nil, err
	}
	for _, id := range order {
		r := t.byID[id]
		t.resources = append(t.resources, r)
		for _, d := range r.deps {
			t.dependents[d] = append(t.dependents[d], id)
		}
	}
	return t, nil
}

func parseResource(id string, raw any, all map[string]any) (*fakeResource, error) {
	if !logicalIDPattern().MatchString(id) {
		return nil, templateErrorf("Resource name %s is non alphanumeric.", id)
	}
	def, ok := raw.(map[string]any)
	if !ok {
		return nil, templateErrorf("[/Resources/%s] resource definition is malformed", id)
	}
	typ, _ := def["Type"].(string)
	if typ == "" {
		return nil, templateErrorf("[/Resources/%s] Every Resources object must contain a Type member.", id)
	}
	if !resourceTypePattern().MatchString(typ) {
		return nil, templateErrorf("Unrecognized resource types: [%s]", typ)
	}
	canon, err := json.Marshal(def)
	if err != nil {
		return nil, templateErrorf("[/Resources/%s] %v", id, err)
	}
	r := &fakeResource{id: id, typ: typ, create: DefaultResourceDuration, delete: DefaultDeleteDuration, canon: string(canon)}
	switch d := def["DependsOn"].(type) {
	case nil:
	case string:
		r.deps = append(r.deps, d)
	case []any:
		for _, x := range d {
			s, ok := x.(string)
			if !ok {
				return nil, templateErrorf("[/Resources/%s/DependsOn] must be a string or a list of strings", id)
			}
			r.deps = append(r.deps, s)
		}
	default:
		return nil, templateErrorf("[/Resources/%s/DependsOn] must be a string or a list of strings", id)
	}
	props, _ := def["Properties"].(map[string]any)
	references(props, all, &r.deps)
	slices.Sort(r.deps)
	r.deps = slices.Compact(r.deps)
	if i := slices.Index(r.deps, id); i >= 0 {
		return nil, templateErrorf("Circular dependency between resources: [%s]", id)
	}
	for _, k := range []string{"BucketName", "QueueName", "TableName", "FunctionName", "RoleName", "TopicName"} {
		if v, ok := props[k].(string); ok {
			r.propName = v
		}
	}

	meta, _ := def["Metadata"].(map[string]any)
	fake, _ := meta[awsfakeMetadata].(map[string]any)
	if v, ok := fake["seconds"]; ok {
		if r.create, err = seconds(v); err != nil {
			return nil, templateErrorf("[/Resources/%s/Metadata/awsfake/seconds] %v", id, err)
		}
	}
	if v, ok := fake["deleteSeconds"]; ok {
		if r.delete, err = seconds(v); err != nil {
			return nil, templateErrorf("[/Resources/%s/Metadata/awsfake/deleteSeconds] %v", id, err)
		}
	}
	if v, ok := fake["fail"]; ok {
		if r.fail, ok = v.(string); !ok {
			return nil, templateErrorf("[/Resources/%s/Metadata/awsfake/fail] must be a string", id)
		}
	}
	if typ == cfnStackType {
		nestedDoc, _ := fake["template"].(map[string]any)
		if nestedDoc == nil {
			// No timeline given: a nested stack with a single resource
			// that takes the default time.
			nestedDoc = map[string]any{"Resources": map[string]any{
				"Placeholder": map[string]any{"Type": "AWS::CloudFormation::WaitConditionHandle"},
			}}
		}
		nestedBody, err := json.Marshal(nestedDoc)
		if err != nil {
			return nil, templateErrorf("[/Resources/%s/Metadata/awsfake/template] %v", id, err)
		}
		if r.nested, err = templateFromDoc(nestedDoc, string(nestedBody)); err != nil {
			return nil, fmt.Errorf("%w (in nested stack %s)", err, id)
		}
	}
	return r, nil
}

func seconds(v any) (time.Duration, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("must be a number of seconds")
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > 7*24*3600 || math.IsNaN(f) {
		return 0, fmt.Errorf("must be a number of seconds between 0 and a week")
	}
	return time.Duration(f * float64(time.Second)), nil
}

// references adds the resources v refers to (Ref, Fn::GetAtt, Fn::Sub) to
// deps, as CloudFormation orders creation by them.
func references(v any, all map[string]any, deps *[]string) {
	add := func(id string) {
		if _, ok := all[id]; ok {
			*deps = append(*deps, id)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			if ref, ok := x["Ref"].(string); ok {
				add(ref)
				return
			}
			switch g := x["Fn::GetAtt"].(type) {
			case []any:
				if len(g) > 0 {
					if id, ok := g[0].(string); ok {
						add(id)
					}
				}
			case string:
				id, _, _ := strings.Cut(g, ".")
				add(id)
			}
			var sub string
			switch s := x["Fn::Sub"].(type) {
			case string:
				sub = s
			case []any:
				if len(s) > 0 {
					sub, _ = s[0].(string)
				}
			}
			for _, m := range subVariable().FindAllStringSubmatch(sub, -1) {
				add(m[1])
			}
		}
		for _, e := range x {
			references(e, all, deps)
		}
	case []any:
		for _, e := range x {
			references(e, all, deps)
		}
	}
}

var subVariable = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}`) })

// topoOrder sorts ids so each resource comes after those it depends on,
// keeping alphabetical order otherwise; a cycle is a template error.
func topoOrder(ids []string, byID map[string]*fakeResource) ([]string, error) {
	const (
		unseen = iota
		visiting
		done
	)
	state := map[string]int{}
	var order []string
	var visit func(id string, path []string) error
	visit = func(id string, path []string) error {
		switch state[id] {
		case done:
			return nil
		case visiting:
			cycle := append(slices.Clone(path[slices.Index(path, id):]), id)
			slices.Sort(cycle)
			return templateErrorf("Circular dependency between resources: [%s]", strings.Join(slices.Compact(cycle), ", "))
		}
		state[id] = visiting
		for _, d := range byID[id].deps {
			if err := visit(d, append(path, id)); err != nil {
				return err
			}
		}
		state[id] = done
		order = append(order, id)
		return nil
	}
	for _, id := range ids {
		if err := visit(id, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// sameDefinition reports whether two templates declare the same resources
// the same way, in which case UpdateStack has nothing to do.
func sameDefinition(a, b *fakeTemplate) bool {
	if len(a.resources) != len(b.resources) {
		return false
	}
	for _, r := range a.resources {
		o, ok := b.byID[r.id]
		if !ok || o.canon != r.canon {
			return false
		}
	}
	return true
}
