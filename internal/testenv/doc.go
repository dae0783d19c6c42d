// Package testenv is the harness of awsauth's integration and end-to-end
// tests: a moto_server to stand in for AWS, and a sealed environment so no
// test ever sees the developer's or CI's own AWS setup.
//
// # Use
//
// Every package whose tests call [Moto] stops the shared server in TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
//	// or, with testscript:
//	func TestMain(m *testing.M) {
//		testscript.Main(testenv.WrapM(m), map[string]func(){"awsauth": awsauthMain})
//	}
//
// A test then takes the shared server, reset for it, and a sealed
// environment pointed at it:
//
//	m := testenv.Moto(t)
//	e := testenv.SealedEnv(t).ForMoto(m)
//	e.WriteCredentials(t, "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n")
//	e.WriteConfig(t, "[profile deploy]\nrole_arn = arn:aws:iam::111122223333:role/Deploy\nsource_profile = base\n")
//	cmd := exec.Command(awsauthBin, "exec", "--profile", "deploy", "--", "env")
//	cmd.Env = e.Environ()
//
// In-process code takes e.Lookup as its environment; code that reads the
// process environment itself (the SDK's config loader) needs e.Apply(t).
//
// # Why one moto per test binary
//
// On a 2-core machine moto_server takes 0.36–0.52 s to answer, and the first
// request to a service imports that service's code: about 70 ms for STS but
// 1.1 s for CloudFormation. A reset takes 2 ms. So [Moto] starts one server
// per test binary and resets it for each test, which then has it to itself
// (see [Moto] for parallel tests and subtests). [StartMoto] gives a test a
// private server when it must have one.
//
// # What moto 5.2 does
//
// Verified with the Go SDK by this package's tests (moto_test.go); awsauth's
// tests may rely on exactly this.
//
//	GetCallerIdentity, keys moto did not issue (AKIAIOSFODNN7EXAMPLE, or any
//	string, with or without a session token):
//	  Account 123456789012, Arn arn:aws:sts::123456789012:user/moto,
//	  UserId AKIAIOSFODNN7EXAMPLE whatever the key. Nothing is checked:
//	  not the key, the secret, nor the signature.
//
//	AssumeRole:
//	  The role need not exist in moto's IAM; any account in the ARN works.
//	  Credentials: AccessKeyId "ASIA"+16, 40-character secret, a session
//	  token starting FQoGZXIvYXdzEBYaD, Expiration now+DurationSeconds
//	  (default 3600). Any DurationSeconds is accepted, 1 included: neither
//	  the SDK nor moto enforces 900..43200, so credentials can expire
//	  within seconds. AssumedRoleUser.Arn is
//	  arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, AssumedRoleId
//	  "AROA"+17+":SESSION".
//	GetCallerIdentity with those credentials:
//	  Account = the role ARN's account, Arn =
//	  arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION. UserId is
//	  "AROA...:SESSION" with a new random role id on every call, unless the
//	  role exists in moto's IAM (then its RoleId, stable). The session token
//	  is not checked: any token with the access key works.
//
//	AssumeRoleWithWebIdentity (unsigned):
//	  Any WebIdentityToken ("not-a-jwt"); the role need not exist. Same
//	  credentials as AssumeRole, Arn
//	  arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, AssumedRoleId always
//	  ARO123EXAMPLE123:SESSION. GetCallerIdentity as for AssumeRole.
//
//	Role chaining (AssumeRole with assumed-role credentials):
//	  Works, for any role. After two hops GetCallerIdentity says
//	  arn:aws:sts::ACCOUNT2:assumed-role/ROLE2/SESSION2, Account = ACCOUNT2.
//	  Not capped at one hour as AWS caps it (7200 s accepted). The SDK's
//	  shared-config chains (source_profile -> role_arn -> role_arn) work
//	  against moto through AWS_ENDPOINT_URL_STS.
//
//	Expiry:
//	  Never checked: credentials past their Expiration keep working, with
//	  or without EnforceAuth. moto has no ExpiredToken error at all.
//
//	Errors from GetCallerIdentity:
//	  None while auth is off (the default). With [MotoServer.EnforceAuth]:
//	  unknown access key -> 403 InvalidClientTokenId; moto session
//	  credentials with a wrong session token -> 403 InvalidClientTokenId;
//	  wrong secret -> 403 SignatureDoesNotMatch; keys from IAM
//	  CreateAccessKey work (Arn arn:aws:iam::123456789012:user/NAME, an iam
//	  ARN), as do moto's session credentials. But moto nests the error as
//	  <ErrorResponse><Errors><Error>, which the Go SDK does not decode: it
//	  reports api error code "UnknownError" with HTTP status 403
//	  (*awshttp.ResponseError). To test awsauth's handling of a specific
//	  code (ExpiredToken, InvalidClientTokenId), use an in-process fake.
//
//	POST /moto-api/reset:
//	  Clears IAM, STS sessions and stacks, but leaves auth on if it was on;
//	  [MotoServer.Reset] turns it off too.
//	MOTO_ACCOUNT_ID in moto's environment replaces 123456789012; StartMoto
//	removes it, with AWS_* and INITIAL_NO_AUTH_ACTION_COUNT.
package testenv
