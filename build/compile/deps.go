package compile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/repoctl/repoctl/internal/errs"
)

// dpkgQuery runs dpkg-query; a variable so tests can stand in for dpkg.
var dpkgQuery = func(ctx context.Context, pkg string) (string, error) {
	out, err := exec.CommandContext(ctx, "dpkg-query", "-W", "-f=${Status}", pkg).Output()
	return string(out), err
}

// missingDepends returns the build-depends that are not installed. An entry
// "a | b" is satisfied by either; version constraints are not checked (the
// build itself fails clearly on a too-old library).
func missingDepends(ctx context.Context, deps []string) ([]string, error) {
	var missing []string
	for _, d := range deps {
		alts := alternatives(d)
		ok := false
		for _, a := range alts {
			yes, err := installed(ctx, a)
			if err != nil {
				return nil, err
			}
			if yes {
				ok = true
				break
			}
		}
		if !ok && len(alts) > 0 {
			missing = append(missing, alts[0])
		}
	}
	return missing, nil
}

// alternatives splits "a (>= 1) | b:amd64" into package names.
func alternatives(dep string) []string {
	var out []string
	for _, a := range strings.Split(dep, "|") {
		a, _, _ = strings.Cut(strings.TrimSpace(a), " ")
		a, _, _ = strings.Cut(a, "(")
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// installed asks dpkg; dpkg-query exits 1 for an unknown package, which
// is "not installed", not a failure.
func installed(ctx context.Context, pkg string) (bool, error) {
	status, err := dpkgQuery(ctx, pkg)
	if errors.Is(err, exec.ErrNotFound) {
		return false, errs.Usage(errors.New("build-depends: dpkg-query not found: repoctl builds on Debian or Ubuntu"))
	}
	return err == nil && strings.HasSuffix(strings.TrimSpace(status), " installed"), nil
}

// checkDepends fails with the exact apt-get line when build-depends are
// missing, or installs only the missing ones when asked: naming an
// installed library package (libssl-dev) can upgrade its runtime under
// running services.
func checkDepends(ctx context.Context, deps []string, o Options) error {
	missing, err := missingDepends(ctx, deps)
	if err != nil || len(missing) == 0 {
		return err
	}
	line := "apt-get install -y " + strings.Join(missing, " ")
	if !o.InstallDeps {
		return errs.Usage(fmt.Errorf("missing build-depends: %s\ninstall them with:\n  %s\n(or run again with --install-deps)",
			strings.Join(missing, ", "), line))
	}
	o.Progress.Notef("installing build-depends: %s", strings.Join(missing, " "))
	// A fresh machine's package lists may be empty or stale: update first.
	for _, args := range [][]string{{"update", "-qq"}, append([]string{"install", "-y", "--no-install-recommends"}, missing...)} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = o.Log, o.Log
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("apt-get %s: %w", strings.Join(args, " "), err)
		}
	}
	if still, _ := missingDepends(ctx, deps); len(still) > 0 {
		return fmt.Errorf("build-depends still missing after %s: %s", line, strings.Join(still, " "))
	}
	return nil
}
