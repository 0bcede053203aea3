package deb

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLintian runs lintian on both packages and fails on any error (E:).
// Warnings are logged: they are listed in the package's documentation.
func TestLintian(t *testing.T) {
	need(t, "lintian")
	if testing.Short() {
		t.Skip("lintian takes ~20 s; skipped with -short")
	}
	r, built := fixture(t)
	res := packageFixture(t, r, built, nil)
	cmd := exec.Command("lintian", "--tag-display-limit", "0", "--display-info", "--display-experimental", res.Path, res.DbgsymPath)
	out, err := cmd.CombinedOutput()
	// lintian exits 1 when it emits tags at its fail-on level (errors by
	// default); anything else is lintian failing to run.
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 1) {
		t.Fatalf("lintian: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, "E:"):
			t.Error(line)
		case strings.HasPrefix(line, "W:"), strings.HasPrefix(line, "I:"), strings.HasPrefix(line, "X:"):
			t.Log(line)
		}
	}
	if err != nil && !strings.Contains(string(out), "E:") {
		t.Errorf("lintian exited %v without an E: line:\n%s", err, out)
	}
}
