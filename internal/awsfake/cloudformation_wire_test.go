package awsfake

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func cfnCall(t *testing.T, base string, form url.Values) (int, string) {
	t.Helper()
	form.Set("Version", cfnVersion)
	req, err := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+DefaultUserAccessKeyID+"/20261123/eu-west-1/cloudformation/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, readBody(t, resp)
}

var requestIDElement = regexp.MustCompile(`<RequestId>[0-9a-f-]{36}</RequestId>`)

// TestCloudFormationWireShapes pins the documents the SDKs parse: the
// error shape with its Type, DeleteStack's result-less response, and a
// stack's region taken from the signature's credential scope.
func TestCloudFormationWireShapes(t *testing.T) {
	_, h := newTestServer(t, Options{})

	status, body := cfnCall(t, h.URL, url.Values{"Action": {"DescribeStacks"}, "StackName": {"nope"}})
	want := `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>` +
		`<Code>ValidationError</Code><Message>Stack with id nope does not exist</Message></Error><RequestId>ID</RequestId></ErrorResponse>`
	if got := requestIDElement.ReplaceAllString(body, "<RequestId>ID</RequestId>"); status != 400 || got != want {
		t.Errorf("DescribeStacks nope: %d\n%s\nwant\n%s", status, got, want)
	}

	status, body = cfnCall(t, h.URL, url.Values{"Action": {"CreateStack"}, "StackName": {"s"},
		"TemplateBody": {TemplateBody(StackResource{LogicalID: "Q", Type: "AWS::SQS::Queue"})}})
	if status != 200 || !regexp.MustCompile(`^<CreateStackResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><CreateStackResult><StackId>arn:aws:cloudformation:eu-west-1:111111111111:stack/s/[0-9a-f-]{36}</StackId></CreateStackResult><ResponseMetadata><RequestId>[0-9a-f-]{36}</RequestId></ResponseMetadata></CreateStackResponse>$`).MatchString(body) {
		t.Errorf("CreateStack: %d %s", status, body)
	}

	status, body = cfnCall(t, h.URL, url.Values{"Action": {"DeleteStack"}, "StackName": {"s"}})
	if status != 200 || !regexp.MustCompile(`^<DeleteStackResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><ResponseMetadata><RequestId>[0-9a-f-]{36}</RequestId></ResponseMetadata></DeleteStackResponse>$`).MatchString(body) {
		t.Errorf("DeleteStack: %d %s", status, body)
	}

	status, body = cfnCall(t, h.URL, url.Values{"Action": {"CreateChangeSet"}})
	if status != 400 || !strings.Contains(body, "<Code>InvalidAction</Code><Message>Could not find operation CreateChangeSet for version 2010-05-15</Message>") {
		t.Errorf("unknown action: %d %s", status, body)
	}
}

func TestTemplateBodyRoundTrip(t *testing.T) {
	body := TemplateBody(
		StackResource{LogicalID: "B", Type: "AWS::S3::Bucket", Duration: 90_500_000_000, Fail: "taken", DeleteDuration: 3_000_000_000},
		StackResource{LogicalID: "F", Type: "AWS::Lambda::Function", Properties: map[string]any{"Role": map[string]any{"Fn::GetAtt": []any{"R", "Arn"}}}},
		StackResource{LogicalID: "R", Type: "AWS::IAM::Role"},
		StackResource{LogicalID: "N", Type: "AWS::CloudFormation::Stack", DependsOn: []string{"B"}, Resources: []StackResource{{LogicalID: "V", Type: "AWS::EC2::VPC"}}},
	)
	tpl, err := parseTemplate(body)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range tpl.resources {
		order = append(order, r.id)
	}
	if got := strings.Join(order, " "); got != "B R F N" {
		t.Errorf("order %q, want dependencies first", got)
	}
	b := tpl.byID["B"]
	if b.create.Seconds() != 90.5 || b.delete.Seconds() != 3 || b.fail != "taken" {
		t.Errorf("bucket timeline %+v", b)
	}
	if f := tpl.byID["F"]; len(f.deps) != 1 || f.deps[0] != "R" {
		t.Errorf("F depends on %v, want R through Fn::GetAtt", f.deps)
	}
	if n := tpl.byID["N"]; n.nested == nil || n.nested.byID["V"] == nil || !tpl.needsIAM() {
		t.Errorf("nested %+v, needs IAM %v", n.nested, tpl.needsIAM())
	}
}
