package doctor

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/awsauth/awsauth/internal/awsconfig"
	"github.com/awsauth/awsauth/internal/ssotoken"
)

// readByOthers are the permission bits that let other users read a file.
const readByOthers fs.FileMode = 0o044

// FileModes: the files that hold secrets are readable by their owner only.
var FileModes = Check{
	ID:    "file-modes",
	Title: "Key and token files are private",
	Run: func(ctx context.Context, e *Env) Result {
		goos := e.GOOS
		if goos == "" {
			goos = runtime.GOOS
		}
		if goos == "windows" {
			return Result{Status: Skip, Detail: "file modes do not apply on Windows"}
		}
		creds := awsconfig.LocateFiles(e.Lookup).Credentials
		cache := ssotoken.CacheDir(awsconfig.HomeDir(e.Lookup))
		var open []string // "path (mode)"
		var fixes []string
		var looked []string

		if fi, err := os.Stat(creds); err == nil {
			looked = append(looked, creds)
			if fi.Mode().Perm()&readByOthers != 0 {
				open = append(open, fmt.Sprintf("%s (%04o)", creds, fi.Mode().Perm()))
				fixes = append(fixes, "chmod 600 "+creds)
			}
		}
		if fi, err := os.Stat(cache); err == nil && fi.IsDir() {
			// The directory's own mode matters less: a token file that
			// only its owner may read stays private in an open directory.
			looked = append(looked, cache)
			var loose int
			_ = filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
					return nil
				}
				if info, err := d.Info(); err == nil && info.Mode().Perm()&readByOthers != 0 {
					if loose == 0 {
						open = append(open, fmt.Sprintf("%s (%04o)", p, info.Mode().Perm()))
					}
					loose++
				}
				return nil
			})
			if loose > 1 {
				open = append(open, fmt.Sprintf("and %d more token files", loose-1))
			}
			if loose > 0 {
				fixes = append(fixes, "chmod 600 "+filepath.Join(cache, "*.json"))
			}
		}
		if len(looked) == 0 {
			return Result{Status: Skip, Detail: fmt.Sprintf("no %s and no %s", creds, cache)}
		}
		if len(open) > 0 {
			return Result{Status: Warn, Detail: "other users of this machine can read secrets in: " + strings.Join(open, ", "), Fix: strings.Join(fixes, " && ")}
		}
		return Result{Status: OK, Detail: "only you can read " + strings.Join(looked, " and ")}
	},
}
