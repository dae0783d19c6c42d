package explain

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/ssotoken"
	"github.com/awsauth/awsauth/internal/sysenv"
)

// Situation is what awsauth knows about the person's setup: the resolved
// credential chain, the environment and the SSO token cache. Advice in the
// [Rules] is chosen by it. It holds no secrets.
type Situation struct {
	// Known is false when the chain could not be resolved; ResolveError then
	// says why.
	Known        bool
	ResolveError string

	Profile       string
	ProfileFrom   string
	ProfileExists bool
	Region        string
	RegionFrom    string
	Source        awsconfig.Kind
	Chain         string

	SSO            bool // an IAM Identity Center hop, either kind
	SSOLegacy      bool
	SSOName        string // "sso-session NAME", or the start URL of a legacy profile
	SSOToken       TokenState
	SSORefreshable bool
	SSOExpires     *time.Time
	SSOState       string // a sentence about the cached token

	AssumeRole   bool
	RoleARN      string
	RoleSource   awsconfig.Kind
	RoleChained  bool
	RoleDuration time.Duration
	MFASerial    string

	// Login is an aws login hop (login_session); LoginProfile holds it and
	// LoginSession is its value, the signed-in identity's ARN.
	Login        bool
	LoginProfile string
	LoginSession string
	LoginToken   TokenState
	LoginState   string // a sentence about the cached login session
	// LoginProfiles are the profiles in the shared files that sign in with
	// aws login, whichever profile the chain resolved.
	LoginProfiles []string

	WebIdentity bool
	TokenFile   string
	Process     string // the program credential_process runs, without its arguments
	Container   bool
	IMDS        bool
	IMDSOff     bool

	StaticTemp     bool // the profile's own keys carry aws_session_token
	StaticLongTerm bool

	EnvKeys         bool // AWS_ACCESS_KEY_ID and a secret are set
	EnvSessionToken bool
	EnvKeysUsed     bool // and they are what the chain uses
	EnvProfile      string
	LoadConfig      bool // AWS_SDK_LOAD_CONFIG is set
	JSv2Blind       bool // the profile is only in the config file and AWS_SDK_LOAD_CONFIG is unset

	ConfigFile      string
	CredentialsFile string
	Account         string // the account the profile's role is in, when the config says

	Profiles []awsconfig.Profile

	// Tool is the command the log came from, when recognised ("cdk deploy").
	Tool string
	// Line holds what was read out of the matched line ({account}, ...).
	Line map[string]string

	botoRegion bool // AWS_DEFAULT_REGION is set
}

// TokenState is what the SSO token cache holds for the profile's session.
type TokenState string

// Token cache states.
const (
	TokenNone    TokenState = "none"
	TokenMissing TokenState = "missing"
	TokenCorrupt TokenState = "corrupt"
	TokenExpired TokenState = "expired"
	TokenValid   TokenState = "valid"
)

// Describe builds the [Situation] from a resolution [awsconfig.Trace] (nil
// when Resolve failed with resolveErr), the shared files' inventory (may be
// nil), the environment and the time. It reads the SSO token cache under
// HOME; it never touches the network.
func Describe(t *awsconfig.Trace, resolveErr error, inv *awsconfig.Inventory, env sysenv.Env, now time.Time) *Situation {
	s := &Situation{SSOToken: TokenNone}
	id, _ := env.First("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY")
	secret, _ := env.First("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY")
	s.EnvKeys = id != "" && secret != ""
	s.EnvSessionToken = s.EnvKeys && env.Get("AWS_SESSION_TOKEN") != ""
	s.EnvProfile = env.Get("AWS_PROFILE")
	s.LoadConfig = env.Get("AWS_SDK_LOAD_CONFIG") != ""
	s.botoRegion = env.Get("AWS_DEFAULT_REGION") != ""
	files := awsconfig.LocateFiles(env)
	s.ConfigFile, s.CredentialsFile = files.Config, files.Credentials
	if inv != nil {
		s.Profiles = inv.Profiles
		s.ConfigFile, s.CredentialsFile = inv.Files.Config, inv.Files.Credentials
		for _, p := range inv.Profiles {
			if p.Kind == awsconfig.KindLogin {
				s.LoginProfiles = append(s.LoginProfiles, p.Name)
			}
		}
	}
	if t == nil {
		s.Profile = "default"
		if v, _ := env.First("AWS_PROFILE", "AWS_DEFAULT_PROFILE"); v != "" {
			s.Profile = v
		}
		var nf *awsconfig.ProfileNotFoundError
		if errors.As(resolveErr, &nf) {
			s.Profile, s.ProfileFrom = nf.Name, nf.From
		}
		if resolveErr != nil {
			s.ResolveError = Redact(firstLine(resolveErr.Error()))
		}
		return s
	}
	s.Known = true
	s.Profile, s.ProfileFrom, s.ProfileExists = t.Profile, t.ProfileFrom, t.ProfileExists
	s.Region, s.RegionFrom = t.Region, t.RegionFrom
	s.Source = t.Source()
	s.Chain = chainText(t)
	for _, w := range t.Warnings {
		if w.ID == "js-sdk-v2-load-config" {
			s.JSv2Blind = true
		}
	}
	if p, ok := profileNamed(s.Profiles, s.Profile); ok {
		s.Account = p.Account
	}
	for i, h := range t.Hops {
		switch h.Kind {
		case awsconfig.KindAssumeRole:
			if s.AssumeRole {
				continue
			}
			s.AssumeRole, s.RoleARN, s.RoleDuration = true, h.RoleARN, h.Duration
			if h.MFASerial != "" {
				s.MFASerial = h.MFASerial
			}
			if i+1 < len(t.Hops) {
				src := t.Hops[i+1]
				s.RoleSource = src.Kind
				s.RoleChained = chains(src)
			}
		case awsconfig.KindSSO, awsconfig.KindSSOLegacy:
			if s.SSO {
				continue
			}
			s.SSO, s.SSOLegacy = true, h.Kind == awsconfig.KindSSOLegacy
			if h.SSO != nil {
				s.SSOName = h.SSO.StartURL
				if h.SSO.Session != "" {
					s.SSOName = "sso-session " + h.SSO.Session
				}
				if s.Account == "" {
					s.Account = h.SSO.AccountID
				}
				s.readToken(awsconfig.HomeDir(env), h.SSO, now)
			}
		case awsconfig.KindWebIdentity:
			s.WebIdentity, s.TokenFile = true, h.WebIdentityTokenFile
			if s.RoleARN == "" {
				s.RoleARN = h.RoleARN
			}
		case awsconfig.KindLogin:
			if s.Login {
				continue
			}
			s.Login, s.LoginProfile, s.LoginSession = true, h.Profile, h.LoginSession
			s.readLoginToken(env, now)
		case awsconfig.KindProcess:
			s.Process = program(h.CredentialProcess)
		case awsconfig.KindContainer:
			s.Container = true
		case awsconfig.KindIMDS:
			s.IMDS, s.IMDSOff = true, h.IMDSDisabled
		case awsconfig.KindStatic:
			s.StaticTemp = h.Static.SessionToken != ""
			s.StaticLongTerm = !s.StaticTemp
		case awsconfig.KindEnv:
			s.EnvKeysUsed = true
		}
	}
	if s.Account == "" && s.RoleARN != "" {
		s.Account = accountOf(s.RoleARN)
	}
	return s
}

// chains reports whether credentials from h, used to assume a role, make
// it a chained role session, which AWS caps at one hour.
func chains(h awsconfig.Hop) bool {
	switch h.Kind {
	case awsconfig.KindAssumeRole, awsconfig.KindSSO, awsconfig.KindSSOLegacy, awsconfig.KindWebIdentity,
		awsconfig.KindContainer, awsconfig.KindIMDS, awsconfig.KindLogin:
		return true
	case awsconfig.KindEnv, awsconfig.KindStatic:
		return h.Static.SessionToken != ""
	}
	return false
}

func (s *Situation) readToken(home string, sso *awsconfig.SSOSettings, now time.Time) {
	name := "sso-session " + sso.Session
	if sso.Session == "" {
		name = sso.StartURL
	}
	tok, err := ssotoken.Read(ssotoken.CachePath(home, ssotoken.CacheKey(sso.Session, sso.StartURL)))
	var corrupt *ssotoken.CorruptError
	switch {
	case errors.As(err, &corrupt):
		s.SSOToken = TokenCorrupt
		s.SSOState = "the SSO token cache file for " + name + " is damaged"
		return
	case err != nil:
		s.SSOToken = TokenMissing
		s.SSOState = "no SSO token is cached for " + name + ": nobody has signed in on this machine, or the cache was cleared"
		return
	}
	s.SSORefreshable = tok.Refreshable()
	refresh := "and it has no refresh token"
	if s.SSORefreshable {
		refresh = "and it can be refreshed until the session's maximum length"
	}
	if tok.ExpiresAt != nil {
		exp := tok.ExpiresAt.UTC()
		s.SSOExpires = &exp
	}
	if tok.Valid(now) {
		s.SSOToken = TokenValid
		s.SSOState = fmt.Sprintf("the SSO token for %s is valid for another %s (%s); if the error is older, someone has signed in since",
			name, shortDuration(s.SSOExpires.Sub(now)), strings.TrimPrefix(refresh, "and "))
		return
	}
	s.SSOToken = TokenExpired
	if s.SSOExpires != nil {
		s.SSOState = fmt.Sprintf("the SSO token for %s expired %s ago, %s", name, shortDuration(now.Sub(*s.SSOExpires)), refresh)
	} else {
		s.SSOState = "the SSO token for " + name + " has no expiry time, " + refresh
	}
}

// loginCache is what readLoginToken needs of a cached aws login session:
// only when its credentials expire, nothing secret.
type loginCache struct {
	AccessToken *struct {
		ExpiresAt *time.Time `json:"expiresAt"`
	} `json:"accessToken"`
}

// readLoginToken reads the aws login cache the way the SDKs name it: the
// SHA-256 of the login_session value, under AWS_LOGIN_CACHE_DIRECTORY or
// ~/.aws/login/cache.
func (s *Situation) readLoginToken(env sysenv.Env, now time.Time) {
	dir := env.Get("AWS_LOGIN_CACHE_DIRECTORY")
	if dir == "" {
		dir = filepath.Join(awsconfig.HomeDir(env), ".aws", "login", "cache")
	}
	path, err := logincreds.StandardCachedTokenFilepath(s.LoginSession, dir)
	if err != nil {
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		s.LoginToken = TokenMissing
		s.LoginState = "no aws login session is cached for profile " + s.LoginProfile + " in " + dir +
			": aws login has not been run for it on this machine (or with this HOME), or the cache was cleared"
		return
	}
	var c loginCache
	if err := json.Unmarshal(data, &c); err != nil || c.AccessToken == nil || c.AccessToken.ExpiresAt == nil {
		s.LoginToken = TokenCorrupt
		s.LoginState = "the aws login cache file for profile " + s.LoginProfile + " is damaged"
		return
	}
	exp := c.AccessToken.ExpiresAt.UTC()
	if now.Before(exp) {
		s.LoginToken = TokenValid
		s.LoginState = fmt.Sprintf("the cached aws login credentials for profile %s are valid for another %s; if the error is older, someone has signed in since",
			s.LoginProfile, shortDuration(exp.Sub(now)))
		return
	}
	s.LoginToken = TokenExpired
	s.LoginState = fmt.Sprintf("the cached aws login credentials for profile %s expired %s ago and have not been renewed since",
		s.LoginProfile, shortDuration(now.Sub(exp)))
}

// chainText shows the hops, outermost first, each using the next.
func chainText(t *awsconfig.Trace) string {
	parts := make([]string, 0, len(t.Hops))
	for _, h := range t.Hops {
		where := "profile " + h.Profile
		switch {
		case h.Profile != "":
		case h.Kind == awsconfig.KindIMDS || h.Kind == awsconfig.KindContainer:
			where = "nothing else is configured"
		default:
			where = "environment"
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", h.Kind, where))
	}
	return strings.Join(parts, " using ")
}

func profileNamed(ps []awsconfig.Profile, name string) (awsconfig.Profile, bool) {
	for _, p := range ps {
		if p.Name == name {
			return p, true
		}
	}
	return awsconfig.Profile{}, false
}

// profilesFor lists the profiles whose role is in account.
func (s *Situation) profilesFor(account string) []string {
	var out []string
	for _, p := range s.Profiles {
		if account != "" && p.Account == account {
			out = append(out, p.Name)
		}
	}
	return out
}

// program is the first word of a credential_process command line: its
// arguments may carry secrets.
func program(cmdline string) string {
	f := strings.Fields(cmdline)
	if len(f) == 0 {
		return ""
	}
	return strings.Trim(f[0], `"'`)
}

func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// shortDuration prints 2h05m, 14m, 45s.
func shortDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Second)
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
}

// Conditions the advice in [Rules] is keyed on.
var (
	unresolved = Cond{"awsauth could not resolve your profile",
		func(s *Situation) bool { return !s.Known && s.ResolveError != "" }}

	ssoLegacy = Cond{"the profile signs in through IAM Identity Center with legacy settings (sso_start_url in the profile, no sso-session)",
		func(s *Situation) bool { return s.SSO && s.SSOLegacy }}

	ssoRefreshable = Cond{"the profile signs in through IAM Identity Center with an sso-session",
		func(s *Situation) bool { return s.SSO && !s.SSOLegacy }}

	ssoEnded = Cond{"the profile uses IAM Identity Center and its cached token has expired or is missing",
		func(s *Situation) bool { return s.SSO && (s.SSOToken == TokenExpired || s.SSOToken == TokenMissing) }}

	ssoTokenState = Cond{"the profile uses IAM Identity Center (awsauth reports the cached token's state)",
		func(s *Situation) bool { return s.SSO && s.SSOState != "" }}

	notSSO = Cond{"awsauth resolves the profile to a source other than IAM Identity Center",
		func(s *Situation) bool { return s.Known && !s.SSO }}

	roleChained = Cond{"the profile assumes a role with credentials that come from another role, IAM Identity Center or an instance (role chaining)",
		func(s *Situation) bool { return s.AssumeRole && s.RoleChained }}

	roleFromKeys = Cond{"the profile assumes a role with long-term keys",
		func(s *Situation) bool { return s.AssumeRole && !s.RoleChained }}

	assumesRole = Cond{"the profile assumes a role",
		func(s *Situation) bool { return s.AssumeRole }}

	hasMFA = Cond{"the profile has mfa_serial",
		func(s *Situation) bool { return s.MFASerial != "" }}

	roleNoMFA = Cond{"the profile assumes a role but has no mfa_serial",
		func(s *Situation) bool { return s.AssumeRole && s.MFASerial == "" }}

	envTempUsed = Cond{"AWS_ACCESS_KEY_ID and AWS_SESSION_TOKEN are set in the environment and the SDKs use them",
		func(s *Situation) bool { return s.EnvKeysUsed && s.EnvSessionToken }}

	envKeysUsed = Cond{"the SDKs use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment",
		func(s *Situation) bool { return s.EnvKeysUsed }}

	envKeysIdle = Cond{"AWS_ACCESS_KEY_ID is set in the environment but --profile wins for awsauth",
		func(s *Situation) bool { return s.EnvKeys && !s.EnvKeysUsed && s.Known }}

	staticTemp = Cond{"the profile holds temporary keys (aws_session_token) in a file",
		func(s *Situation) bool { return s.StaticTemp && !s.AssumeRole }}

	staticLongTerm = Cond{"the profile holds long-term keys in a file",
		func(s *Situation) bool { return s.StaticLongTerm && !s.AssumeRole }}

	usesProcess = Cond{"the profile uses credential_process",
		func(s *Situation) bool { return s.Process != "" }}

	usesWebIdentity = Cond{"the profile or environment uses web identity (a token file)",
		func(s *Situation) bool { return s.WebIdentity }}

	onlyIMDS = Cond{"awsauth finds nothing configured either: the chain ends at the instance metadata service",
		func(s *Situation) bool { return s.Known && s.Source == awsconfig.KindIMDS && !s.AssumeRole }}

	imdsOff = Cond{"AWS_EC2_METADATA_DISABLED=true is set",
		func(s *Situation) bool { return s.IMDSOff }}

	hasSource = Cond{"awsauth finds a credential source for the profile (other than aws login)",
		func(s *Situation) bool {
			return s.Known && s.Source != awsconfig.KindIMDS && s.Source != awsconfig.KindNone && !(s.SSO && s.SSOToken != TokenValid) && !s.Login
		}}

	usesLogin = Cond{"the profile signs in with aws login (login_session)",
		func(s *Situation) bool { return s.Login }}

	loginTokenState = Cond{"the profile signs in with aws login (awsauth reports the cached session's state)",
		func(s *Situation) bool { return s.Login && s.LoginState != "" }}

	loginElsewhere = Cond{"awsauth resolves the profile to another source, and other profiles sign in with aws login",
		func(s *Situation) bool { return s.Known && !s.Login && len(s.LoginProfiles) > 0 }}

	noLoginProfile = Cond{"no profile in the shared files signs in with aws login",
		func(s *Situation) bool { return !s.Login && len(s.LoginProfiles) == 0 }}

	loginEnded = Cond{"the profile signs in with aws login and its cached session has expired or is missing",
		func(s *Situation) bool {
			return s.Login && (s.LoginToken == TokenExpired || s.LoginToken == TokenMissing)
		}}

	ssoAny = Cond{"the profile uses IAM Identity Center",
		func(s *Situation) bool { return s.SSO }}

	configLineKnown = Cond{"the message names the file and line",
		func(s *Situation) bool { return s.Line["config_line"] != "" && s.Line["config_path"] != "" }}

	configReadable = Cond{"awsauth reads the shared files without error",
		func(s *Situation) bool { return s.Known }}

	jsv2Blind = Cond{"the profile is only in ~/.aws/config and AWS_SDK_LOAD_CONFIG is not set",
		func(s *Situation) bool { return s.JSv2Blind }}

	envProfileSet = Cond{"AWS_PROFILE is set in the environment",
		func(s *Situation) bool { return s.EnvProfile != "" }}

	hasRegion = Cond{"awsauth finds a region for the profile",
		func(s *Situation) bool { return s.Known && s.Region != "" }}

	noRegion = Cond{"awsauth finds no region for the profile either",
		func(s *Situation) bool { return s.Known && s.Region == "" }}

	regionOnlyInEnv = Cond{"the region is only in AWS_REGION, which boto3 and the AWS CLI v1 do not read",
		func(s *Situation) bool { return s.RegionFrom == "AWS_REGION" && !s.botoRegion }}

	regionInProfile = Cond{"the region comes from the profile in ~/.aws/config",
		func(s *Situation) bool { return strings.HasPrefix(s.RegionFrom, "profile ") && !s.LoadConfig }}

	knownAccount = Cond{"the config names the account of the profile's role",
		func(s *Situation) bool { return s.Account != "" }}

	isCDK = Cond{"the log comes from the AWS CDK",
		func(s *Situation) bool { return strings.HasPrefix(s.Tool, "cdk") }}

	skewKnown = Cond{"the message carries both the request's and AWS's time",
		func(s *Situation) bool { return s.Line["skew"] != "" }}

	hasSuggestion = Cond{"a defined profile has a similar name",
		func(s *Situation) bool { return s.Line["suggestion"] != "" }}

	accountHasProfile = Cond{"one of your profiles is for the stack's account",
		func(s *Situation) bool { return s.Line["account_profile"] != "" }}

	processIsAwsauth = Cond{"the credential_process is awsauth credential-process",
		func(s *Situation) bool { return s.Process == "awsauth" || strings.HasSuffix(s.Process, "/awsauth") }}
)
