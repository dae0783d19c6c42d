// Package profilesync writes one profile per IAM Identity Center account and
// role into a clearly marked, managed block of ~/.aws/config. Lines outside
// the block are never touched; the block is replaced whole, so running it
// again with the same assignments changes nothing.
package profilesync

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"

	"github.com/awsauth/awsauth/internal/awsini"
	"github.com/awsauth/awsauth/internal/linefmt"
)

// Assignment is one role in one account the person may use.
type Assignment struct {
	AccountID   string
	AccountName string
	RoleName    string
}

// Portal is the part of the SSO portal API the listing uses.
type Portal interface {
	ListAccounts(ctx context.Context, in *sso.ListAccountsInput, optFns ...func(*sso.Options)) (*sso.ListAccountsOutput, error)
	ListAccountRoles(ctx context.Context, in *sso.ListAccountRolesInput, optFns ...func(*sso.Options)) (*sso.ListAccountRolesOutput, error)
}

// List returns every account and role the access token may use, sorted.
func List(ctx context.Context, p Portal, accessToken string) ([]Assignment, error) {
	var out []Assignment
	accounts := sso.NewListAccountsPaginator(p, &sso.ListAccountsInput{AccessToken: aws.String(accessToken)})
	for accounts.HasMorePages() {
		page, err := accounts.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		for _, a := range page.AccountList {
			roles := sso.NewListAccountRolesPaginator(p, &sso.ListAccountRolesInput{AccessToken: aws.String(accessToken), AccountId: a.AccountId})
			for roles.HasMorePages() {
				rp, err := roles.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("list roles of account %s: %w", aws.ToString(a.AccountId), err)
				}
				for _, r := range rp.RoleList {
					out = append(out, Assignment{AccountID: aws.ToString(a.AccountId), AccountName: aws.ToString(a.AccountName), RoleName: aws.ToString(r.RoleName)})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].AccountName != out[j].AccountName {
			return out[i].AccountName < out[j].AccountName
		}
		if out[i].AccountID != out[j].AccountID {
			return out[i].AccountID < out[j].AccountID
		}
		return out[i].RoleName < out[j].RoleName
	})
	return out, nil
}

// DefaultTemplate names a profile after the account and the role.
const DefaultTemplate = "{{.AccountName}}-{{.RoleName}}"

// Options shape the block.
type Options struct {
	Session  string
	Template string // Go template syntax (linefmt) over .AccountName .AccountID .RoleName .Session
	Region   string // region = in each profile; "" for none
}

// Result is what a sync would do.
type Result struct {
	Config   []byte   // the whole new config file
	Changed  bool     // false when the file is already up to date
	Profiles []string // the profiles of the block
	Skipped  []string // names defined outside the block, left alone
	Diff     string   // the change, as a unified-style diff of the block
}

func beginMarker(session string) string {
	return "# BEGIN awsauth managed profiles: sso-session " + session + " (awsauth profiles sync; edits inside are replaced)"
}

func endMarker(session string) string {
	return "# END awsauth managed profiles: sso-session " + session
}

var unsafeName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9._-]+`) })

// nameFields are what a name template may use.
var nameFields = []string{"AccountName", "AccountID", "RoleName", "Session"}

// Name renders the profile name of a for the template.
func Name(tmpl *linefmt.Format, a Assignment, session string) (string, error) {
	out := tmpl.Execute(map[string]any{"AccountName": a.AccountName, "AccountID": a.AccountID, "RoleName": a.RoleName, "Session": session})
	n := strings.ToLower(strings.Trim(unsafeName().ReplaceAllString(strings.TrimSpace(out), "-"), "-"))
	if n == "" {
		return "", fmt.Errorf("the name template gives an empty name for account %s role %s", a.AccountID, a.RoleName)
	}
	return n, nil
}

// Plan computes the new config file from the current one.
func Plan(current []byte, as []Assignment, o Options) (*Result, error) {
	if o.Template == "" {
		o.Template = DefaultTemplate
	}
	tmpl, err := linefmt.Parse(o.Template, nameFields)
	if err != nil {
		return nil, fmt.Errorf("--name-template: %w", err)
	}
	before, oldBlock, after, err := split(current, o.Session)
	if err != nil {
		return nil, err
	}
	outside := profileNames(append(append([]byte{}, before...), after...))
	res := &Result{}
	var block bytes.Buffer
	block.WriteString(beginMarker(o.Session) + "\n")
	seen := map[string]bool{}
	for _, a := range as {
		name, err := Name(tmpl, a, o.Session)
		if err != nil {
			return nil, err
		}
		if outside[name] || seen[name] {
			res.Skipped = append(res.Skipped, name)
			continue
		}
		seen[name] = true
		res.Profiles = append(res.Profiles, name)
		fmt.Fprintf(&block, "\n[profile %s]\nsso_session = %s\nsso_account_id = %s\nsso_role_name = %s\n", name, o.Session, a.AccountID, a.RoleName)
		if o.Region != "" {
			fmt.Fprintf(&block, "region = %s\n", o.Region)
		}
	}
	block.WriteString("\n" + endMarker(o.Session) + "\n")

	var out bytes.Buffer
	out.Write(before)
	if oldBlock == nil && len(before) > 0 && !bytes.HasSuffix(before, []byte("\n\n")) {
		if !bytes.HasSuffix(before, []byte("\n")) {
			out.WriteByte('\n')
		}
		out.WriteByte('\n')
	}
	out.Write(block.Bytes())
	out.Write(after)
	res.Config = out.Bytes()
	res.Changed = !bytes.Equal(res.Config, current)
	if res.Changed {
		res.Diff = diff(string(oldBlock), block.String())
	}
	return res, nil
}

// split cuts the file around the session's managed block. A block whose end
// marker is missing is an error: guessing where it ends could eat the
// person's own lines.
func split(data []byte, session string) (before, block, after []byte, err error) {
	begin := []byte(beginMarker(session))
	end := []byte(endMarker(session))
	i := bytes.Index(data, begin)
	if i < 0 {
		return data, nil, nil, nil
	}
	if i > 0 && data[i-1] != '\n' {
		return nil, nil, nil, fmt.Errorf("the awsauth begin marker for sso-session %s is not at the start of a line", session)
	}
	j := bytes.Index(data[i:], end)
	if j < 0 {
		return nil, nil, nil, fmt.Errorf("the managed block for sso-session %s has a BEGIN line but no END line: restore the END line (%q) or remove the block", session, string(end))
	}
	j += i + len(end)
	if j < len(data) && data[j] == '\n' {
		j++
	}
	return data[:i], data[i:j], data[j:], nil
}

// profileNames are the profiles data (a config file) defines, as the Go SDK
// names them: [profile NAME] and [default]. Other sections, such as a bare
// [NAME], are no profiles to the SDKs and do not keep a name from the block.
func profileNames(data []byte) map[string]bool {
	m := map[string]bool{}
	for _, name := range awsini.Parse(data).Names() {
		if p, ok := awsini.ProfileName(name, awsini.ConfigFile); ok {
			m[p] = true
		}
	}
	return m
}

// diff is a line diff of a and b (LCS), in unified style without hunks.
func diff(a, b string) string {
	x := strings.Split(strings.TrimSuffix(a, "\n"), "\n")
	y := strings.Split(strings.TrimSuffix(b, "\n"), "\n")
	if a == "" {
		x = nil
	}
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			out.WriteString("  " + x[i] + "\n")
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out.WriteString("+ " + y[j] + "\n")
			j++
		default:
			out.WriteString("- " + x[i] + "\n")
			i++
		}
	}
	return out.String()
}
