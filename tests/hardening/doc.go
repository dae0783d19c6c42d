// Package hardening runs the awsauth binary as real processes against the
// in-process fake AWS, to prove what unit tests and scripts cannot show:
//
//   - no secret (static keys, session tokens, SSO access and refresh tokens,
//     client secrets, container and exec endpoint tokens) reaches stdout
//     (except the credentials credential-process and export print by
//     design), stderr, a file outside the caches, an argv, or the exec
//     child's environment, through every command, with --debug and --json,
//     on success and failure paths (leak_test.go);
//   - 50 parallel credential-process calls on a cold cache make one upstream
//     call and all print the same valid credentials, and processes that
//     renew one expired SSO token at once all succeed (parallel_test.go);
//   - SIGKILL at random points of cache writes never leaves a cache file
//     that does not parse (crash_test.go);
//   - exec sessions and logins racing on one SSO cache make one device flow
//     per ended session while the commands under exec keep working, and
//     nothing waits for a login that waits for a person (relogin_test.go).
//
// Under `go test -race` the awsauth binary is built with -race too, and a
// data race reported by any awsauth process fails the test that ran it.
// -short trims the loops. HARDENING_TRACE=1 logs every leak-test run's
// output.
//
// The test binary doubles as the helper programs the tests need (an exec
// child that reports what it sees, a credential_process, an AWS client
// loop): see helper_test.go.
//
// The tests run on Linux only: they read /proc to see each process's argv,
// parent and threads, and signal process groups.
package hardening
