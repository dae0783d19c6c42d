// Package awsfake is an in-process fake of the AWS endpoints that moto does
// not cover: STS (GetCallerIdentity, AssumeRole, AssumeRoleWithWebIdentity,
// GetSessionToken), the IAM Identity Center portal (GetRoleCredentials,
// ListAccounts, ListAccountRoles, Logout), SSO OIDC (RegisterClient,
// StartDeviceAuthorization, CreateToken) and the sign-in service's OAuth
// API behind aws login (the browser authorization, CreateOAuth2Token).
//
// It exists so that awsauth's tests and `awsauth demo` can run the whole
// credential story (device login, token refresh, role credentials that
// expire in the middle of a deployment) against unmodified AWS SDK clients.
// It is deliberately strict: every signed STS request has its access key
// looked up and checked for expiry, bearer tokens are checked against the
// SSO session, and errors use the exact wire shapes the SDKs parse, so a
// client that mishandles an error against the fake would mishandle it
// against AWS too.
//
// # Routing
//
// One [Server] hosts every service, so clients point
// AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL_SSO_OIDC and
// AWS_ENDPOINT_URL_SIGNIN (or the Go SDK's BaseEndpoint option) at the same
// [Server.URL]. Requests are told apart the way the services' protocols
// make possible:
//
//   - SSO portal (REST-JSON): /federation/credentials, /assignment/accounts,
//     /assignment/roles, /logout;
//   - SSO OIDC (REST-JSON): /client/register, /device_authorization, /token;
//   - the device verification page a person opens: /device;
//   - aws login (REST-JSON): /v1/token (CreateOAuth2Token: the
//     authorization_code grant with PKCE, and the refresh_token grant,
//     both with a DPoP proof), and the pages a person's browser opens,
//     /v1/authorize and /v1/sessions/confirmation ([Server.Authorize]
//     plays that person);
//   - the console federation endpoint: /federation;
//   - STS (query protocol): any other request whose form carries Action=.
//
// # Time
//
// Every expiry (SSO access tokens, the SSO session, role credentials, device
// codes, client registrations, web identity tokens, aws login sessions,
// their codes and credentials) is checked against the injected [Clock], so
// a test can jump past a lifetime with [ManualClock.Advance] and a demo can
// run a three hour deployment in minutes with a [ScaledClock].
//
// Clients, however, judge expiry with their own wall clock. So that a real
// SDK sees credentials expire when the fake says they have, every lifetime
// handed out on the wire (STS <Expiration>, the portal's expiration in epoch
// milliseconds, OIDC and sign-in expiresIn, clientSecretExpiresAt, the id
// token's times) is converted to real time:
//
//	realExpiry = realNow + (fakeExpiry - fakeNow) / speed
//
// A [ManualClock] has speed 1 and does not move on its own: advancing it
// makes the fake reject credentials that the client still believes valid,
// which is exactly the "AWS said ExpiredToken" case a refresh layer must
// survive. Device polling intervals are handed out in real seconds as
// ceil(interval/speed), at least 1, and the slow_down check runs on fake
// time, so a client that honours the interval never sees slow_down at any
// speed. Note that a fast clock also shortens the device code's life in real
// time (10 minutes at speed 60 is 10 seconds): raise
// [Scenario.DeviceCodeLifetime] when a person approves in a browser.
//
// # Secrets
//
// The fake never logs secret access keys, session tokens, SSO access or
// refresh tokens, client secrets or device codes; access key ids, which AWS
// itself records in CloudTrail, may appear in [Options.Logf] output.
package awsfake
