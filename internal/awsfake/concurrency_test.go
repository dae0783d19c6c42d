package awsfake_test

import (
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsauth/awsauth/internal/awsfake"
)

// TestConcurrentClients runs portal and STS calls from several goroutines
// while the clock moves, for the race detector's benefit: awsauth's keeper
// and a deployment's many SDK clients hit the fake at once.
func TestConcurrentClients(t *testing.T) {
	srv, clock := start(t, awsfake.Options{})
	tok := srv.IssueSSOToken()
	portal := ssoClient(srv)

	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 8 {
		wg.Go(func() {
			for range 4 {
				rc, err := portal.GetRoleCredentials(t.Context(), ssoInput(tok.AccessToken, awsfake.DevAccountID, "ReadOnly"))
				if err != nil {
					errs <- err
					return
				}
				if _, err := stsClient(srv, static(portalCreds(rc))).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 10 {
			clock.Advance(time.Second)
			_ = srv.CallCounts()
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := srv.Calls("GetRoleCredentials"); got != 32 {
		t.Errorf("Calls(GetRoleCredentials) = %d, want 32", got)
	}
}
