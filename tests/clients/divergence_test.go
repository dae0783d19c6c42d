package clients

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/awsauth/awsauth/internal/awsconfig"
)

// TestSDKDivergences hands each row of awsauth's divergence table
// (internal/awsconfig/divergences.go) to the real SDKs on this machine, the
// Go SDK v2, boto3, the JS SDK v3 and the AWS CLI v1 and v2, against the
// strict fake AWS, and checks that each does what the row says: the
// identity it ends up calling AWS as, the AssumeRole and
// AssumeRoleWithWebIdentity calls it made, the region it signed with, or
// the error it failed with. So the table, and the warnings and docs made
// from it, state what the SDKs do.
func TestSDKDivergences(t *testing.T) {
	rig := newSDKRig(t)
	ctx := context.Background()
	for _, row := range awsconfig.Divergences() {
		t.Run(row.ID, func(t *testing.T) {
			shape := probeShape{Config: row.Example.Config, Credentials: row.Example.Credentials,
				Env: row.Example.Env, Profile: row.Example.Profile}
			tested := 0
			for _, c := range rig.clients {
				want, ok := row.Outcome(awsconfig.SDK(c.id))
				if !ok || !want.Tested {
					t.Errorf("%s: the row says nothing tested for this client", c.id)
					continue
				}
				tested++
				got, err := rig.run(ctx, c, shape)
				if err != nil {
					t.Errorf("%s: %v", c.id, err)
					continue
				}
				if msg := mismatch(want, got); msg != "" {
					t.Errorf("%s does not do what the table says (%q): %s\n  got arn=%q region=%q signed-in=%q calls=%v error=%q",
						c.id, want.Does, msg, got.ARN, got.Region, got.SigningRegion, got.Calls, got.Error)
				}
			}
			if tested == 0 {
				t.Error("no client was tested")
			}
		})
	}
}

// mismatch says how got differs from want, or "" when it does not.
func mismatch(want awsconfig.Outcome, got probeResult) string {
	var bad []string
	if want.Fails != "" {
		if got.ARN != "" {
			bad = append(bad, "it succeeded, the table says it fails with "+want.Fails)
		} else if !strings.Contains(got.Error, want.Fails) {
			bad = append(bad, fmt.Sprintf("its error does not contain %q", want.Fails))
		}
	} else {
		if got.ARN == "" {
			bad = append(bad, "it failed")
		} else if !strings.HasPrefix(got.ARN, want.Identity) {
			bad = append(bad, fmt.Sprintf("identity is not %s...", want.Identity))
		}
	}
	if n := got.Calls["AssumeRole"]; n != want.AssumeRole {
		bad = append(bad, fmt.Sprintf("%d AssumeRole calls, the table says %d", n, want.AssumeRole))
	}
	if n := got.Calls["AssumeRoleWithWebIdentity"]; n != want.WebIdentity {
		bad = append(bad, fmt.Sprintf("%d AssumeRoleWithWebIdentity calls, the table says %d", n, want.WebIdentity))
	}
	if want.Region != "" && got.SigningRegion != want.Region {
		bad = append(bad, fmt.Sprintf("signed for region %q, the table says %q", got.SigningRegion, want.Region))
	}
	return strings.Join(bad, "; ")
}
