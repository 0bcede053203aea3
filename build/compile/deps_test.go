package compile

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/internal/errs"
)

func TestMissingBuildDepends(t *testing.T) {
	installedPkgs := map[string]bool{"build-essential": true, "libssl-dev": true, "libluajit-5.1-dev": true}
	old := dpkgQuery
	defer func() { dpkgQuery = old }()
	dpkgQuery = func(_ context.Context, pkg string) (string, error) {
		if installedPkgs[pkg] {
			return "install ok installed", nil
		}
		if pkg == "zlib1g-dev" { // removed, config files left
			return "deinstall ok config-files", nil
		}
		return "", errors.New("exit status 1")
	}
	deps := []string{"build-essential", "libssl-dev", "libpcre2-dev (>= 10)", "zlib1g-dev",
		"libluajit2-5.1-dev | libluajit-5.1-dev", "xz-utils:amd64 | foo"}
	err := checkDepends(context.Background(), deps, Options{})
	if errs.Code(err) != errs.ExitUsage {
		t.Fatalf("want a usage error, got %v", err)
	}
	want := "apt-get install -y libpcre2-dev zlib1g-dev xz-utils:amd64"
	if !strings.Contains(err.Error(), want+"\n") {
		t.Errorf("error lacks the exact line %q:\n%v", want, err)
	}
	if strings.Contains(err.Error(), "libssl-dev") {
		t.Errorf("an installed package is named: %v", err)
	}
	if err := checkDepends(context.Background(), []string{"build-essential"}, Options{}); err != nil {
		t.Errorf("nothing missing: %v", err)
	}
}

// TestDependsRealDpkg asks the real dpkg about a package every Debian has
// and one no Debian has.
func TestDependsRealDpkg(t *testing.T) {
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("dpkg-query is required (CI=true)")
		}
		t.Skip("dpkg-query not installed (not Debian)")
	}
	missing, err := missingDepends(context.Background(), []string{"dpkg", "repoctl-no-such-package"})
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != 1 || missing[0] != "repoctl-no-such-package" {
		t.Errorf("missing = %q", missing)
	}
}
