package awsfake

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// federationPath is the AWS sign-in federation endpoint's path
// (https://signin.aws.amazon.com/federation), which turns temporary
// credentials into a console sign-in token and the token into a session.
const federationPath = "/federation"

// federation answers Action=getSigninToken and Action=login.
func (s *Server) federation(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	switch q.Get("Action") {
	case "getSigninToken":
		s.count("GetSigninToken")
		var sess struct {
			SessionID    string `json:"sessionId"`
			SessionKey   string `json:"sessionKey"`
			SessionToken string `json:"sessionToken"`
		}
		if err := json.Unmarshal([]byte(q.Get("Session")), &sess); err != nil || sess.SessionID == "" {
			http.Error(w, "The Session parameter is missing or malformed.", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		c, ok := s.keys[sess.SessionID]
		valid := ok && c.sessionToken != "" &&
			subtle.ConstantTimeCompare([]byte(c.secret), []byte(sess.SessionKey)) == 1 &&
			subtle.ConstantTimeCompare([]byte(c.sessionToken), []byte(sess.SessionToken)) == 1 &&
			!c.expired(s.clock.Now())
		var token string
		if valid {
			token = opaqueToken("signin-", 48)
			if s.signin == nil {
				s.signin = map[string]time.Time{}
			}
			s.signin[token] = s.clock.Now().Add(15 * time.Minute)
		}
		s.mu.Unlock()
		if !valid {
			// AWS answers a bad or long-term credential with a bare 400.
			http.Error(w, "Invalid or expired temporary credentials.", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"SigninToken": token})
	case "login":
		s.count("FederationLogin")
		token := q.Get("SigninToken")
		s.mu.Lock()
		exp, ok := s.signin[token]
		ok = ok && s.clock.Now().Before(exp)
		if ok {
			delete(s.signin, token) // a sign-in token works once
		}
		s.mu.Unlock()
		dest, err := url.Parse(q.Get("Destination"))
		if !ok || err != nil || dest.Scheme != "https" {
			http.Error(w, "The sign-in token is invalid or has expired.", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, dest.String(), http.StatusFound)
	default:
		http.Error(w, "unknown Action", http.StatusBadRequest)
	}
}
