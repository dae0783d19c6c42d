package explain

import (
	"regexp"
	"strings"
	"sync"
)

// redacted replaces a secret in shown text.
const redacted = "[REDACTED]"

var (
	// namedSecret is a key=value or "key": "value" pair whose key names a
	// secret. The value is replaced whatever its length.
	namedSecret = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)(aws_secret_access_key|aws_session_token|aws_security_token|secret_?access_?key|session_?token|security_?token|access_?token|refresh_?token|client_?secret|x-amz-security-token|x-amz-signature|x-amz-credential)(["']?\s*[:=]\s*["']?)([^\s"'&,;}<]+)`)
	})
	// namedLoose is the same for keys that also appear in prose ("Token
	// has expired"): only a value that looks like a secret is replaced.
	namedLoose = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)\b(token|password|passwd|secret|signature|credential|authorization)(["']?\s*[:=]\s*["']?)([^\s"'&,;}<]{12,})`)
	})
	bearer = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)\b(bearer)(\s+)([A-Za-z0-9._~+/=-]{8,})`) })
	jwt    = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`)
	})
	keyID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\b(AKIA|ASIA|AIDA|AROA|ABIA|ACCA)[A-Z0-9]{12,16}\b`) })
)

// Redact removes what looks like a secret from s: AWS secret access keys
// (40 characters of base64), session and SSO tokens (long base64 runs),
// bearer tokens and JWTs, the values of secret-named keys
// (aws_secret_access_key=..., "SessionToken": "...", Authorization...), and
// masks access key ids as awsauth status does. It errs towards removing too
// much: a hash or path that looks random enough goes too.
func Redact(s string) string {
	s = namedSecret().ReplaceAllString(s, "${1}${2}"+redacted)
	s = namedLoose().ReplaceAllString(s, "${1}${2}"+redacted)
	s = bearer().ReplaceAllString(s, "${1}${2}"+redacted)
	s = jwt().ReplaceAllString(s, redacted)
	s = redactRuns(s)
	s = keyID().ReplaceAllStringFunc(s, func(id string) string {
		return id[:4] + strings.Repeat("*", len(id)-8) + id[len(id)-4:]
	})
	return s
}

// redactRuns replaces runs of base64 characters at least 40 long that mix
// upper and lower case with digits or symbols: a secret access key is
// exactly 40, session and SSO tokens are hundreds. Hex digests (one case)
// and words are left alone.
func redactRuns(s string) string {
	var sb strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !isB64(s[i]) {
			i++
			continue
		}
		j := i
		var upper, lowerc, other bool
		for j < len(s) && isB64(s[j]) {
			c := s[j]
			switch {
			case 'A' <= c && c <= 'Z':
				upper = true
			case 'a' <= c && c <= 'z':
				lowerc = true
			default:
				other = true
			}
			j++
		}
		if j-i >= 40 && upper && lowerc && other {
			sb.WriteString(s[last:i])
			sb.WriteString(redacted)
			last = j
		}
		i = j
	}
	if last == 0 {
		return s
	}
	sb.WriteString(s[last:])
	return sb.String()
}

func isB64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '='
}
