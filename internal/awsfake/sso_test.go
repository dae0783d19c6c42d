package awsfake_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"

	"github.com/awsauth/awsauth/internal/awsfake"
)

func ssoInput(token, account, role string) *sso.GetRoleCredentialsInput {
	return &sso.GetRoleCredentialsInput{AccessToken: aws.String(token), AccountId: aws.String(account), RoleName: aws.String(role)}
}

func portalCreds(out *sso.GetRoleCredentialsOutput) awsfake.Credentials {
	rc := out.RoleCredentials
	return awsfake.Credentials{
		AccessKeyID: aws.ToString(rc.AccessKeyId), SecretAccessKey: aws.ToString(rc.SecretAccessKey), SessionToken: aws.ToString(rc.SessionToken),
	}
}

func TestPortalAssignments(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	portal := ssoClient(srv)
	tok := srv.IssueSSOToken()

	// Paginate one item at a time with the SDK's own paginators.
	var roles []string
	p := sso.NewListAccountRolesPaginator(portal, &sso.ListAccountRolesInput{
		AccessToken: aws.String(tok.AccessToken), AccountId: aws.String(awsfake.ProdAccountID), MaxResults: aws.Int32(1),
	})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.RoleList {
			roles = append(roles, aws.ToString(r.AccountId)+"/"+aws.ToString(r.RoleName))
		}
	}
	if want := []string{"222222222222/Admin", "222222222222/ReadOnly"}; !equal(roles, want) || pages != 2 {
		t.Errorf("roles = %v in %d pages, want %v in 2 (BreakGlass is not assigned through SSO)", roles, pages, want)
	}

	var accounts []string
	ap := sso.NewListAccountsPaginator(portal, &sso.ListAccountsInput{AccessToken: aws.String(tok.AccessToken), MaxResults: aws.Int32(1)})
	for ap.HasMorePages() {
		out, err := ap.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.AccountList {
			accounts = append(accounts, aws.ToString(a.AccountId)+" "+aws.ToString(a.AccountName)+" "+aws.ToString(a.EmailAddress))
		}
	}
	if want := []string{"111111111111 dev aws-dev@example.com", "222222222222 prod aws-prod@example.com"}; !equal(accounts, want) {
		t.Errorf("accounts = %v, want %v", accounts, want)
	}

	_, err := portal.GetRoleCredentials(t.Context(), ssoInput(tok.AccessToken, awsfake.ProdAccountID, "BreakGlass"))
	wantAPIError(t, err, "ForbiddenException", 403)
	_, err = portal.GetRoleCredentials(t.Context(), ssoInput(tok.AccessToken, "333333333333", "Admin"))
	wantAPIError(t, err, "ForbiddenException", 403)
	_, err = portal.GetRoleCredentials(t.Context(), ssoInput("aoa-not-a-token", awsfake.DevAccountID, "Admin"))
	wantAPIError(t, err, "UnauthorizedException", 401)

	if got := srv.Calls("GetRoleCredentials"); got != 3 {
		t.Errorf("Calls(GetRoleCredentials) = %d, want 3", got)
	}
	if got := srv.Calls("ListAccountRoles"); got != 2 {
		t.Errorf("Calls(ListAccountRoles) = %d, want 2", got)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestKeyExpiry(t *testing.T) {
	srv, _ := start(t, awsfake.Options{})
	tok := srv.IssueSSOToken()
	begin := time.Now()
	out, err := ssoClient(srv).GetRoleCredentials(t.Context(), ssoInput(tok.AccessToken, awsfake.DevAccountID, "Admin"))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := srv.KeyExpiry(aws.ToString(out.RoleCredentials.AccessKeyId))
	// The wire has milliseconds. The test's clock stands still while real
	// time goes on, so the real-time expiry moves on by the real time that
	// passed between the answer and the question, and no more.
	want := time.UnixMilli(out.RoleCredentials.Expiration)
	if d := got.Sub(want); !ok || d < 0 || d > time.Since(begin)+time.Millisecond {
		t.Errorf("KeyExpiry(portal keys) = %v, %v; want %v, true (what the portal told the client)", got, ok, want)
	}
	for _, id := range []string{awsfake.DefaultUserAccessKeyID, "ASIANEVERISSUED00000"} {
		if got, ok := srv.KeyExpiry(id); ok {
			t.Errorf("KeyExpiry(%s) = %v, true; want false (long-term or unknown)", id, got)
		}
	}
}
