package awsfake

import (
	"html"
	"io"
	"net/http"
	"strings"
	"time"
)

// render writes the verification page a person opens from the
// verificationUri: it shows the code and lets them allow or deny it, like
// the Identity Center page does after sign-in. Every value is HTML-escaped.
// (Built by hand rather than with html/template or text/template: a
// template package in awsauth's binary makes every run of it start slower.)
func (d devicePageData) render(w io.Writer) {
	e := html.EscapeString
	var b strings.Builder
	b.WriteString(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>awsauth fake AWS: authorize request</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 3em auto">
<h1>Authorize request</h1>
`)
	if d.Message != "" {
		b.WriteString("<p><strong>" + e(d.Message) + "</strong></p>\n")
	}
	if d.Form {
		b.WriteString(`<p>Signed in as ` + e(d.User) + `. Allow this device to access your AWS accounts?</p>
<form method="post" action="` + e(d.Action) + `">
<label>Code <input name="user_code" value="` + e(d.UserCode) + `" autocomplete="off"></label>
<p>
<button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</p>
</form>
`)
	}
	b.WriteString("</body>\n</html>\n")
	_, _ = io.WriteString(w, b.String())
}

type devicePageData struct {
	Form     bool
	Message  string
	User     string
	UserCode string
	Action   string
}

// devicePage serves GET (the form) and POST (the decision) at the
// verification URI so a demo can be approved in a real browser.
func (s *Server) devicePage(w http.ResponseWriter, r *http.Request) {
	data := devicePageData{Form: true, User: s.scenario.SSOUserName, Action: devicePath}
	status := http.StatusOK
	switch r.Method {
	case http.MethodGet:
		data.UserCode = r.URL.Query().Get("user_code")
	case http.MethodPost:
		if err := r.ParseForm(); err != nil {
			status, data.Message = http.StatusBadRequest, "The form could not be read."
			break
		}
		code := r.PostForm.Get("user_code")
		data.UserCode = code
		var err error
		if r.PostForm.Get("decision") == "deny" {
			err = s.Deny(code)
			data.Message = "Request denied. You can close this window."
		} else {
			err = s.Approve(code)
			data.Message = "Request approved. You can close this window and return to your terminal."
		}
		if err != nil {
			status, data.Message = http.StatusBadRequest, "That code is not valid or has expired. Check the code shown in your terminal."
		} else {
			data.Form = false
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	data.render(w)
}

// SSOToken is what a successful device login leaves in the AWS CLI v2
// token cache: the OIDC client registration and the tokens. Times are
// real (see the package documentation).
type SSOToken struct {
	AccessToken           string
	RefreshToken          string
	ExpiresAt             time.Time
	ClientID              string
	ClientSecret          string
	RegistrationExpiresAt time.Time
}

// IssueSSOToken performs a whole device login without HTTP, as if the
// person had approved it: a client registered with the sso:account:access
// scope (so a refresh token is issued) and a fresh SSO session. Tests use it
// to seed a token cache when the login itself is not what they test.
func (s *Server) IssueSSOToken() SSOToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	c := &oidcClient{
		id:      opaqueToken("", 16),
		secret:  opaqueToken("", 96),
		name:    "awsfake",
		scopes:  []string{"sso:account:access"},
		expires: now.Add(s.scenario.ClientRegistrationLifetime),
	}
	s.oidc.clients[c.id] = c
	out := s.issueTokensLocked(c, &ssoSession{end: now.Add(s.scenario.SSOSessionDuration)})
	at := out["accessToken"].(string)
	return SSOToken{
		AccessToken:           at,
		RefreshToken:          out["refreshToken"].(string),
		ExpiresAt:             realExpiry(s.clock, s.oidc.access[at].expires),
		ClientID:              c.id,
		ClientSecret:          c.secret,
		RegistrationExpiresAt: realExpiry(s.clock, c.expires),
	}
}
