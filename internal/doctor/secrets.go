package doctor

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/awsini"
)

// Limits of the repository scan: larger files are data, not configuration,
// and a key's secret sits within a few lines of its id.
const (
	maxScanSize   = 2 << 20
	secretNearby  = 5
	maxSecretHits = 10
)

var (
	accessKeyRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\b((?:AKIA|ASIA)[A-Z0-9]{16})\b`) })
	// secretRE is 40 characters of base64 standing alone, as AWS secret
	// access keys are.
	secretRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?:$|[^A-Za-z0-9/+=])`)
	})
)

// looksLikeSecret rules out the 40-character strings that are not keys:
// hex digests (no upper case) and words.
func looksLikeSecret(s string) bool {
	var upper, lower, digitOrSym bool
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		default:
			digitOrSym = true
		}
	}
	return upper && lower && digitOrSym && !strings.HasSuffix(s, "EXAMPLEKEY")
}

// exampleKey is AWS's documentation key (AKIAIOSFODNN7EXAMPLE and kin),
// which tests and docs are full of.
func exampleKey(id string) bool { return strings.HasSuffix(id, "EXAMPLE") }

// keyHit is an access key id with a secret near it, at file:line.
type keyHit struct {
	path string
	line int
	id   string
}

// scanKeys finds access key ids in data that have a secret within a few
// lines. Only ids and positions leave it, never the secret.
func scanKeys(data []byte) []keyHit {
	if bytes.IndexByte(data[:min(len(data), 8000)], 0) >= 0 {
		return nil // binary
	}
	if !bytes.Contains(data, []byte("AKIA")) && !bytes.Contains(data, []byte("ASIA")) {
		return nil
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), maxScanSize)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	var hits []keyHit
	for i, l := range lines {
		for _, m := range accessKeyRE().FindAllStringSubmatch(l, -1) {
			if exampleKey(m[1]) {
				continue
			}
			if secretNear(lines, i) {
				hits = append(hits, keyHit{line: i + 1, id: m[1]})
			}
		}
	}
	return hits
}

func secretNear(lines []string, i int) bool {
	for j := max(0, i-secretNearby); j <= min(len(lines)-1, i+secretNearby); j++ {
		for _, m := range secretRE().FindAllStringSubmatch(lines[j], -1) {
			if looksLikeSecret(m[1]) {
				return true
			}
		}
	}
	return false
}

// maskKey shows enough of a key id to tell keys apart.
func maskKey(id string) string {
	if len(id) <= 8 {
		return strings.Repeat("*", len(id))
	}
	return id[:4] + strings.Repeat("*", len(id)-8) + id[len(id)-4:]
}

// ExecGit runs the git on PATH.
func ExecGit(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// notRepo reports git missing, or saying dir is not in a work tree.
func notRepo(err error) bool {
	var ee *exec.Error
	return errors.As(err, &ee) || strings.Contains(err.Error(), "not a git repository")
}

// RepoSecrets: no AWS access key with its secret is tracked by git.
var RepoSecrets = Check{
	ID:    "repo-secrets",
	Title: "No AWS keys in tracked files",
	Run: func(ctx context.Context, e *Env) Result {
		if e.Git == nil {
			return Result{Status: Skip, Detail: "git is not available"}
		}
		out, err := e.Git(ctx, e.Dir, "ls-files", "-z")
		if err != nil {
			if notRepo(err) {
				return Result{Status: Skip, Detail: e.Dir + " is not in a git work tree"}
			}
			return Result{Status: Skip, Detail: "could not list the tracked files: " + err.Error()}
		}
		var hits []keyHit
		n := 0
		for _, rel := range strings.Split(string(out), "\x00") {
			if rel == "" {
				continue
			}
			path := filepath.Join(e.Dir, filepath.FromSlash(rel))
			fi, err := os.Lstat(path)
			if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxScanSize {
				continue
			}
			data, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			n++
			for _, h := range scanKeys(data) {
				h.path = rel
				hits = append(hits, h)
			}
		}
		if len(hits) == 0 {
			return Result{Status: OK, Detail: fmt.Sprintf("no access key with a secret beside it in %d tracked files", n)}
		}
		var where []string
		for i, h := range hits {
			if i == maxSecretHits {
				where = append(where, fmt.Sprintf("and %d more", len(hits)-i))
				break
			}
			where = append(where, fmt.Sprintf("%s:%d (%s)", h.path, h.line, maskKey(h.id)))
		}
		h := hits[0]
		return Result{
			Status: Fail,
			Detail: "git tracks AWS access keys with their secrets: " + strings.Join(where, ", ") + "; anyone with the repository can use them",
			Fix: fmt.Sprintf("aws iam update-access-key --status Inactive --access-key-id ID   (ID: the key at %s:%d, %s; the same for each key), then delete the lines and purge them from the history (git filter-repo)",
				h.path, h.line, maskKey(h.id)),
		}
	},
}

// StaticKeys: the shared files hold no long-term IAM user keys.
var StaticKeys = Check{
	ID:    "static-keys",
	Title: "No long-term keys in ~/.aws",
	Run: func(ctx context.Context, e *Env) Result {
		files := awsconfig.LocateFiles(e.Lookup)
		var found []staticKey
		seen := 0
		for _, path := range []string{files.Credentials, files.Config} {
			ks, err := longTermKeys(path)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			seen++
			if err != nil {
				return Result{Status: Warn, Detail: err.Error(), Fix: "chmod u+r " + path}
			}
			found = append(found, ks...)
		}
		if seen == 0 {
			return Result{Status: Skip, Detail: "no " + files.Credentials + " or " + files.Config}
		}
		if len(found) == 0 {
			return Result{Status: OK, Detail: "no long-term IAM user keys (AKIA...) in " + files.Credentials + " or " + files.Config}
		}
		var where []string
		for _, k := range found {
			where = append(where, fmt.Sprintf("[%s] %s:%d (%s)", k.profile, k.path, k.line, maskKey(k.id)))
		}
		k := found[0]
		return Result{
			Status: Warn,
			Detail: "long-term IAM user keys, which never expire and leak with the file: " + strings.Join(where, ", "),
			Fix: fmt.Sprintf("aws configure sso --profile %s   (IAM Identity Center instead), then delete the keys from %s:%d; meanwhile run tools as: awsauth exec --profile %s -- COMMAND",
				k.profile, k.path, k.line, k.profile),
		}
	},
}

type staticKey struct {
	path, profile, id string
	line              int
}

// longTermKeys lists the aws_access_key_id settings with AKIA ids in path,
// read as the Go SDK reads the file ([awsini]); a key in a section the SDK
// ignores still leaks with the file, so every section counts.
func longTermKeys(path string) ([]staticKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []staticKey
	for _, sec := range awsini.Parse(data).Sections {
		profile := strings.TrimPrefix(sec.Name, "profile ")
		for _, s := range sec.Settings {
			if s.Key == "aws_access_key_id" && strings.HasPrefix(s.Value, "AKIA") {
				out = append(out, staticKey{path: path, profile: profile, id: s.Value, line: s.Line})
			}
		}
	}
	return out, nil
}
