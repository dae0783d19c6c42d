package doctor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	"github.com/hashicorp/go-envparse"

	"github.com/awsauth/awsauth/internal/sysenv"
)

// The variables that name the account and region a deployment expects, in
// the order they are looked up: the environment first, then .env.
var (
	accountVars = []string{"AWS_ACCOUNT_ID", "CDK_DEFAULT_ACCOUNT"}
	regionVars  = []string{"CDK_DEFAULT_REGION"}
)

var (
	accountRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{12}$`) })
	regionRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`) })
)

// BadExpectationError is an expected account or region that cannot be one.
type BadExpectationError struct {
	What, Value, From string
}

func (e *BadExpectationError) Error() string {
	return fmt.Sprintf("%s %q (from %s) is not an AWS %s", e.What, e.Value, e.From, e.What)
}

// Hints says what a valid value looks like.
func (e *BadExpectationError) Hints() []string {
	if e.What == "account" {
		return []string{"an account id is 12 digits, e.g. --expect-account 123456789012"}
	}
	return []string{"a region looks like eu-west-1, e.g. --expect-region eu-west-1"}
}

// ResolveExpect fills in what flags left open: the account from
// AWS_ACCOUNT_ID or CDK_DEFAULT_ACCOUNT, the region from CDK_DEFAULT_REGION,
// taken from the environment and then from the .env file in dir. Values are
// validated by name; a .env file that does not parse is an error naming it.
func ResolveExpect(flags Expect, env sysenv.Env, dir string) (Expect, error) {
	x := flags
	if x.Account != "" && x.AccountFrom == "" {
		x.AccountFrom = "--expect-account"
	}
	if x.Region != "" && x.RegionFrom == "" {
		x.RegionFrom = "--expect-region"
	}
	if x.Account == "" {
		x.Account, x.AccountFrom = firstSet(env, accountVars, "")
	}
	if x.Region == "" {
		x.Region, x.RegionFrom = firstSet(env, regionVars, "")
	}
	if (x.Account == "" || x.Region == "") && dir != "" {
		path := filepath.Join(dir, ".env")
		vars, err := readDotenv(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			var pe *fs.PathError
			if errors.As(err, &pe) {
				return x, fmt.Errorf("read %s: %w", path, err)
			}
			// A .env usually holds secrets: say where the problem is, and
			// never what the file says there.
			return x, fmt.Errorf("read %s: not a .env file awsauth can parse%s (a quote left open, a line without =, or a name with a character other than letters, digits, _ and .)", path, dotenvLine(err))
		default:
			dotenv := sysenv.FromMap(vars)
			if x.Account == "" {
				x.Account, x.AccountFrom = firstSet(dotenv, accountVars, " in .env")
			}
			if x.Region == "" {
				x.Region, x.RegionFrom = firstSet(dotenv, regionVars, " in .env")
			}
		}
	}
	if x.Account != "" && !accountRE().MatchString(x.Account) {
		return x, &BadExpectationError{What: "account", Value: x.Account, From: x.AccountFrom}
	}
	if x.Region != "" && !regionRE().MatchString(x.Region) {
		return x, &BadExpectationError{What: "region", Value: x.Region, From: x.RegionFrom}
	}
	return x, nil
}

func firstSet(env sysenv.Env, keys []string, suffix string) (string, string) {
	if v, k := env.First(keys...); v != "" {
		return v, k + suffix
	}
	return "", ""
}

// fileExists reports whether path names a regular file.
func fileExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// readDotenv reads a .env file: KEY=value lines, comments, an "export "
// prefix, single and double quotes.
func readDotenv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return envparse.Parse(f)
}

// dotenvLine is " (line N)" for a parse error that knows its line.
func dotenvLine(err error) string {
	var pe *envparse.ParseError
	if errors.As(err, &pe) && pe.Line > 0 {
		return fmt.Sprintf(" (line %d)", pe.Line)
	}
	return ""
}
