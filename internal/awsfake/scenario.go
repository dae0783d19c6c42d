package awsfake

import (
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"
)

// Identifiers of [DefaultScenario], exported so tests can refer to them
// without repeating literals. The static key pair is the one AWS prints in
// its own documentation; it ends in EXAMPLE so secret scanners ignore it.
const (
	DevAccountID  = "111111111111"
	ProdAccountID = "222222222222"

	DefaultUserName            = "deployer"
	DefaultUserAccessKeyID     = "AKIAIOSFODNN7EXAMPLE"
	DefaultUserSecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	DefaultMFASerial           = "arn:aws:iam::111111111111:mfa/deployer"
	DefaultMFACode             = "123456"

	DefaultSSOUserName = "alice@example.com"
	DefaultStartURL    = "https://awsauth-demo.awsapps.com/start"
)

// Scenario is the organisation the fake pretends to be: its accounts and
// roles, its IAM users, and the lifetimes of everything it hands out. Zero
// durations take the defaults documented on each field.
type Scenario struct {
	Accounts []Account
	Users    []User

	// SSOUserName is the Identity Center user who logs in through the
	// device flow; it becomes the role session name of portal credentials,
	// as it does on AWS.
	SSOUserName string
	// StartURL is informational: the portal accepts any start URL, as the
	// device flow itself does not reveal which ones exist.
	StartURL string

	// SSOSessionDuration bounds how long refresh tokens work after the
	// person approved the login (default 8h). Access tokens never outlive
	// the session.
	SSOSessionDuration time.Duration
	// AccessTokenLifetime is the life of an SSO access token (default 1h).
	AccessTokenLifetime time.Duration
	// RoleCredentialLifetime is the life of portal role credentials
	// (default 1h), the permission set's session duration on AWS.
	RoleCredentialLifetime time.Duration
	// DeviceCodeLifetime is how long a device code can be approved and
	// redeemed (default 10m, as on AWS).
	DeviceCodeLifetime time.Duration
	// DevicePollInterval is the minimum fake time between CreateToken polls
	// before the fake answers slow_down (default 1s, as on AWS).
	DevicePollInterval time.Duration
	// ClientRegistrationLifetime is the life of an OIDC client registration
	// (default 90 days, as on AWS).
	ClientRegistrationLifetime time.Duration

	// LoginUserName is the IAM user who signs in to the console for aws
	// login; its ARN is the login session (default DefaultUserName, or the
	// first user when the scenario has no user of that name).
	LoginUserName string
	// LoginSessionDuration bounds how long an aws login session's refresh
	// tokens work after the sign-in (default 12h, as on AWS).
	LoginSessionDuration time.Duration
	// LoginCredentialLifetime is the life of the credentials each
	// CreateOAuth2Token hands out (default 15m, as on AWS), also past the
	// session's end: the session bounds the renewals.
	LoginCredentialLifetime time.Duration
	// LoginCodeLifetime is how long an aws login authorization code can be
	// redeemed (default 5m).
	LoginCodeLifetime time.Duration
}

// Account is one AWS account of the organisation.
type Account struct {
	ID    string // twelve digits
	Name  string
	Email string
	Roles []Role
}

// Role is an IAM role that STS can assume and, unless HiddenFromSSO, also a
// permission set the SSO user is assigned to in its account.
type Role struct {
	Name string
	// MaxSessionDuration caps AssumeRole's DurationSeconds (default 1h,
	// allowed 1h to 12h as on AWS).
	MaxSessionDuration time.Duration
	// RequireMFA makes the trust policy demand aws:MultiFactorAuthPresent:
	// AssumeRole must carry a valid SerialNumber and TokenCode, or come
	// from session credentials that were themselves obtained with MFA.
	RequireMFA bool
	// HiddenFromSSO keeps the role out of the portal (ListAccountRoles,
	// GetRoleCredentials), like an IAM role no permission set provisions.
	HiddenFromSSO bool
}

// User is an IAM user with long-term access keys.
type User struct {
	Name            string
	AccountID       string
	AccessKeyID     string // AKIA + 16 characters
	SecretAccessKey string
	MFA             *MFADevice
}

// MFADevice is a virtual MFA device whose one-time code never changes, so
// tests can type it.
type MFADevice struct {
	SerialNumber string
	Code         string // six digits
}

// DefaultScenario returns one organisation with a dev and a prod account,
// Admin (12h max session) and ReadOnly (1h) roles in each, an MFA-only
// BreakGlass role in prod that SSO does not expose, the IAM user
// [DefaultUserName] in dev with static keys and an MFA device, an 8h SSO
// session, 1h access tokens and 1h role credentials.
func DefaultScenario() Scenario {
	roles := func(extra ...Role) []Role {
		return append([]Role{
			{Name: "Admin", MaxSessionDuration: 12 * time.Hour},
			{Name: "ReadOnly", MaxSessionDuration: time.Hour},
		}, extra...)
	}
	return Scenario{
		Accounts: []Account{
			{ID: DevAccountID, Name: "dev", Email: "aws-dev@example.com", Roles: roles()},
			{ID: ProdAccountID, Name: "prod", Email: "aws-prod@example.com", Roles: roles(
				Role{Name: "BreakGlass", MaxSessionDuration: time.Hour, RequireMFA: true, HiddenFromSSO: true},
			)},
		},
		Users: []User{{
			Name:            DefaultUserName,
			AccountID:       DevAccountID,
			AccessKeyID:     DefaultUserAccessKeyID,
			SecretAccessKey: DefaultUserSecretAccessKey,
			MFA:             &MFADevice{SerialNumber: DefaultMFASerial, Code: DefaultMFACode},
		}},
		SSOUserName:                DefaultSSOUserName,
		StartURL:                   DefaultStartURL,
		SSOSessionDuration:         8 * time.Hour,
		AccessTokenLifetime:        time.Hour,
		RoleCredentialLifetime:     time.Hour,
		DeviceCodeLifetime:         10 * time.Minute,
		DevicePollInterval:         time.Second,
		ClientRegistrationLifetime: 90 * 24 * time.Hour,
		LoginUserName:              DefaultUserName,
		LoginSessionDuration:       12 * time.Hour,
		LoginCredentialLifetime:    15 * time.Minute,
		LoginCodeLifetime:          5 * time.Minute,
	}
}

// User returns the IAM user called name.
func (sc *Scenario) User(name string) (User, bool) {
	for _, u := range sc.Users {
		if u.Name == name {
			return u, true
		}
	}
	return User{}, false
}

func (sc *Scenario) account(id string) (*Account, bool) {
	for i := range sc.Accounts {
		if sc.Accounts[i].ID == id {
			return &sc.Accounts[i], true
		}
	}
	return nil, false
}

func (sc *Scenario) role(accountID, name string) (Role, bool) {
	acct, ok := sc.account(accountID)
	if !ok {
		return Role{}, false
	}
	for _, r := range acct.Roles {
		if r.Name == name {
			return r, true
		}
	}
	return Role{}, false
}

var (
	accountIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{12}$`) })
	roleNamePattern  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]{1,64}$`) })
	userKeyPattern   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^AKIA[A-Z0-9]{16}$`) })
	mfaCodePattern   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{6}$`) })
)

// withDefaults fills zero fields and checks the rest, so a typo in a
// scenario fails at Start rather than as a puzzling AccessDenied later.
func (sc Scenario) withDefaults() (Scenario, error) {
	def := DefaultScenario()
	durations := []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&sc.SSOSessionDuration, def.SSOSessionDuration},
		{&sc.AccessTokenLifetime, def.AccessTokenLifetime},
		{&sc.RoleCredentialLifetime, def.RoleCredentialLifetime},
		{&sc.DeviceCodeLifetime, def.DeviceCodeLifetime},
		{&sc.DevicePollInterval, def.DevicePollInterval},
		{&sc.ClientRegistrationLifetime, def.ClientRegistrationLifetime},
		{&sc.LoginSessionDuration, def.LoginSessionDuration},
		{&sc.LoginCredentialLifetime, def.LoginCredentialLifetime},
		{&sc.LoginCodeLifetime, def.LoginCodeLifetime},
	}
	for _, d := range durations {
		if *d.v == 0 {
			*d.v = d.def
		}
		if *d.v < 0 {
			return sc, errors.New("awsfake: scenario durations must not be negative")
		}
	}
	if sc.SSOUserName == "" {
		sc.SSOUserName = def.SSOUserName
	}
	if sc.StartURL == "" {
		sc.StartURL = def.StartURL
	}

	// Copy the slices so the caller's scenario is never mutated.
	accounts := make([]Account, len(sc.Accounts))
	seenAccounts := map[string]bool{}
	for i, a := range sc.Accounts {
		if !accountIDPattern().MatchString(a.ID) {
			return sc, fmt.Errorf("awsfake: account id %q is not twelve digits", a.ID)
		}
		if seenAccounts[a.ID] {
			return sc, fmt.Errorf("awsfake: account %s listed twice", a.ID)
		}
		seenAccounts[a.ID] = true
		a.Roles = append([]Role(nil), a.Roles...)
		seenRoles := map[string]bool{}
		for j := range a.Roles {
			r := &a.Roles[j]
			if !roleNamePattern().MatchString(r.Name) {
				return sc, fmt.Errorf("awsfake: account %s: invalid role name %q", a.ID, r.Name)
			}
			if seenRoles[r.Name] {
				return sc, fmt.Errorf("awsfake: account %s: role %s listed twice", a.ID, r.Name)
			}
			seenRoles[r.Name] = true
			if r.MaxSessionDuration == 0 {
				r.MaxSessionDuration = time.Hour
			}
			if r.MaxSessionDuration < time.Hour || r.MaxSessionDuration > 12*time.Hour {
				return sc, fmt.Errorf("awsfake: role %s in %s: MaxSessionDuration %s outside 1h..12h", r.Name, a.ID, r.MaxSessionDuration)
			}
		}
		accounts[i] = a
	}
	sc.Accounts = accounts

	users := make([]User, len(sc.Users))
	seenKeys := map[string]bool{}
	for i, u := range sc.Users {
		if u.Name == "" {
			return sc, errors.New("awsfake: user without a name")
		}
		if !seenAccounts[u.AccountID] {
			return sc, fmt.Errorf("awsfake: user %s: unknown account %q", u.Name, u.AccountID)
		}
		if !userKeyPattern().MatchString(u.AccessKeyID) {
			return sc, fmt.Errorf("awsfake: user %s: access key id %q is not AKIA plus 16 characters", u.Name, u.AccessKeyID)
		}
		if u.SecretAccessKey == "" {
			return sc, fmt.Errorf("awsfake: user %s: empty secret access key", u.Name)
		}
		if seenKeys[u.AccessKeyID] {
			return sc, fmt.Errorf("awsfake: access key id %s used twice", u.AccessKeyID)
		}
		seenKeys[u.AccessKeyID] = true
		if u.MFA != nil {
			m := *u.MFA
			if m.SerialNumber == "" || !mfaCodePattern().MatchString(m.Code) {
				return sc, fmt.Errorf("awsfake: user %s: MFA device needs a serial number and a six digit code", u.Name)
			}
			u.MFA = &m
		}
		users[i] = u
	}
	sc.Users = users
	switch _, ok := sc.User(sc.LoginUserName); {
	case ok:
	case sc.LoginUserName != "" && sc.LoginUserName != def.LoginUserName:
		return sc, fmt.Errorf("awsfake: LoginUserName %q is not a user of the scenario", sc.LoginUserName)
	case len(users) > 0:
		sc.LoginUserName = users[0].Name
	default:
		sc.LoginUserName = ""
	}
	return sc, nil
}
