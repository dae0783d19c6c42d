package awsconfig

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Kind names a credential source.
type Kind string

// The credential sources the SDK default chain knows.
const (
	KindEnv         Kind = "env"
	KindStatic      Kind = "static"
	KindAssumeRole  Kind = "assume-role"
	KindWebIdentity Kind = "web-identity"
	KindSSO         Kind = "sso"
	KindSSOLegacy   Kind = "sso-legacy"
	KindProcess     Kind = "credential-process"
	KindLogin       Kind = "login"
	KindContainer   Kind = "container"
	KindIMDS        Kind = "imds"
	// KindNone is a profile that defines no credentials of its own.
	KindNone Kind = "none"
)

// Trace is the outcome of resolution: the chosen profile and region, and the
// hops the SDK chain takes, outermost first. Hops[0] is what the caller's
// credentials come from; each later hop supplies the credentials the one
// before it uses (for example assume-role, then the SSO profile under it).
type Trace struct {
	Profile       string    `json:"profile"`
	ProfileFrom   string    `json:"profile_from"`
	ProfileExists bool      `json:"profile_exists"`
	Region        string    `json:"region"`
	RegionFrom    string    `json:"region_from"`
	Hops          []Hop     `json:"chain"`
	Warnings      []Warning `json:"warnings"`
	Files         Files     `json:"files"`
}

// Source is the kind of the outermost hop.
func (t *Trace) Source() Kind {
	if len(t.Hops) == 0 {
		return KindNone
	}
	return t.Hops[0].Kind
}

// Hop is one link of the chain. The fields after Detail carry what is needed
// to build the link's provider; secrets among them never reach JSON.
type Hop struct {
	Profile string `json:"profile"`
	Kind    Kind   `json:"kind"`
	Reason  string `json:"reason"`
	Detail  string `json:"detail,omitempty"`

	RoleARN         string        `json:"role_arn,omitempty"`
	ExternalID      string        `json:"-"`
	MFASerial       string        `json:"mfa_serial,omitempty"`
	RoleSessionName string        `json:"role_session_name,omitempty"`
	Duration        time.Duration `json:"-"`

	WebIdentityTokenFile string `json:"web_identity_token_file,omitempty"`

	SSO *SSOSettings `json:"sso,omitempty"`

	CredentialProcess string `json:"credential_process,omitempty"`

	ContainerURI           string `json:"container_uri,omitempty"`
	ContainerAuthToken     string `json:"-"`
	ContainerAuthTokenFile string `json:"-"`

	LoginSession string `json:"login_session,omitempty"`

	// Static holds the keys of env and static hops. Never printed.
	Static aws.Credentials `json:"-"`
	// Expires is what the environment says about env credentials
	// (AWS_CREDENTIAL_EXPIRATION), when it says anything.
	Expires *time.Time `json:"-"`

	// IMDSDisabled is set when AWS_EC2_METADATA_DISABLED turns the last resort off.
	IMDSDisabled bool `json:"-"`
}

// SSOSettings are the IAM Identity Center settings of a profile.
type SSOSettings struct {
	Session   string `json:"session,omitempty"`
	StartURL  string `json:"start_url"`
	Region    string `json:"region"`
	AccountID string `json:"account_id"`
	RoleName  string `json:"role_name"`
	Scopes    string `json:"-"`
}

// Warning is something about the setup that will bite, with its fix.
type Warning struct {
	ID      string `json:"id"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
	// SDKs says what each SDK does, for warnings about shapes the SDKs
	// resolve differently (see [Divergences]).
	SDKs []SDKView `json:"sdks,omitempty"`
}
