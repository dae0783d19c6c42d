package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/awsauth/awsauth/internal/sysenv"
)

// Request says what to resolve.
type Request struct {
	// Profile is the --profile flag. Set, it wins over environment keys, as
	// config.WithSharedConfigProfile does in the Go SDK.
	Profile string
	// Region is the --region flag.
	Region string
	Env    sysenv.Env
	// Files overrides the shared files; zero means LocateFiles(Env).
	Files Files
}

// ecsHost is where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI points.
const ecsHost = "http://169.254.170.2"

// Resolve works out which credential source the Go SDK v2 default chain
// takes for req, as a [Trace], without touching the network.
func Resolve(ctx context.Context, req Request) (*Trace, error) {
	env := req.Env
	if env == nil {
		env = sysenv.FromMap(nil)
	}
	files := req.Files
	if files == (Files{}) {
		files = LocateFiles(env)
	}
	inv, err := Load(files)
	if err != nil {
		return nil, readError(err)
	}
	return ResolveIn(ctx, inv, req, env)
}

// ResolveIn is Resolve over an already loaded [Inventory].
func ResolveIn(ctx context.Context, inv *Inventory, req Request, env sysenv.Env) (*Trace, error) {
	t := &Trace{Files: inv.Files}
	explicit := req.Profile != ""
	switch {
	case explicit:
		t.Profile, t.ProfileFrom = req.Profile, "--profile"
	default:
		if v, name := env.First("AWS_PROFILE", "AWS_DEFAULT_PROFILE"); v != "" {
			t.Profile, t.ProfileFrom = v, name
		} else {
			t.Profile, t.ProfileFrom = "default", "default"
		}
	}
	_, t.ProfileExists = inv.Profile(t.Profile)
	if !t.ProfileExists && t.ProfileFrom != "default" {
		return nil, &ProfileNotFoundError{
			Name: t.Profile, From: t.ProfileFrom, Files: inv.Files,
			Suggestions: Nearest(t.Profile, inv.Names()), HaveProfiles: len(inv.Profiles) > 0,
			Misplaced: misplaced(viewOf(inv.Files), t.Profile),
		}
	}

	var sc config.SharedConfig
	if t.ProfileExists {
		if err := checkSourceChain(inv, t.Profile); err != nil {
			return nil, err
		}
		sc, err := loadProfile(ctx, inv, t.Profile)
		if err != nil {
			return nil, err
		}
		return finish(t, inv, req, env, &sc)
	}
	return finish(t, inv, req, env, &sc)
}

func finish(t *Trace, inv *Inventory, req Request, env sysenv.Env, sc *config.SharedConfig) (*Trace, error) {
	explicit := req.Profile != ""
	envCreds := envCredentials(env)
	switch {
	case !explicit && envCreds.HasKeys():
		h := Hop{Kind: KindEnv, Static: envCreds,
			Reason: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set, and no --profile was given"}
		if envCreds.SessionToken != "" {
			h.Detail = "temporary keys (AWS_SESSION_TOKEN is set)"
		} else {
			h.Detail = "long-term keys"
		}
		if v := env.Get("AWS_CREDENTIAL_EXPIRATION"); v != "" {
			if exp, err := time.Parse(time.RFC3339, v); err == nil {
				h.Expires = &exp
			}
		}
		t.Hops = []Hop{h}
		if t.ProfileFrom == "AWS_PROFILE" || t.ProfileFrom == "AWS_DEFAULT_PROFILE" {
			t.Warnings = append(t.Warnings, Warning{
				ID: "env-keys-beat-profile",
				Message: fmt.Sprintf("%s=%s is set, but the Go SDK, boto3 and the AWS CLI use AWS_ACCESS_KEY_ID instead; the JS SDK v3 uses profile %s: tools in one deployment may act as different identities",
					t.ProfileFrom, t.Profile, t.Profile),
				Fix: "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN   (or: unset " + t.ProfileFrom + ")",
			})
		}
	case !explicit && env.Get("AWS_WEB_IDENTITY_TOKEN_FILE") != "":
		h := Hop{Kind: KindWebIdentity,
			Reason:               "AWS_WEB_IDENTITY_TOKEN_FILE is set, no keys are in the environment and no --profile was given",
			RoleARN:              env.Get("AWS_ROLE_ARN"),
			RoleSessionName:      env.Get("AWS_ROLE_SESSION_NAME"),
			WebIdentityTokenFile: env.Get("AWS_WEB_IDENTITY_TOKEN_FILE"),
		}
		h.Detail = "role " + h.RoleARN
		t.Hops = []Hop{h}
	default:
		hops, err := profileHops(inv, sc, env, t.Profile, t.ProfileExists)
		if err != nil {
			return nil, err
		}
		t.Hops = hops
	}
	t.Region, t.RegionFrom = region(req, env, sc)
	t.Warnings = append(t.Warnings, warnings(t, inv, env, sc)...)
	return t, nil
}

// loadProfile loads name through the SDK, turning its errors into ours.
func loadProfile(ctx context.Context, inv *Inventory, name string) (config.SharedConfig, error) {
	sc, err := config.LoadSharedConfigProfile(ctx, name, func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles = []string{inv.Files.Config}
		o.CredentialsFiles = []string{inv.Files.Credentials}
	})
	if err == nil {
		return sc, nil
	}
	if ours := diagnose(inv, name); ours != nil {
		if e, ok := ours.(*InvalidProfileError); ok {
			e.Err = err
		}
		return sc, ours
	}
	file, line := inv.where(name, "")
	return sc, &InvalidProfileError{Profile: name, File: file, Line: line, Err: err,
		Problem: "the AWS SDKs cannot load it: " + sdkReason(err),
		Fix:     []string{fmt.Sprintf("fix [profile %s] in %s (the settings are described at https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html)", name, file)}}
}

// readError turns a failure to read a shared file into a [ReadError].
func readError(err error) error {
	var syn *SyntaxError
	var pe *fs.PathError
	if !errors.As(err, &syn) && errors.As(err, &pe) {
		// Windows says "Incorrect function" when a directory is read.
		fi, statErr := os.Stat(pe.Path)
		return &ReadError{File: pe.Path, Err: err, IsDir: statErr == nil && fi.IsDir()}
	}
	return err
}

// where returns the file and line of key in profile, as the SDK reads the
// files; the profile's section header when key is "" or not set there.
func (inv *Inventory) where(profile, key string) (string, int) {
	v := viewOf(inv.Files)
	if s, ok := v.profile(profile); ok {
		return s.at(key)
	}
	return inv.Files.Config, 0
}

// checkSourceChain follows source_profile from name and reports a loop that
// the SDK could not end. The SDK ends a chain on a profile it has seen
// before only when that profile has static keys.
func checkSourceChain(inv *Inventory, name string) error {
	seen := map[string]bool{}
	path := []string{}
	cur := name
	for cur != "" {
		path = append(path, cur)
		if seen[cur] {
			if inv.get(cur, "aws_access_key_id") != "" && inv.get(cur, "aws_secret_access_key") != "" {
				return nil
			}
			file, line := inv.where(path[len(path)-2], "source_profile")
			return &CycleError{Path: path, File: file, Line: line}
		}
		seen[cur] = true
		if _, ok := inv.Profile(cur); !ok {
			return nil // the SDK reports the missing profile
		}
		next := inv.get(cur, "source_profile")
		if next != "" && len(path) > 1 && inv.get(cur, "aws_access_key_id") != "" && inv.get(cur, "aws_secret_access_key") != "" {
			// A source profile with keys ends the chain; its own
			// source_profile is not followed.
			return nil
		}
		cur = next
	}
	return nil
}

func envCredentials(env sysenv.Env) aws.Credentials {
	id, _ := env.First("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY")
	secret, _ := env.First("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY")
	c := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, Source: "EnvConfigCredentials"}
	if c.HasKeys() {
		c.SessionToken = env.Get("AWS_SESSION_TOKEN")
		c.AccountID = env.Get("AWS_ACCOUNT_ID")
	}
	return c
}

// profileHops mirrors the Go SDK's resolveCredsFromProfile.
func profileHops(inv *Inventory, sc *config.SharedConfig, env sysenv.Env, name string, exists bool) ([]Hop, error) {
	var wrap []Hop
	if sc.RoleARN != "" && sc.WebIdentityTokenFile == "" {
		h := Hop{Profile: name, Kind: KindAssumeRole,
			RoleARN: sc.RoleARN, ExternalID: sc.ExternalID, MFASerial: sc.MFASerial,
			RoleSessionName: sc.RoleSessionName, Detail: "role " + sc.RoleARN}
		if sc.RoleDurationSeconds != nil {
			if err := checkDuration(inv, name, *sc.RoleDurationSeconds); err != nil {
				return nil, err
			}
			h.Duration = *sc.RoleDurationSeconds
		}
		switch {
		case sc.Source != nil:
			h.Reason = fmt.Sprintf("profile %s has role_arn and source_profile = %s", name, sc.SourceProfileName)
		case sc.CredentialSource != "":
			h.Reason = fmt.Sprintf("profile %s has role_arn and credential_source = %s", name, sc.CredentialSource)
		default:
			h.Reason = fmt.Sprintf("profile %s has role_arn; its own credentials assume the role", name)
		}
		if sc.MFASerial != "" {
			h.Detail += ", MFA " + sc.MFASerial
		}
		wrap = []Hop{h}
	}

	var base []Hop
	switch {
	case sc.Source != nil:
		src, err := profileHops(inv, sc.Source, env, sc.Source.Profile, true)
		if err != nil {
			return nil, err
		}
		base = src
	case sc.Credentials.HasKeys():
		h := Hop{Profile: name, Kind: KindStatic, Static: sc.Credentials}
		where := inv.Files.Credentials
		if p, ok := inv.Profile(name); ok && !p.InCredentials {
			where = inv.Files.Config
		}
		h.Reason = fmt.Sprintf("profile %s has aws_access_key_id and aws_secret_access_key in %s", name, where)
		h.Detail = "long-term keys"
		if sc.Credentials.SessionToken != "" {
			h.Detail = "temporary keys (aws_session_token is set)"
		}
		base = []Hop{h}
	case sc.CredentialSource != "":
		h, err := credentialSourceHop(inv, name, sc, env)
		if err != nil {
			return nil, err
		}
		base = []Hop{h}
	case sc.WebIdentityTokenFile != "":
		return []Hop{{Profile: name, Kind: KindWebIdentity,
			Reason:               fmt.Sprintf("profile %s has web_identity_token_file and role_arn", name),
			Detail:               "role " + sc.RoleARN,
			RoleARN:              sc.RoleARN,
			RoleSessionName:      sc.RoleSessionName,
			WebIdentityTokenFile: sc.WebIdentityTokenFile,
		}}, nil
	case sc.SSOSessionName != "" || sc.SSOStartURL != "" || sc.SSOAccountID != "" || sc.SSORoleName != "" || sc.SSORegion != "":
		h := Hop{Profile: name, Kind: KindSSOLegacy, SSO: &SSOSettings{
			StartURL: sc.SSOStartURL, Region: sc.SSORegion, AccountID: sc.SSOAccountID, RoleName: sc.SSORoleName,
		}}
		if err := checkSSO(inv, name, sc); err != nil {
			return nil, err
		}
		if sc.SSOSession != nil {
			h.Kind = KindSSO
			h.SSO.Session = sc.SSOSession.Name
			h.SSO.StartURL = sc.SSOSession.SSOStartURL
			h.SSO.Region = sc.SSOSession.SSORegion
			h.SSO.Scopes = inv.getSession(sc.SSOSession.Name, "sso_registration_scopes")
			h.Reason = fmt.Sprintf("profile %s has sso_session = %s", name, sc.SSOSession.Name)
		} else {
			h.Reason = fmt.Sprintf("profile %s has sso_start_url (legacy SSO, no sso_session)", name)
		}
		h.Detail = fmt.Sprintf("role %s in account %s", h.SSO.RoleName, h.SSO.AccountID)
		base = []Hop{h}
	case sc.LoginSession != "":
		base = []Hop{{Profile: name, Kind: KindLogin, LoginSession: sc.LoginSession,
			Reason: fmt.Sprintf("profile %s has login_session (aws login)", name),
			Detail: "login session " + sc.LoginSession}}
	case sc.CredentialProcess != "":
		base = []Hop{{Profile: name, Kind: KindProcess, CredentialProcess: sc.CredentialProcess,
			Reason: fmt.Sprintf("profile %s has credential_process", name),
			Detail: firstWord(sc.CredentialProcess)}}
	default:
		if len(wrap) > 0 {
			file, line := inv.where(name, "role_arn")
			return nil, &NoSourceError{Profile: name, RoleARN: sc.RoleARN, File: file, Line: line}
		}
		why := fmt.Sprintf("profile %s defines no credentials", name)
		if !exists {
			why = "no profile is selected and [default] is not defined"
		}
		base = []Hop{fallbackHop(why, env)}
	}
	return append(wrap, base...), nil
}

func (inv *Inventory) getSession(name, key string) string { return inv.sessionSettings[name][key] }

// checkSSO mirrors the SDK's validateSSOConfiguration, which runs when it
// builds the SSO credential provider: an sso-session needs its start URL and
// region, which the profile may repeat but not contradict; a legacy profile
// needs all four settings.
func checkSSO(inv *Inventory, name string, sc *config.SharedConfig) error {
	if sc.SSOSessionName != "" && sc.SSOSession != nil {
		var missing []string
		if sc.SSOSession.SSOStartURL == "" {
			missing = append(missing, "sso_start_url")
		}
		if sc.SSOSession.SSORegion == "" {
			missing = append(missing, "sso_region")
		}
		if len(missing) == 0 && (sc.SSORegion == "" || sc.SSORegion == sc.SSOSession.SSORegion) &&
			(sc.SSOStartURL == "" || sc.SSOStartURL == sc.SSOSession.SSOStartURL) {
			return nil
		}
		// Something is wrong: read the files again for the lines.
		sess, _ := viewOf(inv.Files).ssoSession(sc.SSOSessionName)
		file, line := inv.Files.Config, 0
		if sess != nil {
			file, line = sess.File, sess.Line
		}
		if len(missing) > 0 {
			fix := []string{fmt.Sprintf("add %s under [sso-session %s] (line %d of %s)", settingExamples(missing), sc.SSOSessionName, line, file)}
			return &InvalidProfileError{Profile: name, File: file, Line: line,
				Problem: fmt.Sprintf("its [sso-session %s] has no %s", sc.SSOSessionName, strings.Join(missing, " and no ")), Fix: fix}
		}
		for _, kv := range [][3]string{
			{"sso_region", sc.SSORegion, sc.SSOSession.SSORegion},
			{"sso_start_url", sc.SSOStartURL, sc.SSOSession.SSOStartURL},
		} {
			if kv[1] == "" || kv[1] == kv[2] {
				continue
			}
			f, l := inv.where(name, kv[0])
			_, sl := sess.at(kv[0])
			return &InvalidProfileError{Profile: name, File: f, Line: l,
				Problem: fmt.Sprintf("%s = %s differs from the %s = %s of [sso-session %s] (line %d)", kv[0], kv[1], kv[0], kv[2], sc.SSOSessionName, sl),
				Fix:     []string{fmt.Sprintf("remove %s from [profile %s] (line %d of %s): the sso-session's applies", kv[0], name, l, f)}}
		}
		return nil
	}
	var missing []string
	for _, kv := range [][2]string{{"sso_start_url", sc.SSOStartURL}, {"sso_region", sc.SSORegion}, {"sso_account_id", sc.SSOAccountID}, {"sso_role_name", sc.SSORoleName}} {
		if kv[1] == "" {
			missing = append(missing, kv[0])
		}
	}
	if len(missing) == 0 {
		return nil
	}
	file, line := inv.where(name, "")
	return &InvalidProfileError{Profile: name, File: file, Line: line,
		Problem: fmt.Sprintf("legacy SSO settings are incomplete, missing %s", joinAnd(missing)),
		Fix: []string{
			fmt.Sprintf("add %s to [profile %s] (line %d of %s)", settingExamples(missing), name, line, file),
			"or set the profile up again with an sso-session, which can be refreshed without a browser: aws configure sso",
		}}
}

// settingExamples shows what each missing setting looks like.
func settingExamples(keys []string) string {
	ex := map[string]string{
		"sso_start_url":  "sso_start_url = https://YOUR-PORTAL.awsapps.com/start",
		"sso_region":     "sso_region = REGION",
		"sso_account_id": "sso_account_id = 123456789012",
		"sso_role_name":  "sso_role_name = ROLE",
	}
	var out []string
	for _, k := range keys {
		out = append(out, "\""+ex[k]+"\"")
	}
	return joinAnd(out)
}

// The role session lengths AWS accepts, in seconds.
const (
	minRoleSeconds = 900
	maxRoleSeconds = 43200
)

// checkDuration refuses a duration_seconds that AWS would refuse. The Go SDK
// reads a non-number as 0 and asks for its default of 15 minutes for any
// value under 15 minutes; awsauth passes the value on, as the AWS CLI and
// boto3 do, so it says at once what AWS would say at the first call.
func checkDuration(inv *Inventory, name string, d time.Duration) error {
	if d >= minRoleSeconds*time.Second && d <= maxRoleSeconds*time.Second {
		return nil
	}
	// The SDK reads anything but a number as 0: read the files again for
	// what was written, and where.
	v := viewOf(inv.Files)
	s, ok := v.profile(name)
	if !ok || !s.has("duration_seconds") {
		return nil
	}
	raw := s.get("duration_seconds")
	f, l := s.at("duration_seconds")
	fix := []string{fmt.Sprintf("set duration_seconds on line %d of %s to a value from %d to %d (15 minutes to 12 hours, up to the role's maximum), or remove it for 1 hour", l, f, minRoleSeconds, maxRoleSeconds)}
	n, err := strconv.ParseInt(raw, 0, 64)
	if err != nil {
		return &InvalidProfileError{Profile: name, File: f, Line: l, Fix: fix,
			Problem: fmt.Sprintf("duration_seconds = %q is not a whole number of seconds", raw)}
	}
	if n < minRoleSeconds || n > maxRoleSeconds {
		return &InvalidProfileError{Profile: name, File: f, Line: l, Fix: fix,
			Problem: fmt.Sprintf("duration_seconds = %d is outside the %d to %d seconds AWS accepts for a role session", n, minRoleSeconds, maxRoleSeconds)}
	}
	return nil
}

func credentialSourceHop(inv *Inventory, name string, sc *config.SharedConfig, env sysenv.Env) (Hop, error) {
	reason := fmt.Sprintf("profile %s has credential_source = %s", name, sc.CredentialSource)
	switch sc.CredentialSource {
	case "Environment":
		return Hop{Profile: name, Kind: KindEnv, Static: envCredentials(env), Reason: reason}, nil
	case "EcsContainer":
		h := containerHop(env)
		h.Profile, h.Reason = name, reason
		if h.ContainerURI == "" {
			f, l := inv.where(name, "credential_source")
			return h, &InvalidProfileError{Profile: name, File: f, Line: l,
				Problem: "credential_source = EcsContainer, but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set: this is not an ECS task or EKS pod",
				Fix: []string{
					"run it inside the container, or export AWS_CONTAINER_CREDENTIALS_FULL_URI (and AWS_CONTAINER_AUTHORIZATION_TOKEN) to point at a credentials endpoint",
					fmt.Sprintf("elsewhere, use another source: credential_source on line %d of %s", l, f),
				}}
		}
		return h, nil
	case "Ec2InstanceMetadata":
		return Hop{Profile: name, Kind: KindIMDS, Reason: reason, Detail: "EC2 instance metadata (IMDSv2)",
			IMDSDisabled: strings.EqualFold(env.Get("AWS_EC2_METADATA_DISABLED"), "true")}, nil
	}
	f, l := inv.where(name, "credential_source")
	fix := fmt.Sprintf("set credential_source on line %d of %s to one of them", l, f)
	for _, v := range []string{"Ec2InstanceMetadata", "EcsContainer", "Environment"} {
		if strings.EqualFold(v, strings.TrimSpace(sc.CredentialSource)) {
			fix = fmt.Sprintf("write it as \"credential_source = %s\" on line %d of %s: the SDKs compare it case by case", v, l, f)
		}
	}
	return Hop{}, &InvalidProfileError{Profile: name, File: f, Line: l,
		Problem: fmt.Sprintf("credential_source = %q is not one of Ec2InstanceMetadata, EcsContainer, Environment", sc.CredentialSource),
		Fix:     []string{fix}}
}

func containerHop(env sysenv.Env) Hop {
	h := Hop{Kind: KindContainer,
		ContainerAuthToken:     env.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
		ContainerAuthTokenFile: env.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")}
	if rel := env.Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); rel != "" {
		h.ContainerURI = ecsHost + rel
		h.Detail = "ECS task role endpoint " + h.ContainerURI
	} else if full := env.Get("AWS_CONTAINER_CREDENTIALS_FULL_URI"); full != "" {
		h.ContainerURI = full
		h.Detail = "endpoint " + redactURL(full)
	}
	return h
}

// fallbackHop is where the chain ends when no profile supplies credentials.
func fallbackHop(why string, env sysenv.Env) Hop {
	if h := containerHop(env); h.ContainerURI != "" {
		name := "AWS_CONTAINER_CREDENTIALS_FULL_URI"
		if env.Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != "" {
			name = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
		}
		h.Reason = why + ", and " + name + " is set"
		return h
	}
	return Hop{Kind: KindIMDS, Detail: "EC2 instance metadata (IMDSv2)",
		Reason:       why + ", and no container endpoint is set: the SDKs try the EC2 instance metadata service last",
		IMDSDisabled: strings.EqualFold(env.Get("AWS_EC2_METADATA_DISABLED"), "true")}
}

func region(req Request, env sysenv.Env, sc *config.SharedConfig) (string, string) {
	if req.Region != "" {
		return req.Region, "--region"
	}
	if v, name := env.First("AWS_REGION", "AWS_DEFAULT_REGION"); v != "" {
		return v, name
	}
	if sc.Region != "" {
		return sc.Region, "profile " + sc.Profile
	}
	return "", ""
}

func firstWord(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t"); i > 0 {
		return s[:i] + " ..."
	}
	return s
}

// redactURL drops user info and query from a URL that may carry a secret.
func redactURL(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if at := strings.Index(u, "@"); at >= 0 {
		if s := strings.Index(u, "://"); s >= 0 && s < at {
			u = u[:s+3] + u[at+1:]
		}
	}
	return u
}
