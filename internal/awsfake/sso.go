package awsfake

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
)

// portalError is an IAM Identity Center portal error: the type travels in
// the x-amzn-ErrorType header and the body is {"message": ...}, which is
// what the SDKs' REST-JSON deserializers read.
type portalError struct {
	status  int
	typ     string
	message string
}

func errUnauthorized() *portalError {
	return &portalError{http.StatusUnauthorized, "UnauthorizedException", "Session token not found or invalid"}
}

func errNoAccess() *portalError {
	return &portalError{http.StatusForbidden, "ForbiddenException", "No access"}
}

func errPortalRequest(msg string) *portalError {
	return &portalError{http.StatusBadRequest, "InvalidRequestException", msg}
}

// writeJSONError writes a REST-JSON error. extra fields (the OIDC error
// and error_description) go into the body next to message when given.
func writeJSONError(w http.ResponseWriter, status int, typ, message string, extra map[string]any) {
	body := map[string]any{}
	if message != "" {
		body["message"] = message
	}
	for k, v := range extra {
		body[k] = v
	}
	w.Header().Set("x-amzn-ErrorType", typ)
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// portalHandler serves one portal operation for the session behind a valid
// bearer token.
type portalHandler func(r *http.Request, sess *ssoSession, token string) (any, *portalError)

func (s *Server) portal(w http.ResponseWriter, r *http.Request, method, op string, h portalHandler) {
	if r.Method != method {
		writeJSONError(w, http.StatusNotFound, "UnknownOperationException", "", nil)
		return
	}
	s.count(op)
	token := r.Header.Get("x-amz-sso_bearer_token")
	s.mu.Lock()
	sess := s.sessionForAccessTokenLocked(token)
	s.mu.Unlock()
	var (
		out  any
		perr *portalError
	)
	if sess == nil {
		perr = errUnauthorized()
	} else {
		out, perr = h(r, sess, token)
	}
	if perr != nil {
		s.logf("awsfake: sso %s: %s", op, perr.typ)
		writeJSONError(w, perr.status, perr.typ, perr.message, nil)
		return
	}
	s.logf("awsfake: sso %s: ok", op)
	if out == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// ssoRole returns the permission set role for account and name, provided
// the SSO user is assigned to it.
func (s *Server) ssoRole(accountID, name string) (Role, bool) {
	role, ok := s.scenario.role(accountID, name)
	if !ok || role.HiddenFromSSO {
		return Role{}, false
	}
	return role, true
}

type roleCredentialsWire struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken"`
	Expiration      int64  `json:"expiration"` // epoch milliseconds, real time
}

func (s *Server) getRoleCredentials(r *http.Request, _ *ssoSession, _ string) (any, *portalError) {
	q := r.URL.Query()
	accountID, roleName := q.Get("account_id"), q.Get("role_name")
	if accountID == "" || roleName == "" {
		return nil, errPortalRequest("account_id and role_name are required")
	}
	role, ok := s.ssoRole(accountID, roleName)
	if !ok {
		return nil, errNoAccess()
	}
	who := principal{
		kind:        kindRoleSession,
		account:     accountID,
		roleName:    ssoRoleName(accountID, role.Name),
		sessionName: s.scenario.SSOUserName,
	}
	s.mu.Lock()
	c := s.issueLocked(who, s.clock.Now().Add(s.scenario.RoleCredentialLifetime))
	s.mu.Unlock()
	return map[string]any{"roleCredentials": roleCredentialsWire{
		AccessKeyID:     c.accessKeyID,
		SecretAccessKey: c.secret,
		SessionToken:    c.sessionToken,
		Expiration:      realExpiry(s.clock, c.expires).UnixMilli(),
	}}, nil
}

// page slices n items for the portal's next_token/max_result pagination.
// The token is an opaque offset, as clients must treat it.
func page(r *http.Request, n int) (start, end int, next string, perr *portalError) {
	q := r.URL.Query()
	if t := q.Get("next_token"); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		if err == nil {
			start, err = strconv.Atoi(string(b))
		}
		if err != nil || start < 0 || start > n {
			return 0, 0, "", errPortalRequest("Invalid next token")
		}
	}
	end = n
	if m := q.Get("max_result"); m != "" {
		max, err := strconv.Atoi(m)
		if err != nil || max < 1 {
			return 0, 0, "", errPortalRequest("Invalid max_result")
		}
		if start+max < n {
			end = start + max
			next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
		}
	}
	return start, end, next, nil
}

type accountInfoWire struct {
	AccountID    string `json:"accountId"`
	AccountName  string `json:"accountName"`
	EmailAddress string `json:"emailAddress"`
}

type roleInfoWire struct {
	RoleName  string `json:"roleName"`
	AccountID string `json:"accountId"`
}

func (s *Server) listAccounts(r *http.Request, _ *ssoSession, _ string) (any, *portalError) {
	var all []accountInfoWire
	for _, a := range s.scenario.Accounts {
		assigned := false
		for _, role := range a.Roles {
			assigned = assigned || !role.HiddenFromSSO
		}
		if assigned {
			all = append(all, accountInfoWire{a.ID, a.Name, a.Email})
		}
	}
	start, end, next, perr := page(r, len(all))
	if perr != nil {
		return nil, perr
	}
	out := map[string]any{"accountList": append([]accountInfoWire{}, all[start:end]...)}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

func (s *Server) listAccountRoles(r *http.Request, _ *ssoSession, _ string) (any, *portalError) {
	accountID := r.URL.Query().Get("account_id")
	if accountID == "" {
		return nil, errPortalRequest("account_id is required")
	}
	acct, ok := s.scenario.account(accountID)
	if !ok {
		return nil, errNoAccess()
	}
	var all []roleInfoWire
	for _, role := range acct.Roles {
		if !role.HiddenFromSSO {
			all = append(all, roleInfoWire{role.Name, acct.ID})
		}
	}
	start, end, next, perr := page(r, len(all))
	if perr != nil {
		return nil, perr
	}
	out := map[string]any{"roleList": append([]roleInfoWire{}, all[start:end]...)}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

// logout ends the whole sign-in session, as Identity Center does: the
// access token, its siblings and every refresh token stop working. Role
// credentials already handed out live on until they expire.
func (s *Server) logout(_ *http.Request, sess *ssoSession, _ string) (any, *portalError) {
	s.mu.Lock()
	sess.revoked = true
	s.mu.Unlock()
	return nil, nil
}
