package deb

import (
	"fmt"
	"regexp"

	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/errs"
)

var (
	// Upstream versions must start with a digit (Debian policy 5.6.12). '+'
	// is refused because some S3 front ends read it as a space (FACTS §5);
	// '-' and ':' because we add the revision and never use an epoch.
	upstreamRE = regexp.MustCompile(`^[0-9][A-Za-z0-9.~]*$`)
	suiteRE    = regexp.MustCompile(`^[a-z][a-z0-9]*$`)
)

// Version returns "<upstream>-<revision>~<suite><build>", e.g.
// 1.22.1-1~bookworm1. The "~<suite>" suffix sorts below the bare revision,
// so a later official 1.22.1-1 would win, and bookworm < trixie.
// build <= 0 means 1.
func Version(r *recipe.Recipe, suite string, build int) (string, error) {
	if build <= 0 {
		build = 1
	}
	if !upstreamRE.MatchString(r.Version) {
		return "", errs.Usage(fmt.Errorf("recipe %s: version %q: want digits, letters, '.' or '~', starting with a digit (no '+', '-' or ':')", r.Path, r.Version))
	}
	if r.Revision < 1 {
		return "", errs.Usage(fmt.Errorf("recipe %s: revision %d: want 1 or more", r.Path, r.Revision))
	}
	if !suiteRE.MatchString(suite) {
		return "", errs.Usage(fmt.Errorf("suite %q: want a Debian codename such as bookworm", suite))
	}
	return fmt.Sprintf("%s-%d~%s%d", r.Version, r.Revision, suite, build), nil
}
