//go:build linux

package hardening

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
)

// window is the shortest run of a secret that counts as leaked: long enough
// that random text never matches by chance, short enough to catch a secret
// cut in half, wrapped or quoted in part.
const window = 12

// publicPrefixes are how whole families of tokens start (every STS session
// token, the fake's SSO access and refresh tokens): they say nothing about
// one token, and would match across tokens, so they are not looked for.
var publicPrefixes = []string{"IQoJb3JpZ2luX2Vj", "aoa", "aor"}

// secretSet finds known secrets in bytes: every window-long run of each
// secret, raw, URL-escaped and JSON-escaped, maps back to its name.
type secretSet struct {
	mu     sync.Mutex
	values map[string]string // name -> value
	names  map[string]string // value -> name
	owner  map[string]string // window -> name; "" when two secrets share it
}

func newSecretSet() *secretSet {
	return &secretSet{values: map[string]string{}, names: map[string]string{}, owner: map[string]string{}}
}

// add registers a secret; a value known under another name keeps that name.
func (s *secretSet) add(name, value string) {
	if len(value) < window {
		panic(fmt.Sprintf("secret %s is shorter than %d characters", name, window))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.names[value]; ok {
		return
	}
	if _, ok := s.values[name]; ok {
		panic("secret name used twice: " + name)
	}
	s.values[name] = value
	s.names[value] = name
	core := value
	for _, p := range publicPrefixes {
		if strings.HasPrefix(core, p) && len(core)-len(p) >= window {
			core = core[len(p):]
			break
		}
	}
	jsonForm, _ := json.Marshal(core)
	for _, form := range []string{core, url.QueryEscape(core), strings.Trim(string(jsonForm), `"`)} {
		for i := 0; i+window <= len(form); i++ {
			w := form[i : i+window]
			if o, ok := s.owner[w]; ok && o != name {
				s.owner[w] = ""
				continue
			}
			s.owner[w] = name
		}
	}
}

// addDynamic registers a secret found at run time (a cache, a child's
// report) under a name made from where it was found.
func (s *secretSet) addDynamic(where, value string) {
	if len(value) < window {
		return
	}
	s.mu.Lock()
	_, known := s.names[value]
	n := len(s.values)
	s.mu.Unlock()
	if !known {
		s.add(fmt.Sprintf("%s#%d", where, n), value)
	}
}

func (s *secretSet) value(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values[name]
}

// leak is one secret found in some output.
type leak struct {
	name    string
	context string // what came before it, the secret itself left out
}

func (l leak) String() string { return fmt.Sprintf("%s after %q", l.name, l.context) }

// find returns each known secret that occurs in data, once.
func (s *secretSet) find(data string) []leak {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	var out []leak
	for i := 0; i+window <= len(data); i++ {
		name := s.owner[data[i:i+window]]
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		from := max(0, i-40)
		out = append(out, leak{name: name, context: data[from:i]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func TestSecretSetFindsPartsAndForms(t *testing.T) {
	s := newSecretSet()
	secret := "wJalrXUtnFEMI/K7MDENG+bPxRfiCYPLANTED0001"
	s.add("static", secret)
	s.add("token1", "IQoJb3JpZ2luX2VjAAAAfirsttokenrandompart")
	s.add("token2", "IQoJb3JpZ2luX2VjBBBBsecondtokenrandompart")
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"key=" + secret, "static"},
		{"cut: " + secret[:14] + "...", "static"},
		{"tail: ..." + secret[25:], "static"},
		{"url: x?k=" + url.QueryEscape(secret), "static"},
		{"prefix only: IQoJb3JpZ2luX2VjAAAA", ""},
		{"token IQoJb3JpZ2luX2VjBBBBsecondtoken", "token2"},
		{"nothing here at all, just words", ""},
	} {
		got := s.find(tc.in)
		names := ""
		if len(got) > 0 {
			names = got[0].name
		}
		if names != tc.want || len(got) > 1 {
			t.Errorf("find(%q) = %v, want %q", tc.in, got, tc.want)
		}
	}
}
