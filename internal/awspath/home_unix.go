//go:build unix

package awspath

// homeVars name the home directory on Unix. HOME is what the SDKs read;
// USERPROFILE is a last resort, for an environment copied from Windows.
var homeVars = []string{"HOME", "USERPROFILE"}
