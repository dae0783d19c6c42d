// Package awsfake is an in-process fake of the AWS endpoints that moto does
// not cover: STS (GetCallerIdentity, AssumeRole, AssumeRoleWithWebIdentity,
// GetSessionToken), the IAM Identity Center portal (GetRoleCredentials,
// ListAccounts, ListAccountRoles, Logout) and SSO OIDC (RegisterClient,
// StartDeviceAuthorization, CreateToken).
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
// One [Server] hosts all three services, so clients point
// AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_SSO and AWS_ENDPOINT_URL_SSO_OIDC
// (or the Go SDK's BaseEndpoint option) at the same [Server.URL]. Requests
// are told apart the way the services' protocols make possible:
//
//   - SSO portal (REST-JSON): /federation/credentials, /assignment/accounts,
//     /assignment/roles, /logout;
//   - SSO OIDC (REST-JSON): /client/register, /device_authorization, /token;
//   - the device verification page a person opens: /device;
//   - STS (query protocol): any other request whose form carries Action=.
//
// # Time
//
// Every expiry (SSO access tokens, the SSO session, role credentials, device
// codes, client registrations, web identity tokens) is checked against the
// injected [Clock], so a test can jump past a lifetime with
// [ManualClock.Advance] and a demo can run a three hour deployment in
// minutes with a [ScaledClock].
//
// Clients, however, judge expiry with their own wall clock. So that a real
// SDK sees credentials expire when the fake says they have, every lifetime
// handed out on the wire (STS <Expiration>, the portal's expiration in epoch
// milliseconds, OIDC expiresIn and clientSecretExpiresAt) is converted to
// real time:
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
