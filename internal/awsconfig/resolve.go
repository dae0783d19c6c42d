package awsconfig

import (
	"context"
	"errors"
	"fmt"
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
		return nil, err
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
	var arErr config.SharedConfigAssumeRoleError
	if errors.As(err, &arErr) {
		var nf config.SharedConfigProfileNotExistError
		if errors.As(arErr.Err, &nf) {
			return sc, &ProfileNotFoundError{
				Name: arErr.Profile, From: "source_profile", Files: inv.Files,
				Suggestions: Nearest(arErr.Profile, inv.Names()), HaveProfiles: true,
			}
		}
		return sc, &InvalidProfileError{Profile: name, File: inv.Files.Config,
			Err: fmt.Errorf("source profile %q of role %s defines no credentials", arErr.Profile, arErr.RoleARN)}
	}
	var reqARN config.CredentialRequiresARNError
	if errors.As(err, &reqARN) {
		return sc, &InvalidProfileError{Profile: reqARN.Profile, File: inv.Files.Config,
			Err: fmt.Errorf("%s is set but role_arn is missing", reqARN.Type)}
	}
	return sc, &InvalidProfileError{Profile: name, File: inv.Files.Config, Err: err}
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
			return &CycleError{Path: path, File: inv.Files.Config}
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
		h, err := credentialSourceHop(name, sc, env)
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
		if sc.SSOSession != nil {
			h.Kind = KindSSO
			h.SSO.Session = sc.SSOSession.Name
			h.SSO.StartURL = sc.SSOSession.SSOStartURL
			h.SSO.Region = sc.SSOSession.SSORegion
			h.SSO.Scopes = inv.getSession(sc.SSOSession.Name, "sso_registration_scopes")
			h.Reason = fmt.Sprintf("profile %s has sso_session = %s", name, sc.SSOSession.Name)
		} else {
			h.Reason = fmt.Sprintf("profile %s has sso_start_url (legacy SSO, no sso_session)", name)
			if err := missingLegacySSO(sc); err != nil {
				return nil, &InvalidProfileError{Profile: name, File: inv.Files.Config, Err: err}
			}
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
			return nil, &NoSourceError{Profile: name, RoleARN: sc.RoleARN, File: inv.Files.Config}
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

func missingLegacySSO(sc *config.SharedConfig) error {
	var missing []string
	for _, kv := range [][2]string{{"sso_start_url", sc.SSOStartURL}, {"sso_region", sc.SSORegion}, {"sso_account_id", sc.SSOAccountID}, {"sso_role_name", sc.SSORoleName}} {
		if kv[1] == "" {
			missing = append(missing, kv[0])
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("SSO settings are incomplete: missing %s", strings.Join(missing, ", "))
	}
	return nil
}

func credentialSourceHop(name string, sc *config.SharedConfig, env sysenv.Env) (Hop, error) {
	reason := fmt.Sprintf("profile %s has credential_source = %s", name, sc.CredentialSource)
	switch sc.CredentialSource {
	case "Environment":
		return Hop{Profile: name, Kind: KindEnv, Static: envCredentials(env), Reason: reason}, nil
	case "EcsContainer":
		h := containerHop(env)
		h.Profile, h.Reason = name, reason
		if h.ContainerURI == "" {
			return h, &InvalidProfileError{Profile: name, Err: errors.New("credential_source = EcsContainer but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set")}
		}
		return h, nil
	case "Ec2InstanceMetadata":
		return Hop{Profile: name, Kind: KindIMDS, Reason: reason, Detail: "EC2 instance metadata (IMDSv2)",
			IMDSDisabled: strings.EqualFold(env.Get("AWS_EC2_METADATA_DISABLED"), "true")}, nil
	}
	return Hop{}, &InvalidProfileError{Profile: name,
		Err: fmt.Errorf("credential_source = %q: it must be EcsContainer, Ec2InstanceMetadata or Environment", sc.CredentialSource)}
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
