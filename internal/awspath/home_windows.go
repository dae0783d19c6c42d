package awspath

// homeVars name the home directory on Windows: USERPROFILE alone, as in the
// Go SDK (os.UserHomeDir), botocore and the AWS CLI (Python's expanduser).
// HOME is set there by Git Bash, Cygwin and MSYS shells, sometimes to
// another directory (a network drive), and the SDKs ignore it: so must we,
// or awsauth would read other files than the tools it serves.
var homeVars = []string{"USERPROFILE"}
