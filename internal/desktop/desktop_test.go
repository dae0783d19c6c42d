package desktop

import (
	"strings"
	"testing"
)

func TestCommand(t *testing.T) {
	if name, args := command("linux", "awsauth", "log in"); name != "notify-send" || args[len(args)-2] != "awsauth" || args[len(args)-1] != "log in" {
		t.Errorf("linux: %s %q", name, args)
	}
	// A body with quotes cannot break out of the AppleScript string.
	name, args := command("darwin", "awsauth", `say "hi" \ bye`)
	if name != "osascript" || !strings.Contains(args[1], `"say \"hi\" \\ bye"`) {
		t.Errorf("darwin: %s %q", name, args)
	}
	if name, _ := command("windows", "t", "b"); name != "" {
		t.Errorf("windows has no notifier here, got %s", name)
	}
}
