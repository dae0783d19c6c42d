package awsfake

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	stsVersion   = "2011-06-15"
	stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
	// stsTimeFormat is how STS writes <Expiration>: ISO 8601, UTC, whole
	// seconds.
	stsTimeFormat = "2006-01-02T15:04:05Z"
)

// stsError is an STS query-protocol error. Status follows AWS: 403 for
// authentication and authorisation failures, 400 for bad input.
type stsError struct {
	status  int
	code    string
	message string
}

func (e *stsError) Error() string { return e.code + ": " + e.message }

func errInvalidClientTokenID() *stsError {
	return &stsError{http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid."}
}

func errExpiredToken() *stsError {
	return &stsError{http.StatusForbidden, "ExpiredToken", "The security token included in the request is expired"}
}

func errValidation(format string, args ...any) *stsError {
	return &stsError{http.StatusBadRequest, "ValidationError", fmt.Sprintf(format, args...)}
}

func errAccessDenied(format string, args ...any) *stsError {
	return &stsError{http.StatusForbidden, "AccessDenied", fmt.Sprintf(format, args...)}
}

// sts serves the query protocol. Operations that need a caller get one from
// the SigV4 credential; the signature itself is not verified.
func (s *Server) sts(w http.ResponseWriter, r *http.Request, reqID string) {
	if err := r.ParseForm(); err != nil {
		writeSTSError(w, reqID, &stsError{http.StatusBadRequest, "MalformedInput", "The request body could not be parsed."})
		return
	}
	action := r.Form.Get("Action")
	if action == "" {
		writeJSONError(w, http.StatusNotFound, "UnknownOperationException", "", nil)
		s.logf("awsfake: %s %s: no such operation", r.Method, r.URL.Path)
		return
	}
	s.count(action)
	if v := r.Form.Get("Version"); v != stsVersion {
		writeSTSError(w, reqID, &stsError{http.StatusBadRequest, "InvalidAction",
			fmt.Sprintf("Could not find operation %s for version %s", action, v)})
		return
	}

	var (
		result any
		err    *stsError
	)
	switch action {
	case "AssumeRoleWithWebIdentity":
		// Unsigned by design: the web identity token is the credential.
		result, err = s.assumeRoleWithWebIdentity(r)
	case "GetCallerIdentity", "AssumeRole", "GetSessionToken":
		var caller *credential
		caller, err = s.authenticate(r)
		if err != nil {
			break
		}
		switch action {
		case "GetCallerIdentity":
			result = getCallerIdentityResult{
				Arn:     caller.who.arn(),
				UserID:  caller.who.userID(),
				Account: caller.who.account,
			}
		case "AssumeRole":
			result, err = s.assumeRole(r, caller)
		case "GetSessionToken":
			result, err = s.getSessionToken(r, caller)
		}
	default:
		err = &stsError{http.StatusBadRequest, "InvalidAction",
			fmt.Sprintf("Could not find operation %s for version %s", action, stsVersion)}
	}
	if err != nil {
		s.logf("awsfake: sts %s: %s", action, err.code)
		writeSTSError(w, reqID, err)
		return
	}
	s.logf("awsfake: sts %s: ok", action)
	writeSTSResult(w, action, result, reqID)
}

// credentialPattern pulls the access key id out of a SigV4 Authorization
// header or a presigned X-Amz-Credential.
var credentialPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`Credential=([^/,\s]+)/`) })

// authenticate finds the caller's keys and checks that they exist, carry
// the right session token and have not expired, in the order AWS reports
// those failures.
func (s *Server) authenticate(r *http.Request) (*credential, *stsError) {
	var akid string
	if m := credentialPattern().FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		akid = m[1]
	} else if c := r.URL.Query().Get("X-Amz-Credential"); c != "" {
		akid, _, _ = strings.Cut(c, "/")
	}
	if akid == "" {
		return nil, &stsError{http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token"}
	}
	token := r.Header.Get("X-Amz-Security-Token")
	if token == "" {
		token = r.URL.Query().Get("X-Amz-Security-Token")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.keys[akid]
	if !ok {
		return nil, errInvalidClientTokenID()
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(c.sessionToken)) != 1 {
		return nil, errInvalidClientTokenID()
	}
	if c.expired(s.clock.Now()) {
		return nil, errExpiredToken()
	}
	return c, nil
}

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumedRoleUser struct {
	AssumedRoleID string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

type getCallerIdentityResult struct {
	Arn     string `xml:"Arn"`
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
}

type assumeRoleResult struct {
	AssumedRoleUser assumedRoleUser `xml:"AssumedRoleUser"`
	Credentials     stsCredentials  `xml:"Credentials"`
}

type getSessionTokenResult struct {
	Credentials stsCredentials `xml:"Credentials"`
}

type assumeRoleWithWebIdentityResult struct {
	Audience                    string          `xml:"Audience"`
	AssumedRoleUser             assumedRoleUser `xml:"AssumedRoleUser"`
	Provider                    string          `xml:"Provider"`
	Credentials                 stsCredentials  `xml:"Credentials"`
	SubjectFromWebIdentityToken string          `xml:"SubjectFromWebIdentityToken"`
}

func (s *Server) wireCredentials(c *credential) stsCredentials {
	return stsCredentials{
		AccessKeyID:     c.accessKeyID,
		SecretAccessKey: c.secret,
		SessionToken:    c.sessionToken,
		Expiration:      realExpiry(s.clock, c.expires).UTC().Format(stsTimeFormat),
	}
}

var (
	sessionNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]{2,64}$`) })
	roleARNPattern     = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws:iam::([0-9]{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]{1,64})$`)
	})
)

// durationParam reads DurationSeconds with AWS's validation messages.
func durationParam(r *http.Request, def, lo, hi int) (int, *stsError) {
	raw := r.Form.Get("DurationSeconds")
	if raw == "" {
		return def, nil
	}
	d, err := strconv.Atoi(raw)
	if err != nil {
		return 0, &stsError{http.StatusBadRequest, "MalformedInput", "Invalid value for parameter DurationSeconds"}
	}
	if d < lo {
		return 0, errValidation("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to %d", d, lo)
	}
	if d > hi {
		return 0, errValidation("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to %d", d, hi)
	}
	return d, nil
}

func sessionNameParam(r *http.Request) (string, *stsError) {
	name := r.Form.Get("RoleSessionName")
	if name == "" {
		return "", errValidation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	}
	if len(name) < 2 {
		return "", errValidation("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2", name)
	}
	if len(name) > 64 {
		return "", errValidation("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64", name)
	}
	if !sessionNamePattern().MatchString(name) {
		return "", errValidation("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", name)
	}
	return name, nil
}

// roleParam resolves RoleArn to a scenario role. ok is false when the ARN
// is well formed but names no role, which AWS reports as AccessDenied.
func (s *Server) roleParam(r *http.Request) (arn, account string, role Role, ok bool, err *stsError) {
	arn = r.Form.Get("RoleArn")
	if arn == "" {
		return "", "", Role{}, false, errValidation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
	}
	m := roleARNPattern().FindStringSubmatch(arn)
	if m == nil {
		return arn, "", Role{}, false, errValidation("%s is invalid", arn)
	}
	role, ok = s.scenario.role(m[1], m[2])
	return arn, m[1], role, ok, nil
}

// checkMFA validates SerialNumber and TokenCode when given. It returns
// whether the request proved MFA.
func (s *Server) checkMFA(r *http.Request, caller *credential) (bool, *stsError) {
	serial, code := r.Form.Get("SerialNumber"), r.Form.Get("TokenCode")
	if serial == "" && code == "" {
		return false, nil
	}
	if code == "" || serial == "" {
		return false, errAccessDenied("MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.")
	}
	if !mfaCodePattern().MatchString(code) {
		return false, errValidation("1 validation error detected: Value '%s' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*", code)
	}
	var dev *MFADevice
	if caller.who.kind != kindRoleSession {
		if u, ok := s.scenario.User(caller.who.userName); ok && u.AccountID == caller.who.account {
			dev = u.MFA
		}
	}
	if dev == nil || dev.SerialNumber != serial {
		return false, errAccessDenied("MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.")
	}
	if subtle.ConstantTimeCompare([]byte(code), []byte(dev.Code)) != 1 {
		return false, errAccessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code. ")
	}
	return true, nil
}

func (s *Server) assumeRole(r *http.Request, caller *credential) (any, *stsError) {
	arn, account, role, found, err := s.roleParam(r)
	if err != nil {
		return nil, err
	}
	session, err := sessionNameParam(r)
	if err != nil {
		return nil, err
	}
	duration, err := durationParam(r, 3600, 900, 43200)
	if err != nil {
		return nil, err
	}
	mfa, err := s.checkMFA(r, caller)
	if err != nil {
		return nil, err
	}
	denied := errAccessDenied("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller.who.arn(), arn)
	if !found {
		return nil, denied
	}
	mfa = mfa || caller.who.mfa
	if role.RequireMFA && !mfa {
		return nil, denied
	}
	if caller.who.kind == kindRoleSession && duration > 3600 {
		return nil, errValidation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if time.Duration(duration)*time.Second > role.MaxSessionDuration {
		return nil, errValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}

	who := principal{kind: kindRoleSession, account: account, roleName: role.Name, sessionName: session, mfa: mfa}
	s.mu.Lock()
	c := s.issueLocked(who, s.clock.Now().Add(time.Duration(duration)*time.Second))
	s.mu.Unlock()
	return assumeRoleResult{
		AssumedRoleUser: assumedRoleUser{AssumedRoleID: who.userID(), Arn: who.arn()},
		Credentials:     s.wireCredentials(c),
	}, nil
}

func (s *Server) getSessionToken(r *http.Request, caller *credential) (any, *stsError) {
	if caller.who.kind != kindUser {
		return nil, errAccessDenied("Cannot call GetSessionToken with session credentials")
	}
	duration, err := durationParam(r, 43200, 900, 129600)
	if err != nil {
		return nil, err
	}
	mfa, err := s.checkMFA(r, caller)
	if err != nil {
		return nil, err
	}
	who := caller.who
	who.kind = kindUserSession
	who.mfa = mfa
	s.mu.Lock()
	c := s.issueLocked(who, s.clock.Now().Add(time.Duration(duration)*time.Second))
	s.mu.Unlock()
	return getSessionTokenResult{Credentials: s.wireCredentials(c)}, nil
}

func (s *Server) assumeRoleWithWebIdentity(r *http.Request) (any, *stsError) {
	_, account, role, found, err := s.roleParam(r)
	if err != nil {
		return nil, err
	}
	session, err := sessionNameParam(r)
	if err != nil {
		return nil, err
	}
	duration, err := durationParam(r, 3600, 900, 43200)
	if err != nil {
		return nil, err
	}
	raw := r.Form.Get("WebIdentityToken")
	if raw == "" {
		return nil, errValidation("1 validation error detected: Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null")
	}
	claims, ok := parseWebIdentityToken(raw)
	if !ok {
		return nil, &stsError{http.StatusBadRequest, "InvalidIdentityToken",
			"The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"}
	}
	now := s.clock.Now()
	if !claims.Expires.IsZero() && !now.Before(claims.Expires) {
		return nil, &stsError{http.StatusBadRequest, "ExpiredTokenException",
			fmt.Sprintf("Token expired: current date/time %d must be before the expiration date/time %d", now.Unix(), claims.Expires.Unix())}
	}
	// A web identity cannot present MFA, so an MFA-only trust policy
	// refuses it like any other untrusted caller.
	if !found || role.RequireMFA {
		return nil, errAccessDenied("Not authorized to perform sts:AssumeRoleWithWebIdentity")
	}
	if time.Duration(duration)*time.Second > role.MaxSessionDuration {
		return nil, errValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	who := principal{kind: kindRoleSession, account: account, roleName: role.Name, sessionName: session}
	s.mu.Lock()
	c := s.issueLocked(who, now.Add(time.Duration(duration)*time.Second))
	s.mu.Unlock()
	return assumeRoleWithWebIdentityResult{
		Audience:                    claims.Audience,
		AssumedRoleUser:             assumedRoleUser{AssumedRoleID: who.userID(), Arn: who.arn()},
		Provider:                    strings.TrimPrefix(claims.Issuer, "https://"),
		Credentials:                 s.wireCredentials(c),
		SubjectFromWebIdentityToken: claims.Subject,
	}, nil
}

// writeSTSResult writes an STS query-protocol answer (see writeQueryResult).
func writeSTSResult(w http.ResponseWriter, action string, result any, reqID string) {
	writeQueryResult(w, stsNamespace, action, result, reqID)
}

// writeSTSError writes an STS <ErrorResponse>.
func writeSTSError(w http.ResponseWriter, reqID string, e *stsError) {
	writeQueryError(w, stsNamespace, reqID, e)
}
