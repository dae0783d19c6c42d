package explain

// rules is the table of known causes. The guide (docs/troubleshooting.md)
// is generated from it: after changing it, run go generate ./internal/explain.
//
// Placeholders in texts: {profile}, {cmd}, {sso}, {sso_state}, {role},
// {chain}, {region}, {mfa}, {process}, {token_file}, {config_file},
// {credentials_file}, {env_profile}, {my_account}, {resolve_error}, and
// from the matched line {named_profile}, {suggestion}, {account},
// {current_account}, {account_profile}, {action}, {resource},
// {target_role}, {skew}, {exit_status}.
var rules = []Rule{
	{
		Cause:    ExpiredSessionToken,
		Title:    "The temporary credentials have expired",
		Priority: 65,
		Match: []Pattern{
			p("ExpiredToken"),                       // ExpiredToken, ExpiredTokenException
			p("included in the request is expired"), // Serverless wraps "The security token" onto the line before
			p("RequestExpired"),
			p("Request has expired"),
		},
		Summary: "AWS refused a request because the temporary credentials it was signed with have expired.",
		Explain: "Temporary credentials (a session token from STS, IAM Identity Center, a role, an instance or a container) live for a fixed time, " +
			"often one hour. A tool that reads them once and never renews them fails at that moment, half-way through a long deployment. " +
			"RequestExpired is the same refusal from EC2-style APIs (when it says the request must be within 300 seconds of server time, the clock is off instead).",
		Fixes: []Fix{
			cmd("awsauth status --profile {profile}", "see where the credentials come from and how long they last"),
			cmd("awsauth exec --profile {profile} -- {cmd}", "run long jobs under awsauth: the credentials are renewed while the command runs"),
		},
		When: []Advice{
			{If: envTempUsed,
				Why: "AWS_ACCESS_KEY_ID and AWS_SESSION_TOKEN are set in your environment, and the SDKs take them before any profile. " +
					"They were copied in once and have gone stale: nothing can renew keys held in variables.",
				Fixes: []Fix{cmd("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN", "then use a profile that can renew itself")}},
			{If: envKeysIdle,
				Why: "AWS_ACCESS_KEY_ID is also set in your environment. awsauth used profile {profile} because --profile wins, " +
					"but a tool started without --profile takes the keys from the environment first, and they may be the stale ones.",
				Fixes: []Fix{cmd("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN")}},
			{If: staticTemp,
				Why: "Profile {profile} holds temporary keys (aws_session_token) written into {credentials_file}. " +
					"Keys in a file cannot renew themselves; the tool that wrote them must be run again.",
				Fixes: []Fix{note("replace the pasted keys with an sso-session, role or credential_process profile that renews itself")}},
			{If: ssoLegacy,
				Why: "Profile {profile} signs in through IAM Identity Center with legacy settings (sso_start_url in the profile, no sso-session), " +
					"so its SSO token has no refresh token: once it ends, no SDK can fetch new role credentials until you sign in again.",
				Fixes: []Fix{
					cmd("awsauth login --profile {profile}"),
					note("move sso_start_url and sso_region into an [sso-session NAME] section and set sso_session = NAME in the profile, so the token can be refreshed (aws configure sso-session does it)"),
				}},
			{If: ssoRefreshable,
				Why:   "Profile {profile} gets its credentials through IAM Identity Center ({sso}). The SDKs fetch new ones only while the SSO token lasts; {sso_state}.",
				Fixes: []Fix{cmd("awsauth login --profile {profile}", "when the SSO session itself has ended")}},
			{If: roleChained,
				Why: "Profile {profile} assumes {role} with credentials that are themselves from a role or IAM Identity Center ({chain}). " +
					"AWS caps such chained sessions at one hour, whatever the role's maximum session duration: " +
					"a deployment longer than an hour needs its credentials renewed while it runs.",
				Fixes: []Fix{cmd("awsauth exec --profile {profile} -- {cmd}", "renews the one-hour session before it ends")}},
			{If: roleFromKeys,
				Why:   "Profile {profile} assumes {role}; the session lasts duration_seconds (one hour unless set), then ends whatever the tool is doing.",
				Fixes: []Fix{note("set duration_seconds in [profile {profile}] up to the role's maximum session duration, or run the command under awsauth exec")}},
			{If: usesWebIdentity,
				Why: "The credentials come from web identity (token file {token_file}). The SDKs renew them from the token file, " +
					"but only while the token in that file is itself fresh.",
				Fixes: []Fix{note("make sure whatever writes {token_file} (the kubelet, the CI runner) keeps it current")}},
		},
		Keywords: []string{"expired", "token", "session"},
	},
	{
		Cause:    ExpiredSSOToken,
		Title:    "The IAM Identity Center (SSO) session has ended",
		Priority: 80,
		Match: []Pattern{
			p("Token has expired and refresh failed"),
			p("session associated with this profile has expired"),
			p("SSO session has expired or is invalid"),
			p("refresh cached SSO token failed"),
			p("unable to refresh SSO token"),
			p("cached SSO token is expired"),
			p("SSO access token has either expired"),
			p("InvalidGrantException"),
			p("Invalid refresh token provided"),
			p("Session token not found or invalid"),
			p("SSO OIDC", "ExpiredToken"),
			p("CreateToken", "ExpiredToken"),
			p("SSOTokenProviderFailure"),
			p("Cached SSO login is expired"),
		},
		Summary: "The cached IAM Identity Center token has expired or was refused, and could not be renewed, so no role credentials can be fetched.",
		Explain: "Profiles that sign in through IAM Identity Center get role credentials with the SSO access token cached in ~/.aws/sso/cache. " +
			"That token lives about an hour. Profiles with an sso-session also hold a refresh token that renews it without a browser, " +
			"until the session's maximum length set by the administrator (often 8 to 12 hours). After that, or when the refresh token is refused " +
			"(InvalidGrantException), or when the portal no longer knows the token (UnauthorizedException: Session token not found or invalid), " +
			"only a new sign-in helps.",
		Fixes: []Fix{
			cmd("awsauth login --profile {profile}"),
			cmd("awsauth exec --profile {profile} -- {cmd}", "for the next long run: renews the token while it runs, and waits for a new sign-in instead of failing"),
		},
		When: []Advice{
			{If: ssoLegacy,
				Why: "Profile {profile} uses legacy SSO settings (sso_start_url in the profile, no sso-session), so its token has no refresh token " +
					"and ends about an hour after each sign-in.",
				Fixes: []Fix{note("move sso_start_url and sso_region into an [sso-session NAME] section and set sso_session = NAME in the profile (aws configure sso-session), so the token can be refreshed")}},
			{If: ssoTokenState, Why: "Right now {sso_state}."},
			{If: notSSO,
				Why: "awsauth resolves profile {profile} (from {profile_from}) to {chain}, not IAM Identity Center: " +
					"the failing tool used another profile. Check AWS_PROFILE and --profile where it ran.",
				Fixes: []Fix{cmd("awsauth profiles", "find the SSO profile it used")}},
		},
		Keywords: []string{"sso", "expired", "refresh", "identity center"},
	},
	{
		Cause:    SSONotLoggedIn,
		Title:    "Nobody has signed in to IAM Identity Center for this profile",
		Priority: 80,
		Match: []Pattern{
			p("failed to read cached SSO token file"),
			p("session associated with this profile is invalid"),
			p("Error loading SSO Token: Token for", "does not exist"),
			p("Unable to load SSO token"),
			p(".aws/sso/cache/", "no such file"),
		},
		Summary: "The profile uses IAM Identity Center, but there is no cached SSO token for it.",
		Explain: "An IAM Identity Center profile needs a token in ~/.aws/sso/cache, written by a sign-in. The file is named after the " +
			"sso-session name, or the start URL for legacy profiles: renaming the sso-session, switching between legacy and sso-session settings, " +
			"a different HOME (sudo, containers, CI) or a cleared cache all make the SDKs look for a token that does not exist.",
		Fixes: []Fix{
			cmd("awsauth login --profile {profile}"),
		},
		When: []Advice{
			{If: ssoTokenState, Why: "Right now {sso_state}."},
			{If: notSSO,
				Why:   "awsauth resolves profile {profile} (from {profile_from}) to {chain}, not IAM Identity Center: the failing tool used another profile, or another HOME.",
				Fixes: []Fix{cmd("awsauth profiles", "find the SSO profile it used")}},
		},
		Keywords: []string{"sso", "cache", "login"},
	},
	{
		Cause:    LoginSessionExpired,
		Title:    "The aws login session has ended",
		Priority: 82,
		Match: []Pattern{
			p("reauthenticate using", "aws login"),
			p("re-authenticate using", "aws login"),
			p("LoginRefreshRequired"),
			p("login session has expired"),          // the Go SDK
			p("login session password has changed"), // the Go SDK
			p("Unable to refresh credentials because of a change in your password"),
			p("Unable to create or refresh login credentials"),
			p("LoginInsufficientPermissions"),
			p("LoginTokenLoadError"),
			p("Error loading login session token"),
			p("load login token:"),                                 // the Go SDK: no cached session, or an unreadable one
			p("CreateOAuth2Token"),                                 // the sign-in service's token call, only ever made for aws login
			p("needs a new aws login"),                             // awsauth's own
			boost(p("session has expired", "reauthenticate"), -20), // the JS SDK's "Your session has expired. Please reauthenticate."
		},
		Summary: "The credentials of an aws login session (the console sign-in for the CLI and SDKs) could not be renewed: " +
			"the session has ended or the renewal was refused, and only a new aws login brings it back.",
		Explain: "aws login (AWS CLI 2.32 and later) signs the CLI in with a console identity (root, an IAM user or a federated role) and caches " +
			"short-term credentials with a refresh token in ~/.aws/login/cache (or AWS_LOGIN_CACHE_DIRECTORY); the profile gets login_session = ARN. " +
			"The CLI and the SDKs renew the credentials, which last 15 minutes, for up to 12 hours after the sign-in. After that, after a password change, " +
			"or when the renewal is refused, the session is over. Renewing also needs permission for signin:CreateOAuth2Token " +
			"(the SignInLocalDevelopmentAccess managed policy) unless you signed in as root.",
		Fixes: []Fix{
			cmd("awsauth login --profile {login_profile}", "signs in again in the browser, without the AWS CLI; add --remote where there is no browser"),
			cmd("aws login --profile {login_profile}", "the same sign-in with the AWS CLI (2.32 or later); the same cache"),
			cmd("awsauth exec --profile {login_profile} -- {cmd}", "for long runs: renews the credentials while the command runs, until the session's end"),
			note("if the message is about permissions, attach the SignInLocalDevelopmentAccess managed policy to the IAM user or role that signs in"),
		},
		When: []Advice{
			{If: usesLogin, Why: "Profile {profile} signs in with aws login as {login_session}."},
			{If: loginTokenState, Why: "Right now {login_state}."},
			{If: loginElsewhere,
				Why: "Profile {profile} does not sign in with aws login, so the failing tool used another profile. " +
					"Profiles that sign in with aws login: {login_profiles}."},
			{If: noLoginProfile,
				Why: "No profile in {config_file} signs in with aws login (login_session): the failing tool read another config file or HOME " +
					"(AWS_CONFIG_FILE, sudo, a container), or the profile has been changed since. aws login --profile NAME signs in and writes login_session into the profile."},
		},
		Keywords: []string{"aws login", "reauthenticate", "login_session"},
	},
	{
		Cause:    NoCredentialsFound,
		Title:    "No credentials were found",
		Priority: 40,
		Match: []Pattern{
			p("Unable to locate credentials"),
			p("Could not load credentials from any providers"),
			p("no EC2 IMDS role found"),
			p("no EC2 instance role found"),
			p("NoCredentialProviders"),
			p("Unable to resolve AWS account to use"),
			p("Need to perform AWS calls for account", "no credentials"),
			p("Unable to load AWS credentials from any provider"),
			weak(p("no valid credential sources")), // Terraform's summary, printed before the provider's own error
			p("failed to find credentials"),
			p("calls for account", "no credentials"),                                         // the CDK's, with "AWS" masked as *** by CI logs
			p("AWS provider credentials not found"),                                          // Serverless
			p("unable to sign request without credentials set"),                              // the Ruby SDK
			p("is not using role-based, session-based, process-based, or basic credentials"), // the JetBrains toolkit
			p("static credentials are empty"),                                                // the Go SDK, credential_source = Environment with nothing set
			p("No credentials found in credential_source referenced"),                        // botocore, the same
		},
		Extract: []string{`(?i)calls for account (?P<account>[^,\s]+)`},
		Summary: "The tool went through every place it looks for credentials and found none.",
		Explain: "Every SDK tries, in order: keys in the environment, the selected profile (AWS_PROFILE, else default) in ~/.aws/config and " +
			"~/.aws/credentials, web identity, a container endpoint, and last the EC2 instance metadata service. Off EC2 that last step times out, " +
			"which is why the message often mentions IMDS or 169.254.169.254 although nothing is wrong with the network. " +
			"The CDK reports the same situation as 'Unable to resolve AWS account to use'.",
		Fixes: []Fix{
			cmd("awsauth status", "shows which profile the SDKs pick, and why"),
			cmd("awsauth profiles", "lists the profiles you can use"),
		},
		When: []Advice{
			{If: ssoEnded,
				Why: "Profile {profile} uses IAM Identity Center and {sso_state}. Several tools (the JS SDK v2, older CDK, Serverless) " +
					"report an ended SSO session as no credentials at all.",
				Fixes: []Fix{cmd("awsauth login --profile {profile}")}},
			{If: usesLogin,
				Why: "Profile {profile} signs in with aws login (login_session). SDKs released before aws login (November 2025) do not read login_session: " +
					"tools built on them (Terraform's AWS provider and S3 backend, OpenTofu, older CDK and IDE toolkits) skip the profile and end at the instance metadata service.",
				Fixes: []Fix{
					cmd("awsauth exec --profile {profile} -- {cmd}", "serves the session's credentials to the command through the container endpoint, which every SDK reads"),
					note("or give such tools a profile with credential_process = aws configure export-credentials --profile {profile} --format process"),
				}},
			{If: loginElsewhere,
				Why:   "Profiles {login_profiles} sign in with aws login. If the tool was meant to use one, it was not selected (AWS_PROFILE or --profile), or the tool's SDK does not read login_session.",
				Fixes: []Fix{cmd("awsauth exec --profile {login_profile} -- {cmd}", "serves that session's credentials to the command, whatever its SDK reads")}},
			{If: hasSource,
				Why: "awsauth finds a credential source for profile {profile} ({chain}), so the failing tool did not look at that profile: " +
					"it probably ran without AWS_PROFILE or --profile, in another shell, or in a container or CI job without your ~/.aws.",
				Fixes: []Fix{
					cmd("export AWS_PROFILE={profile}"),
					cmd("awsauth exec --profile {profile} -- {cmd}", "serves the profile's credentials to the command, whatever it reads"),
				}},
			{If: jsv2Blind,
				Why:   "Profile {profile} is only in {config_file}, which JS SDK v2 tools (older CDK, Serverless) read only with AWS_SDK_LOAD_CONFIG=1.",
				Fixes: []Fix{cmd("export AWS_SDK_LOAD_CONFIG=1")}},
			{If: onlyIMDS,
				Why: "awsauth finds nothing configured for profile {profile} either: the chain ends at the instance metadata service, which only answers on EC2.",
				Fixes: []Fix{
					cmd("awsauth login --profile NAME", "for an IAM Identity Center profile; aws configure sso creates one"),
				}},
			{If: unresolved, Why: "awsauth could not resolve your profile either: {resolve_error}"},
		},
		Keywords: []string{"credentials", "not found", "unable", "locate", "provider"},
	},
	{
		Cause:    SDKLoadConfigMissing,
		Title:    "A tool found no credentials (its SDK may not read ~/.aws/config)",
		Priority: 20,
		Match: []Pattern{
			weak(p("Missing credentials in config")),
			weak(p("set AWS_SDK_LOAD_CONFIG=1")),
			p("SharedCredsAccessKey"), // the Go SDK v1, reading only the credentials file
		},
		Summary: "A tool built on the AWS SDK for JavaScript v2 or Go v1 found no credentials; those read ~/.aws/config only when AWS_SDK_LOAD_CONFIG=1.",
		Explain: "The JavaScript SDK v2 (older CDK v1, the Serverless Framework, many scripts) and the Go SDK v1 read ~/.aws/credentials, but ~/.aws/config, " +
			"where IAM Identity Center, role and credential_process profiles live, only with AWS_SDK_LOAD_CONFIG set; " +
			"the Go SDK v1 then says the profile in the credentials file 'did not contain aws_access_key_id'. " +
			"The same message also wraps any failure of the sources it tried, such as an ended SSO session or an unreachable instance metadata service.",
		Fixes: []Fix{
			cmd("export AWS_SDK_LOAD_CONFIG=1"),
			cmd("awsauth exec --profile {profile} -- {cmd}", "sets it for the command and serves credentials every SDK can read"),
		},
		When: []Advice{
			{If: jsv2Blind,
				Why: "Profile {profile} is defined only in {config_file} and AWS_SDK_LOAD_CONFIG is not set in this shell: exactly this case."},
			{If: ssoEnded,
				Why:   "Profile {profile} uses IAM Identity Center and {sso_state}; the JS SDK v2 reports that as missing credentials too.",
				Fixes: []Fix{cmd("awsauth login --profile {profile}")}},
		},
		Keywords: []string{"missing credentials", "config"},
	},
	{
		Cause:    InvalidClientTokenID,
		Title:    "AWS does not recognise the access key or session token",
		Priority: 72,
		Match: []Pattern{
			p("InvalidClientTokenId"),
			p("UnrecognizedClientException"),
			p("included in the request is invalid"),
			p("InvalidAccessKeyId"),                                   // S3
			p("Access Key Id you provided does not exist"),            // S3, in SDK exceptions
			p("not able to validate the provided access credentials"), // EC2's AuthFailure
			p("provided token is malformed or otherwise invalid"),     // S3's InvalidToken
			p("MissingAuthenticationToken"),
			p("Request is missing Authentication Token"),
		},
		Summary: "The access key id is unknown to AWS, or the session token is missing, cut short, or belongs to other keys.",
		Explain: "InvalidClientTokenId (UnrecognizedClientException in some services, InvalidAccessKeyId in S3, AuthFailure in EC2) means AWS could not match the credentials to any identity: " +
			"the key was deleted or deactivated, the keys belong to another partition (China, GovCloud) or are used in an opt-in region " +
			"the account has not enabled (S3 then says 'The provided token is malformed or otherwise invalid'), temporary keys were sent without their AWS_SESSION_TOKEN, or a stale AWS_SESSION_TOKEN was left next to new keys. " +
			"MissingAuthenticationToken is the same refusal for a request signed with no key at all: AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY " +
			"set to blanks, which every SDK uses as keys instead of looking further.",
		Fixes: []Fix{
			cmd("awsauth status --profile {profile}", "shows which key (masked) is used and where it comes from"),
			note("if the key was deleted or deactivated, create a new access key in IAM"),
		},
		When: []Advice{
			{If: envKeysUsed,
				Why:   "The keys come from AWS_ACCESS_KEY_ID in your environment, which every SDK takes before any profile.",
				Fixes: []Fix{cmd("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN", "if they are left over, and use a profile")}},
			{If: envKeysIdle,
				Why:   "AWS_ACCESS_KEY_ID is set in your environment too; tools started without --profile use those keys, not profile {profile}.",
				Fixes: []Fix{cmd("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN")}},
			{If: staticTemp,
				Why:   "Profile {profile} holds temporary keys in {credentials_file}; they stop being recognised once their session is over.",
				Fixes: []Fix{note("replace them with a profile that renews itself (sso-session or role)")}},
			{If: staticLongTerm,
				Why:   "Profile {profile} uses long-term keys from {credentials_file}: check that the key is still active in IAM.",
				Fixes: []Fix{cmd("aws iam list-access-keys --profile OTHER_WORKING_PROFILE", "shows which keys exist and are active")}},
		},
		Keywords: []string{"invalid", "token", "security token"},
	},
	{
		Cause:    SignatureMismatch,
		Title:    "The secret key does not match the access key",
		Priority: 70,
		Match: []Pattern{
			p("SignatureDoesNotMatch"),
			p("request signature we calculated does not match"),
			p("InvalidSignatureException"),
		},
		Summary: "AWS computed a different request signature: the secret access key is wrong for this access key id.",
		Explain: "Every request is signed with the secret key. A mistyped or truncated secret, the secret of another key pair, quotes or " +
			"trailing spaces kept in a .env file, or a secret whose '/' or '+' was mangled by a shell all give SignatureDoesNotMatch. " +
			"If the message also says 'Signature expired', the clock is the problem instead (clock_skew).",
		Fixes: []Fix{
			cmd("awsauth status --profile {profile}", "shows which file or variable the keys come from"),
			note("enter the secret again exactly as IAM showed it, or create a new key pair"),
		},
		When: []Advice{
			{If: envKeysUsed,
				Why: "The keys come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in your environment: check the secret for quotes, spaces or a cut-off end."},
			{If: staticLongTerm,
				Why: "The keys come from [{profile}] in {credentials_file}."},
		},
		Keywords: []string{"signature", "secret"},
	},
	{
		Cause:    ClockSkew,
		Title:    "This machine's clock is wrong",
		Priority: 95,
		Match: []Pattern{
			p("Signature expired"),
			p("RequestTimeTooSkewed"),
			p("difference between the request time and the current time is too large"),
			p("Signature not yet current"),
			p("must be within 300 secs"),
			p("is now earlier than"), // the rest of "Signature expired: ..." when a tool drops its start
		},
		Extract: []string{
			`(?i)(?P<request_time>\d{8}T\d{6}Z) is now earlier than \d{8}T\d{6}Z \((?P<server_time>\d{8}T\d{6}Z) -`,
			`(?i)<RequestTime>(?P<request_time>[^<]+)</RequestTime><ServerTime>(?P<server_time>[^<]+)</ServerTime>`,
		},
		Summary: "AWS rejected the request's timestamp: the clock here differs from AWS's by more than the allowed window (5 to 15 minutes).",
		Explain: "Every signature carries the time it was made. 'Signature expired: ... is now earlier than ...' and RequestTimeTooSkewed mean " +
			"the clock on this machine, container or VM is off. Laptops waking from sleep, WSL 2 and virtual machines restored from a snapshot are common culprits.",
		Fixes: []Fix{
			cmd("date -u", "compare with the real UTC time"),
			cmd("sudo timedatectl set-ntp true", "Linux: keep the clock synchronised"),
			note("WSL 2: run 'sudo hwclock -s' after the laptop wakes, or restart WSL with 'wsl --shutdown'"),
		},
		When: []Advice{
			{If: skewKnown, Why: "From the times in the message, the clock that signed the request was {skew}."},
		},
		Keywords: []string{"clock", "time", "skew", "signature expired"},
	},
	{
		Cause:    AccessDenied,
		Title:    "The identity is not allowed to do this",
		Priority: 50,
		Match: []Pattern{
			p("is not authorized to perform"),
			p("AccessDenied"),
			p("Access Denied"),
			p("doesn't have permission to call"),
			p("UnauthorizedOperation"),
		},
		Extract: []string{
			`(?i)not authorized to perform:? (?P<action>[\w-]+:[\w*]+)(?: on resource:? (?P<resource>[^\s"']+))?`,
			`(?i)permission to call (?P<action>[\w-]+:[\w*]+)`,
		},
		Summary: "AWS accepted the credentials but refused {action}: no policy allows it, or one denies it.",
		Explain: "Authentication worked; this is authorisation. The identity named in the message lacks a permission, from its identity policy, " +
			"permission set, permissions boundary, an organisation SCP or a resource policy. 'with an explicit deny' points at a deny statement or an SCP. " +
			"A common surprise is that the request ran as another identity than intended: other keys in the environment, or another profile.",
		Fixes: []Fix{
			cmd("awsauth status --profile {profile}", "confirm which identity and account the request ran as"),
			note("have {action} on {resource} allowed for that identity, or use a profile whose role has it"),
		},
		When: []Advice{
			{If: isCDK,
				Why: "The CDK deploys through the bootstrap roles (cdk-hnb659fds-deploy-role-...). If the identity in the message is your own rather than one of those roles, " +
					"the CDK could not assume them (look for 'could not be used to assume' earlier in the log) and fell back to your credentials.",
				Fixes: []Fix{cmd("cdk bootstrap --profile {profile}", "creates or repairs the bootstrap roles in the target account and region")}},
			{If: envKeysUsed,
				Why:   "The request used the keys in AWS_ACCESS_KEY_ID, which win over AWS_PROFILE in the Go SDK, boto3 and the AWS CLI; make sure that is the identity you meant.",
				Fixes: []Fix{cmd("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN", "to use profile {profile} instead")}},
			{If: knownAccount,
				Why: "Profile {profile} is for account {my_account}; if the resource in the message is in another account, the wrong profile was used."},
		},
		Keywords: []string{"denied", "not authorized", "permission", "forbidden"},
	},
	{
		Cause:    AssumeRoleDenied,
		Title:    "The role could not be assumed",
		Priority: 60,
		Match: []Pattern{
			p("perform: sts:AssumeRole"),
			p("perform sts:AssumeRole"),
			p("AccessDenied", "AssumeRole operation"),
			p("cannot be assumed"),                   // Terraform
			p("Cannot assume IAM Role"),              // Terraform
			p("could not get token", "AccessDenied"), // aws-iam-authenticator with a role to assume
			boost(weak(p("could not be used to assume", "Proceeding anyway")), -40),
		},
		Extract: []string{
			`(?i)role \(?"?(?P<target_role>arn:[^\s")]+)"?\)? cannot be assumed`,
			`(?i)sts:AssumeRole on resource:? (?P<target_role>arn:[^\s"']+)`,
			`(?i)could not be used to assume '(?P<target_role>[^']+)'`,
		},
		Summary: "sts:AssumeRole was refused for {target_role}: the role's trust policy does not trust this caller, or the caller may not call sts:AssumeRole on it.",
		Explain: "Assuming a role needs two yeses: the caller's own policy must allow sts:AssumeRole on the role, and the role's trust policy must " +
			"name the caller (an account, user or role, for IAM Identity Center the permission set's AWSReservedSSO_ role). " +
			"A trust policy that names an assumed-role session instead of its role, a missing ExternalId or session-name condition, or a typo in " +
			"role_arn end here too. The CDK prints 'could not be used to assume ... Proceeding anyway' for the same reason and fails later.",
		Fixes: []Fix{
			cmd("awsauth status --profile {profile}", "shows the caller that tried"),
			note("add the caller's role or user ARN (from awsauth status) to the trust policy of {target_role}, or correct role_arn in the profile"),
		},
		When: []Advice{
			{If: assumesRole,
				Why: "Profile {profile} assumes {role} using {chain}."},
			{If: isCDK,
				Why: "For the CDK bootstrap roles (cdk-hnb659fds-*): the target account must be bootstrapped, and for cross-account deployments bootstrapped to trust the deploying account.",
				Fixes: []Fix{cmd("cdk bootstrap --trust DEPLOYING_ACCOUNT --cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess aws://TARGET_ACCOUNT/{region}",
					"run with credentials for the target account")}},
		},
		Keywords: []string{"assume", "role", "trust"},
	},
	{
		Cause:    MFARequired,
		Title:    "Multi-factor authentication failed or is missing",
		Priority: 90,
		Match: []Pattern{
			p("MultiFactorAuthentication failed"),
			p("MFA code", "invalid"),
			p("must provide both MFA serial number and one time pass code"),
			p("assume role with MFA enabled"), // Go tools that cannot prompt: AssumeRoleTokenProvider not set
		},
		Summary: "STS refused the request for want of a valid MFA code: the code was wrong or reused, the MFA serial does not match, or none was sent.",
		Explain: "Roles and policies that require aws:MultiFactorAuthPresent need AssumeRole or GetSessionToken called with mfa_serial and a fresh code. " +
			"A code works once, for about 30 seconds; the serial must be the ARN of the MFA device (arn:aws:iam::ACCOUNT:mfa/NAME) of the same user whose keys make the call. " +
			"Tools that cannot prompt (CI, SDKs inside a long deployment) fail here; Go tools that never set a token provider fail at once " +
			"with 'assume role with MFA enabled, but AssumeRoleTokenProvider session option not set'.",
		Fixes: []Fix{
			cmd("awsauth exec --profile {profile} -- {cmd}", "asks for the code once on the terminal and keeps the session for the whole run"),
			cmd("aws iam list-mfa-devices --profile SOURCE_PROFILE", "shows the device ARN to use as mfa_serial"),
		},
		When: []Advice{
			{If: hasMFA, Why: "Profile {profile} has mfa_serial = {mfa}: check that it belongs to the user whose keys assume {role}."},
			{If: roleNoMFA,
				Why:   "Profile {profile} assumes {role} but has no mfa_serial, so no code is ever sent.",
				Fixes: []Fix{note("add mfa_serial = arn:aws:iam::ACCOUNT:mfa/NAME to [profile {profile}] in {config_file}")}},
		},
		Keywords: []string{"mfa", "multifactor", "code"},
	},
	{
		Cause:    RoleChainingLimit,
		Title:    "A chained role session cannot last more than an hour",
		Priority: 92,
		Match: []Pattern{
			p("session limit for roles assumed by role chaining"),
		},
		Summary: "STS refused a DurationSeconds above 3600: roles assumed with credentials from another role (role chaining) are capped at one hour.",
		Explain: "When the credentials that call AssumeRole come from a role (another assume-role, IAM Identity Center, an instance, task or web identity role), " +
			"AWS limits the new session to one hour, whatever the role's maximum session duration. Asking for more fails outright instead of being shortened.",
		Fixes: []Fix{
			note("remove duration_seconds from the profile, or set it to 3600"),
			cmd("awsauth exec --profile {profile} -- {cmd}", "renews the one-hour session before it ends, for as long as the command runs"),
		},
		When: []Advice{
			{If: roleChained, Why: "Profile {profile} is chained: {chain}."},
			{If: roleFromKeys, Why: "awsauth resolves profile {profile} to {chain}, which is not chained: the failing tool used another profile, or an instance or CI role."},
		},
		Keywords: []string{"durationseconds", "chaining", "1 hour"},
	},
	{
		Cause:    RoleDurationTooLong,
		Title:    "The requested session is longer than the role allows",
		Priority: 91,
		Match: []Pattern{
			p("DurationSeconds exceeds the MaxSessionDuration"),
		},
		Summary: "DurationSeconds is above the role's maximum session duration (one hour unless an administrator raised it, at most twelve).",
		Explain: "Each role has a MaxSessionDuration. A duration_seconds in the profile, a --duration-seconds or a tool's default (some ask for 6 or 12 hours) " +
			"above it fails the AssumeRole call.",
		Fixes: []Fix{
			note("lower duration_seconds in the profile to the role's maximum"),
			cmd("awsauth exec --profile {profile} -- {cmd}", "renews shorter sessions while the command runs instead of asking for one long session"),
			cmd("aws iam update-role --role-name ROLE_NAME --max-session-duration 43200", "or raise the role's maximum, if you administer it"),
		},
		When: []Advice{
			{If: assumesRole, Why: "Profile {profile} assumes {role}."},
		},
		Keywords: []string{"durationseconds", "maxsessionduration"},
	},
	{
		Cause:    ProfileNotFound,
		Title:    "The profile does not exist",
		Priority: 75,
		Match: []Pattern{
			p("config profile (", "could not be found"),
			p("ProfileNotFound"),
			p("failed to get shared config profile"),
			p("SharedConfigProfileNotExist"),
			p("Could not resolve credentials using profile"),
			p("could not be found or parsed in shared credentials file"), // the JS SDK v3
		},
		Extract: []string{
			`(?i)profile (?P<named_profile>\S+) could not be found or parsed`,
			`(?i)config profile \((?P<named_profile>[^)]*)\) could not be found`,
			`(?i)failed to get shared config profile,\s*(?P<named_profile>[^\s,]+)`,
			`(?i)using profile: \[(?P<named_profile>[^\]]+)\]`,
		},
		Summary: "The tool was asked for profile {named_profile}, which neither {config_file} nor {credentials_file} defines.",
		Explain: "AWS_PROFILE or --profile names a profile no shared file has. In ~/.aws/config profiles are [profile NAME] sections " +
			"(only [default] has no prefix); in ~/.aws/credentials they are [NAME]. AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE pointing elsewhere, " +
			"a different HOME (sudo, containers, CI), or a JS SDK v2 tool that reads only ~/.aws/credentials also hide a profile that exists. " +
			"The SDKs do not agree on a missing AWS_PROFILE: the Go SDK and botocore stop with this error, while the JS SDK v3 (the CDK) goes on to the " +
			"container or instance credentials, so one tool fails while another runs as the instance role.",
		Fixes: []Fix{
			cmd("awsauth profiles", "lists the profiles that exist"),
		},
		When: []Advice{
			{If: hasSuggestion,
				Why:   "Did you mean {suggestion}?",
				Fixes: []Fix{cmd("export AWS_PROFILE={suggestion}")}},
			{If: envProfileSet,
				Why:   "AWS_PROFILE={env_profile} is set in this shell, and tools started from it ask for that profile.",
				Fixes: []Fix{cmd("unset AWS_PROFILE", "if it is left over")}},
			{If: jsv2Blind,
				Why:   "Profile {profile} is only in {config_file}, which JS SDK v2 tools read only with AWS_SDK_LOAD_CONFIG=1.",
				Fixes: []Fix{cmd("export AWS_SDK_LOAD_CONFIG=1")}},
		},
		Keywords: []string{"profile", "not found", "config"},
	},
	{
		Cause:    ConfigFileInvalid,
		Title:    "A shared config or credentials file cannot be read",
		Priority: 89,
		Match: []Pattern{
			p("Unable to parse config file"), // botocore's ConfigParseError
			p("SharedConfigLoadError"),       // the Go SDK v1
			p("failed to load shared config file"),
			p("DuplicateOptionError", ".aws"), // Python's configparser, reading a file in ~/.aws
			p("DuplicateSectionError", ".aws"),
			p("Shared Credentials Profile", "is not valid"), // the VS Code toolkit
			p("Credentials profile", "is invalid"),
			p("Credential profile", "is invalid"),
		},
		Extract: []string{
			`(?i)(?:unable to parse config file|failed to load (?:shared )?config file),?:?\s*(?P<config_path>[^\s,']+)`,
			`(?i)while reading from '(?P<config_path>[^']+)' \[line\s*(?P<config_line>\d+)\]`,
		},
		Summary: "A tool could not read {config_path}: the shared AWS config or credentials file is malformed, unreadable, or not a file.",
		Explain: "Every SDK parses ~/.aws/config and ~/.aws/credentials before anything else, and most stop at the first thing they cannot read: " +
			"a line outside any [section], a section or key defined twice, key names in upper case, a continuation line one parser accepts and another does not, " +
			"a file that is a directory (a Docker bind mount of a path that did not exist), or one the process may not read (sudo, another user). " +
			"The same file can work with one tool and fail with another, because their parsers differ.",
		Fixes: []Fix{
			cmd("awsauth profiles", "reads the same files, and names the file and line it cannot parse"),
			note("fix or remove the line the message names in {config_path}: a key outside a [section], a duplicate section or key, a key name in upper case"),
		},
		When: []Advice{
			{If: configLineKnown, Why: "The message points at line {config_line} of {config_path}."},
			{If: unresolved, Why: "awsauth cannot read your configuration either: {resolve_error}"},
			{If: configReadable,
				Why: "awsauth reads {config_file} and {credentials_file} without trouble: the failing tool read other files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, " +
					"another HOME, a container's mount), or its parser is stricter than awsauth's (duplicate keys, continuation lines)."},
		},
		Keywords: []string{"config file", "parse", "credentials file"},
	},
	{
		Cause:    ProfileSettingsConflict,
		Title:    "The profile mixes settings that the SDKs read differently",
		Priority: 90, // above web_identity_failed: the Go SDK's message names "web identity token" as a credential type
		Match: []Pattern{
			p("only one credential type may be specified per profile"),
			p("contains both source_profile and credential_source"),
			p("has both source_profile and credential_source"),
			p("partial credentials found"),
			p("must match sso_region in sso-session"),
			p("must match sso_start_url in sso-session"),
			p("is inconsistent between profile", "sso-session"),
		},
		Summary: "The SDK refused the profile because it holds settings that cannot go together: two credential sources, half a key pair, or SSO settings that contradict its sso-session.",
		Explain: "A profile names one credential source. The SDKs do not agree on what happens when it names two: the Go SDK refuses source_profile, " +
			"credential_source, credential_process and web_identity_token_file together, botocore (boto3, the AWS CLI) refuses source_profile with " +
			"credential_source but lets role_arn win over credential_process, and the JS SDK v3 (the CDK) quietly skips a profile it cannot use and goes on " +
			"to the container or EC2 instance credentials. So the same profile fails in one tool and runs as another identity in the next. " +
			"aws_access_key_id without aws_secret_access_key, role_arn with keys but no source_profile, and sso_start_url or sso_region in a profile " +
			"that differ from its [sso-session] section are refused the same way. docs/sdk-differences.md lists every such shape and what each SDK does.",
		Fixes: []Fix{
			cmd("awsauth status -v --offline --profile {profile}", "shows the chain awsauth (the Go SDK) builds, and warns about mixed settings"),
			note("keep one credential source in [profile {profile}] of {config_file}: move the other into a profile of its own and name it in source_profile"),
		},
		When: []Advice{
			{If: unresolved, Why: "awsauth refuses the profile too: {resolve_error}"},
		},
		Keywords: []string{"profile", "credential type", "partial credentials", "inconsistent", "source_profile", "credential_source"},
	},
	{
		Cause:    CDKWrongAccount,
		Title:    "The CDK is deploying to another account than the credentials belong to",
		Priority: 85,
		Match: []Pattern{
			p("calls for account", "but the current credentials are for"), // "Need to perform AWS calls", "AWS" masked as *** in CI logs
		},
		Extract: []string{`(?i)calls for account (?P<account>[^,\s]+),? but the current credentials are for (?P<current_account>[^\s.'"]+)`},
		Summary: "The stack targets account {account}, but the credentials are for account {current_account}.",
		Explain: "The CDK compares the stack's env (or the account in CDK_DEFAULT_ACCOUNT and cdk.context.json) with the account of the current credentials. " +
			"For a cross-account deployment it assumes the target's bootstrap roles; when that fails, or when the wrong profile is active, it stops here.",
		Fixes: []Fix{
			cmd("awsauth status --profile {profile}", "see which account the credentials are for"),
			note("deploy with a profile for account {account} (awsauth profiles shows each profile's account)"),
			note("for cross-account deployments, bootstrap account {account} to trust {current_account}: cdk bootstrap --trust {current_account} aws://{account}/REGION"),
		},
		When: []Advice{
			{If: knownAccount, Why: "Profile {profile} is for account {my_account}."},
			{If: accountHasProfile,
				Why:   "Profile {account_profile} is for account {account}.",
				Fixes: []Fix{cmd("awsauth exec --profile {account_profile} -- {cmd}")}},
		},
		Keywords: []string{"account", "cdk"},
	},
	{
		Cause:    CDKBootstrapMissing,
		Title:    "The CDK environment is not bootstrapped, or its bootstrap stack is too old",
		Priority: 84,
		Match: []Pattern{
			p("Has the environment been bootstrapped"),
			p("requires bootstrap stack version"),
			p("bootstrap stack version", "required"),
			p("Unable to fetch parameters [/cdk-bootstrap/"),
			p("doesn't have the CDK toolkit stack"),
			p("/cdk-bootstrap/", "not found"),
			p("bootstrap-version", "not found"),
		},
		Extract: []string{
			`(?i)requires bootstrap stack version '(?P<need>\d+)', found '(?P<found>\d+)'`,
			`(?i)aws://(?P<account>\d{12})/(?P<env_region>[a-z0-9-]+)`,
		},
		Summary: "The CDK found no bootstrap stack, or an older one than this app needs, in the target account and region.",
		Explain: "cdk deploy needs the CDKToolkit stack (assets bucket, container repository, deploy roles, and the SSM parameter " +
			"/cdk-bootstrap/hnb659fds/version) in every account and region it deploys to. A new region, a custom qualifier, or a CLI newer than " +
			"the bootstrap stack end here. So do credentials for another account or region than intended: the stack exists, just not where the CDK looked.",
		Fixes: []Fix{
			cmd("awsauth status --profile {profile}", "check the account and region first"),
			cmd("cdk bootstrap --profile {profile}", "creates or upgrades the bootstrap stack in that account and region"),
		},
		When: []Advice{
			{If: hasRegion, Why: "Profile {profile} resolves to region {region} (from {region_from}); the bootstrap stack must exist there."},
			{If: knownAccount, Why: "Profile {profile} is for account {my_account}."},
		},
		Keywords: []string{"bootstrap", "cdk", "ssm parameter"},
	},
	{
		Cause:    RegionMissing,
		Title:    "No region is configured",
		Priority: 45,
		Match: []Pattern{
			p("NoRegionError"),
			p("You must specify a region"),
			p("Missing region in config"),
			p("Region is missing"),
			p("an AWS region is required"),
			p("Unable to find a region via the region provider chain"),
			p("MissingRegion"),
			p("could not find region configuration"),
			p("Unable to determine AWS region"), // the CDK
			p("invalid AWS Region"),             // Terraform, with an empty or unknown region
			p("Not a valid region"),             // older Terraform
			p(`argument "region" is required`),  // Terraform
			p("a region was not specified"),     // rain
			p("Invalid region in config"),       // the JS SDK v2
		},
		Summary: "The SDK does not know which region to call.",
		Explain: "The region comes from --region, AWS_REGION (AWS_DEFAULT_REGION for boto3 and the AWS CLI), or region = in the profile; " +
			"an empty or misspelled one ('Invalid AWS Region: None', 'Not a valid region') is the same problem. " +
			"boto3 and the AWS CLI v1 ignore AWS_REGION; JS SDK v2 tools ignore ~/.aws/config without AWS_SDK_LOAD_CONFIG=1; " +
			"and a profile chosen at run time may have no region at all.",
		Fixes: []Fix{
			cmd("export AWS_REGION={region} AWS_DEFAULT_REGION={region}"),
			cmd("aws configure set region {region} --profile {profile}", "stores it in the profile"),
		},
		When: []Advice{
			{If: regionOnlyInEnv,
				Why: "Your region {region} is only in AWS_REGION, which boto3 and the AWS CLI v1 do not read."},
			{If: regionInProfile,
				Why:   "Your region {region} comes from [profile {profile}] in {config_file}, which JS SDK v2 tools read only with AWS_SDK_LOAD_CONFIG=1.",
				Fixes: []Fix{cmd("export AWS_SDK_LOAD_CONFIG=1")}},
			{If: noRegion,
				Why: "awsauth finds no region for profile {profile} either: neither AWS_REGION nor AWS_DEFAULT_REGION is set, and the profile has no region."},
			{If: hasRegion,
				Fixes: []Fix{cmd("awsauth exec --profile {profile} -- {cmd}", "sets AWS_REGION and AWS_DEFAULT_REGION for the command")}},
		},
		Keywords: []string{"region"},
	},
	{
		Cause:    IMDSUnavailable,
		Title:    "The EC2 instance metadata service did not answer",
		Priority: 35,
		Match: []Pattern{
			p("169.254.169.254"),
			p("EC2 Metadata"),
			p("instance profile metadata service"),
			weak(p("instance metadata service")), // also in verbose logs that only look the region up there
			boost(p("no EC2 IMDS role found", "StatusCode: 503"), 10),
			boost(p("access disabled to EC2 IMDS"), 10),
			boost(p("no EC2 IMDS role found", "StatusCode: 500"), 10),
		},
		Summary: "Credentials were requested from the EC2 instance metadata service (169.254.169.254), which timed out, refused or failed.",
		Explain: "The instance metadata service is the last place every SDK looks. Off EC2, reaching it only means nothing earlier supplied credentials " +
			"(no_credentials_found). On EC2: inside a container the IMDSv2 hop limit of 1 drops the token response (raise it to 2), " +
			"the instance may have no role, the service may be disabled, or a network policy blocks 169.254.169.254.",
		Fixes: []Fix{
			cmd("awsauth status --profile {profile}", "shows what the chain should have used before the instance metadata service"),
			cmd("aws ec2 modify-instance-metadata-options --instance-id INSTANCE_ID --http-put-response-hop-limit 2", "on EC2, for SDKs inside containers"),
		},
		When: []Advice{
			{If: ssoEnded,
				Why: "Profile {profile} uses IAM Identity Center and {sso_state}. Some SDKs (the JS SDK v2) move on to the instance metadata service " +
					"after an ended SSO session and report its timeout instead.",
				Fixes: []Fix{cmd("awsauth login --profile {profile}")}},
			{If: usesLogin,
				Why:   "Profile {profile} signs in with aws login (login_session), which SDKs released before November 2025 do not read: they skip it and end here.",
				Fixes: []Fix{cmd("awsauth exec --profile {profile} -- {cmd}", "serves the session's credentials to the command through the container endpoint, which every SDK reads")}},
			{If: hasSource,
				Why:   "awsauth finds a credential source for profile {profile} ({chain}): the failing tool did not use that profile and fell through to the instance metadata service.",
				Fixes: []Fix{cmd("awsauth exec --profile {profile} -- {cmd}")}},
			{If: onlyIMDS,
				Why: "awsauth finds nothing configured for profile {profile} either; the instance metadata service is all that is left, and it only answers on EC2."},
			{If: imdsOff, Why: "AWS_EC2_METADATA_DISABLED=true is set, so the SDKs that honour it do not ask the service at all."},
		},
		Keywords: []string{"metadata", "imds", "169.254"},
	},
	{
		Cause:    CredentialProcessFailed,
		Title:    "The credential_process program failed",
		Priority: 86,
		Match: []Pattern{
			p("credential_process"),
			p("custom-process"),
			p("process provider error"),
			p("ProcessProviderParseError"),
			p("ProcessProviderExecutionError"),
		},
		Extract: []string{`(?i)exit status (?P<exit_status>\d+)`},
		Summary: "The program named in credential_process exited with an error, or printed something other than the credentials JSON.",
		Explain: "The SDK runs credential_process and reads one JSON object from its standard output " +
			"({\"Version\": 1, \"AccessKeyId\": ..., \"SecretAccessKey\": ..., \"SessionToken\": ..., \"Expiration\": ...}). " +
			"Exit status 127 means the program was not found (PATH differs under IDEs, cron, CI and sudo); other failures are the program's own, " +
			"often a sign-in of its own that has ended; anything else on standard output breaks the parse.",
		Fixes: []Fix{
			note("run the credential_process command of the profile in a terminal to see its own error"),
			cmd("awsauth status --profile {profile}"),
		},
		When: []Advice{
			{If: usesProcess,
				Why:   "Profile {profile} runs {process} (credential_process in {config_file}).",
				Fixes: []Fix{cmd("command -v {process}", "exit status 127: is it on PATH where the tool runs?")}},
			{If: processIsAwsauth,
				Why:   "The program is awsauth itself.",
				Fixes: []Fix{cmd("awsauth credential-process --profile SOURCE_PROFILE", "run the same command to see the error it printed to the SDK")}},
		},
		Keywords: []string{"process", "credential_process"},
	},
	{
		Cause:    WebIdentityFailed,
		Title:    "Web identity (OIDC) federation failed",
		Priority: 88,
		Match: []Pattern{
			p("AssumeRoleWithWebIdentity"),
			p("InvalidIdentityToken"),
			p("Incorrect token audience"),
			p("No OpenIDConnect provider found"),
			p("IDPRejectedClaim"),
			p("WebIdentityErr"),
			p("web identity token"),
			p("WebIdentityTokenCredentialsProvider"),
		},
		Summary: "STS refused AssumeRoleWithWebIdentity: the OIDC token, its audience or issuer, or the role's trust policy do not match.",
		Explain: "CI systems (GitHub Actions, GitLab) and Kubernetes (EKS IAM roles for service accounts) trade an OIDC token for role credentials. " +
			"'Incorrect token audience' and 'No OpenIDConnect provider found' mean the IAM OIDC provider for the issuer is missing or lists another " +
			"audience (sts.amazonaws.com for GitHub and EKS). 'Not authorized to perform sts:AssumeRoleWithWebIdentity' means the trust policy's conditions " +
			"on sub and aud do not match the token. An expired token means the token file was not renewed.",
		Fixes: []Fix{
			cmd("aws iam list-open-id-connect-providers", "the provider for the token's issuer must exist in the role's account"),
			note("compare the token's iss, aud and sub claims with the role's trust policy conditions"),
		},
		When: []Advice{
			{If: usesWebIdentity, Why: "Profile {profile} assumes {role} with the token in {token_file}."},
		},
		Keywords: []string{"web identity", "oidc", "token"},
	},
	{
		Cause:    EKSUnauthorized,
		Title:    "The EKS cluster does not accept this IAM identity",
		Priority: 55,
		Match: []Pattern{
			p("You must be logged in to the server"),
			p("the server has asked for the client to provide credentials"),
		},
		Summary: "The Kubernetes API server refused kubectl's token: the IAM identity behind it is not mapped to a Kubernetes user, " +
			"or the token is for another identity than intended, or it has expired.",
		Explain: "kubectl authenticates to EKS with a token from aws eks get-token (or aws-iam-authenticator): a signed sts:GetCallerIdentity request. " +
			"The cluster maps the IAM identity behind it to Kubernetes permissions through access entries or the aws-auth ConfigMap, and refuses one it does not know; " +
			"at first only the identity that created the cluster is mapped. Common surprises: kubectl signed as another identity than intended " +
			"(keys in the environment, another profile, no AWS_PROFILE in the kubeconfig's env), an IAM Identity Center role mapped with its " +
			"aws-reserved/sso.amazonaws.com/ path, which aws-auth does not match, an assumed-role session ARN mapped instead of the role's ARN, " +
			"and a token kept longer than its 15 minutes by a long-running client.",
		Fixes: []Fix{
			cmd("awsauth status --profile {profile}", "the identity kubectl's token is signed as"),
			cmd("aws eks list-access-entries --cluster-name CLUSTER", "the identities the cluster maps (run as its creator or an administrator)"),
			cmd("aws eks create-access-entry --cluster-name CLUSTER --principal-arn ROLE_ARN", "then aws eks associate-access-policy to give it permissions"),
			cmd("aws eks update-kubeconfig --name CLUSTER --profile {profile}", "so that kubectl signs with this profile"),
		},
		When: []Advice{
			{If: ssoAny,
				Why: "Profile {profile} uses IAM Identity Center: the cluster must map the role arn:aws:iam::{my_account}:role/AWSReservedSSO_..., " +
					"written without the aws-reserved/sso.amazonaws.com/ path in aws-auth."},
			{If: assumesRole, Why: "Profile {profile} assumes {role}: map that role's ARN, not the assumed-role session's."},
			{If: envKeysUsed,
				Why:   "The keys in AWS_ACCESS_KEY_ID win over any profile: the token is signed as whoever those keys belong to.",
				Fixes: []Fix{cmd("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN")}},
		},
		Keywords: []string{"unauthorized", "kubectl", "logged in"},
	},
	{
		Cause:    EKSExecPluginFailed,
		Title:    "kubectl could not run its AWS credential plugin",
		Priority: 58,
		Match: []Pattern{
			boost(p("exec plugin: invalid apiVersion"), 5),
			boost(p("exec plugin is configured to use API version"), 5),
			boost(p("getting credentials: exec:", "not found"), 5),
			boost(p("getting token: exec:", "not found"), 5),
			boost(p("client-go credential plugin that is not installed"), 5),
			// "executable aws failed with exit code 255": the command's own
			// error, printed before it, is the cause.
			weak(p("getting credentials: exec:")),
			weak(p("getting token: exec:")),
		},
		Summary: "The kubeconfig has kubectl run a command (aws eks get-token or aws-iam-authenticator) for its token, and that command was not found, " +
			"failed, or speaks an API version kubectl no longer accepts.",
		Explain: "'executable ... not found' means the command is not on the PATH of the process that runs kubectl: IDEs, CI images, containers and sudo have their own. " +
			"'invalid apiVersion client.authentication.k8s.io/v1alpha1' means the kubeconfig was written by an AWS CLI older than 1.24 (v1) or 2.7 (v2), " +
			"for a kubectl 1.24 or later, which dropped v1alpha1: writing it again fixes it. " +
			"'failed with exit code' means the command ran and failed: its own error, printed just before, is the cause (an ended SSO session, " +
			"an unreadable config file, no credentials).",
		Fixes: []Fix{
			cmd("aws eks update-kubeconfig --name CLUSTER --profile {profile}", "writes the user entry again, with the current apiVersion and this profile"),
			cmd("aws eks get-token --cluster-name CLUSTER --profile {profile}", "runs the plugin by hand, to see its own error"),
			cmd("command -v aws", "is it on PATH where kubectl runs? the kubeconfig may name it by full path instead"),
		},
		When: []Advice{
			{If: ssoEnded,
				Why:   "Profile {profile} uses IAM Identity Center and {sso_state}: aws eks get-token fails on that.",
				Fixes: []Fix{cmd("awsauth login --profile {profile}")}},
			{If: loginEnded,
				Why:   "Profile {profile} signs in with aws login and {login_state}: aws eks get-token fails on that.",
				Fixes: []Fix{cmd("aws login --profile {profile}")}},
		},
		Keywords: []string{"exec plugin", "kubeconfig", "get-token"},
	},
}
