package explain

import (
	"bytes"
	"fmt"
	"testing"
)

// cdkLog builds a synthetic CDK deployment log of about size bytes: stack
// events, asset publishing and stack traces, with the root failure at 95%
// and the rollback after it.
func cdkLog(size int) []byte {
	var b bytes.Buffer
	b.WriteString("✨  Synthesis time: 41.27s\n\nBigAppStack: building assets...\n\n")
	kinds := []string{"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::ECS::Service", "AWS::EC2::SecurityGroup", "AWS::DynamoDB::Table", "Custom::CDKBucketDeployment"}
	states := []string{"CREATE_IN_PROGRESS", "CREATE_COMPLETE", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"}
	root := false
	for i := 0; b.Len() < size; i++ {
		if !root && b.Len() > size*95/100 {
			b.WriteString("BigAppStack | 3981/4120 | 11:02:12 AM | UPDATE_FAILED        | AWS::ECS::Service | Service/Service (ServiceD69D759B) ExpiredToken: The security token included in the request is expired (Service: AmazonECS; Status Code: 400; Error Code: ExpiredTokenException)\n")
			b.WriteString("BigAppStack | 3982/4120 | 11:02:13 AM | UPDATE_ROLLBACK_IN_PROGRESS | AWS::CloudFormation::Stack | BigAppStack The following resource(s) failed to update: [ServiceD69D759B].\n")
			root = true
			continue
		}
		switch i % 50 {
		case 7:
			fmt.Fprintf(&b, "[%d%%] success: Published %064x:123456789012-eu-west-1\n", i%100, i)
		case 19:
			b.WriteString("    at Request.extractError (/usr/local/lib/node_modules/aws-cdk/node_modules/aws-sdk/lib/protocol/query.js:50:29)\n")
		case 31:
			fmt.Fprintf(&b, "\x1b[33m[Warning at /BigAppStack/Fn%d] minHealthyPercent has not been configured so the default value of 50%% is used.\x1b[39m\n", i)
		default:
			fmt.Fprintf(&b, "BigAppStack | %d/4120 | 10:%02d:%02d AM | %-20s | %s | Resource%d/Resource (Resource%dA1B2C3D4) \n",
				i%4120, i/60%60, i%60, states[i%len(states)], kinds[i%len(kinds)], i, i)
		}
	}
	b.WriteString("❌  BigAppStack failed: Error: The stack named BigAppStack failed to deploy: UPDATE_ROLLBACK_COMPLETE\n")
	return b.Bytes()
}

func BenchmarkExplain10MB(b *testing.B) {
	log := cdkLog(10 << 20)
	sit := &Situation{Profile: "deploy", Known: true}
	b.SetBytes(int64(len(log)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		sc, err := ScanLog(bytes.NewReader(log))
		if err != nil {
			b.Fatal(err)
		}
		res := Diagnose(sc, sit)
		if res.Cause != ExpiredSessionToken {
			b.Fatalf("cause %s", res.Cause)
		}
	}
}

func TestSyntheticLogRoot(t *testing.T) {
	sc := scanString(t, string(cdkLog(1<<20)))
	if sc.Root == nil || sc.Root.Cause != ExpiredSessionToken || sc.Tool != "cdk deploy" {
		t.Fatalf("root %+v tool %q", sc.Root, sc.Tool)
	}
}
