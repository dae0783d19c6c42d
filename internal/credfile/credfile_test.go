package credfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/awsauth/awsauth/internal/sysenv"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// home makes a sealed HOME with a config file, and returns its environment.
func home(t *testing.T, extra map[string]string) sysenv.Env {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".aws", "config"), []byte("[profile dev]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := map[string]string{"HOME": dir, "USERPROFILE": dir}
	for k, v := range extra {
		m[k] = v
	}
	return sysenv.FromMap(m)
}

func put(t *testing.T, env sysenv.Env, profile string, e Entry) {
	t.Helper()
	dir := DirFor(env)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	data, err := Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(Path(dir, Key(profile, env)), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func fresh() Entry {
	return Entry{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret/+", SessionToken: "token", AccountID: "111111111111",
		Expiration: now.Add(time.Hour), Obtained: now.Add(-time.Minute)}
}

func TestAnswer(t *testing.T) {
	env := home(t, nil)
	put(t, env, "dev", fresh())
	want, err := NewProcessOutput("ASIAEXAMPLE", "secret/+", "token", "111111111111", now.Add(time.Hour)).JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"credential-process", "--profile", "dev"},
		{"credential-process", "--profile=dev"},
	} {
		var out bytes.Buffer
		handled, err := Answer(args, env, now, &out)
		if !handled || err != nil || out.String() != string(want) {
			t.Errorf("Answer(%q) = %v, %v, %q; want handled with %q", args, handled, err, out.String(), want)
		}
	}
	var p ProcessOutput
	if err := json.Unmarshal(want, &p); err != nil || p.Version != 1 || p.Expiration != "2026-11-24T13:00:00Z" {
		t.Errorf("payload %s: %+v, %v", want, p, err)
	}

	// Not answered, and nothing written: other commands and flags, another
	// profile, the profile from AWS_PROFILE (its own entry), a stale or
	// corrupt entry.
	notHandled := func(t *testing.T, env sysenv.Env, args ...string) {
		t.Helper()
		var out bytes.Buffer
		if handled, err := Answer(args, env, now, &out); handled || err != nil || out.Len() > 0 {
			t.Errorf("Answer(%q) = %v, %v, wrote %q; want it left to the command", args, handled, err, out.String())
		}
	}
	notHandled(t, env)
	notHandled(t, env, "status")
	notHandled(t, env, "credential-process", "--profile", "dev", "--debug")
	notHandled(t, env, "credential-process", "--debug", "--profile", "dev")
	notHandled(t, env, "credential-process", "--profile")
	notHandled(t, env, "credential-process", "--profile", "--debug")
	notHandled(t, env, "credential-process", "--profile=")
	notHandled(t, env, "credential-process", "--profile", "prod")
	notHandled(t, env, "credential-process")
	notHandled(t, sysenv.FromMap(map[string]string{"HOME": env.Get("HOME"), "USERPROFILE": env.Get("HOME"), "AWS_PROFILE": "dev"}), "credential-process")

	stale := fresh()
	stale.Obtained, stale.Expiration = now.Add(-50*time.Minute), now.Add(10*time.Minute) // 1 h credentials, 10 min left: inside their 15-minute window
	put(t, env, "dev", stale)
	notHandled(t, env, "credential-process", "--profile", "dev")

	if err := os.WriteFile(Path(DirFor(env), Key("dev", env)), []byte(`{"AccessKeyId":"ASIA`), 0o600); err != nil {
		t.Fatal(err)
	}
	notHandled(t, env, "credential-process", "--profile", "dev")
}

func TestAnswerWriteError(t *testing.T) {
	env := home(t, nil)
	put(t, env, "dev", fresh())
	handled, err := Answer([]string{"credential-process", "--profile", "dev"}, env, now, failingWriter{})
	if !handled || err == nil {
		t.Fatalf("Answer = %v, %v; want handled with the write error", handled, err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("stdout closed") }

// TestKeyChangesWithWhatDecidesTheCredentials: the key covers the profile,
// the shared files' bytes and the environment that picks the source.
func TestKeyChangesWithWhatDecidesTheCredentials(t *testing.T) {
	env := home(t, nil)
	base := Key("dev", env)
	if Key("dev", env) != base {
		t.Fatal("the key is not stable")
	}
	if Key("prod", env) == base {
		t.Error("the profile does not change the key")
	}
	if Key("dev", sysenv.FromMap(map[string]string{"HOME": env.Get("HOME"), "USERPROFILE": env.Get("HOME"), "AWS_ACCESS_KEY_ID": "AKIA"})) == base {
		t.Error("AWS_ACCESS_KEY_ID does not change the key")
	}
	cfg := filepath.Join(env.Get("HOME"), ".aws", "config")
	if err := os.WriteFile(cfg, []byte("[profile dev]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if Key("dev", env) == base {
		t.Error("the config file's bytes do not change the key")
	}
}

// TestAnswerRenewsByTheRule: the early credential-process path answers
// from the cache up to the instant the renewal rule makes the entry due
// (min(15 min, half the lifetime from when it was obtained) before expiry),
// and not from then on: the same moment exec's keeper renews it.
func TestAnswerRenewsByTheRule(t *testing.T) {
	var unknown time.Time
	tests := []struct {
		name     string
		obtained time.Time // zero: the entry does not say
		life     time.Duration
		window   time.Duration // renewed this long before expiry
	}{
		{"1h credentials", now, time.Hour, 15 * time.Minute},
		{"40 s credentials", now, 40 * time.Second, 20 * time.Second},
		{"12h credentials", now, 12 * time.Hour, 15 * time.Minute},
		{"20 min credentials", now, 20 * time.Minute, 10 * time.Minute},
		// Without the time they were obtained, the widest window: never
		// later than the rule, whatever their lifetime.
		{"1h credentials, obtained unknown", unknown, time.Hour, 15 * time.Minute},
		{"40 s credentials, obtained unknown", unknown, 40 * time.Second, 15 * time.Minute},
	}
	args := []string{"credential-process", "--profile", "dev"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := home(t, nil)
			e := fresh()
			e.Obtained, e.Expiration = tt.obtained, now.Add(tt.life)
			put(t, env, "dev", e)
			due := e.Expiration.Add(-tt.window)
			for _, c := range []struct {
				at   time.Time
				want bool
			}{
				{now, due.After(now)},
				{due.Add(-time.Millisecond), true},
				{due, false},
				{due.Add(time.Second), false},
			} {
				var out bytes.Buffer
				handled, err := Answer(args, env, c.at, &out)
				if err != nil || handled != c.want {
					t.Errorf("with %v left: handled %v, %v; want %v (renewal due with %v left)", e.Expiration.Sub(c.at), handled, err, c.want, tt.window)
				}
			}
		})
	}
}

// TestEntryWithoutObtained: a cache file without the Obtained field (the
// format is awsauth's own; a hand-written or truncated entry) counts as
// obtained at an unknown time, and gets the widest window.
func TestEntryWithoutObtained(t *testing.T) {
	env := home(t, nil)
	dir := DirFor(env)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	data := `{"AccessKeyId":"ASIAOLD","SecretAccessKey":"s","SessionToken":"t","Expiration":"2026-11-24T12:20:00Z"}`
	if err := os.WriteFile(Path(dir, Key("dev", env)), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	e, ok := Lookup(dir, Key("dev", env), now.Add(5*time.Minute-time.Second))
	if !ok || !e.Obtained.IsZero() {
		t.Fatalf("with 15m1s left: Lookup = %+v, %v; want a hit, obtained unknown", e.Obtained, ok)
	}
	if _, ok := Lookup(dir, Key("dev", env), now.Add(5*time.Minute)); ok {
		t.Error("with 15m0s left: a hit; want a miss")
	}
}
