package buildroot

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/repoctl/repoctl/internal/errs"
)

// aptEnv is the environment of apt and dpkg inside a root.
var aptEnv = []string{"PATH=" + DefaultPATH, "LC_ALL=C", "HOME=/root", "DEBIAN_FRONTEND=noninteractive"}

// apt runs apt-get inside the root as root, output to log and kept for
// the error.
func (r *Root) apt(ctx context.Context, log io.Writer, args ...string) (string, error) {
	var out bytes.Buffer
	err := r.RunAsRoot(ctx, "/", aptEnv, io.MultiWriter(&out, log), "apt-get", args...)
	if err != nil {
		return out.String(), fmt.Errorf("%w\n%s", err, tail(out.String(), 20))
	}
	return out.String(), nil
}

// refresh brings the root up to date with its mirror: new package lists
// (failing when one cannot be fetched) and every update, security ones
// included.
func (r *Root) refresh(ctx context.Context, o Options) error {
	steps := [][]string{
		{"update", "--error-on=any"},
		{"-y", "-o", "Dpkg::Options::=--force-confold", "dist-upgrade"},
		{"clean"},
	}
	for _, s := range steps {
		if _, err := r.apt(ctx, o.Log, s...); err != nil {
			return fmt.Errorf("build root %s: %w", r.Suite, err)
		}
	}
	return nil
}

// installDeps installs the deps that are missing (each "a | b" needs
// one), and only those: naming an installed library again may upgrade it.
func (r *Root) installDeps(ctx context.Context, deps []string, o Options) error {
	missing, err := r.missing(deps)
	if err != nil || len(missing) == 0 {
		return err
	}
	if err := r.checkExist(ctx, missing, o); err != nil {
		return err
	}
	o.Progress.Notef("build root %s: installing %s", r.Suite, strings.Join(missing, " "))
	args := append([]string{"install", "-y", "--no-install-recommends"}, missing...)
	if _, err := r.apt(ctx, o.Log, args...); err != nil {
		return fmt.Errorf("build root %s: %w", r.Suite, err)
	}
	r.apt(ctx, o.Log, "clean") // disk only: a failure changes nothing
	still, err := r.missing(deps)
	if err == nil && len(still) > 0 {
		err = fmt.Errorf("build root %s: still missing after apt-get install: %s", r.Suite, strings.Join(still, " "))
	}
	return err
}

// missing returns, for each dep no alternative of which is installed, its
// first alternative.
func (r *Root) missing(deps []string) ([]string, error) {
	have, err := installedPackages(r.Path("var/lib/dpkg/status"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range deps {
		alts := alternatives(d)
		if len(alts) > 0 && !slices.ContainsFunc(alts, func(a string) bool { return have[a] }) && !slices.Contains(out, alts[0]) {
			out = append(out, alts[0])
		}
	}
	return out, nil
}

var (
	unknownPkg  = regexp.MustCompile(`(?m)^E: Unable to locate package (\S+)`)
	noCandidate = regexp.MustCompile(`(?m)^E: Package '([^']+)' has no installation candidate`)
)

// checkExist asks apt (simulating) whether every package can be
// installed, so that a misspelt or absent one is a usage error naming all
// of them and the suite, not an apt failure in a log.
func (r *Root) checkExist(ctx context.Context, pkgs []string, o Options) error {
	args := append([]string{"install", "--simulate", "--no-install-recommends"}, pkgs...)
	out, err := r.apt(ctx, io.Discard, args...)
	var bad []string
	for _, re := range []*regexp.Regexp{unknownPkg, noCandidate} {
		for _, m := range re.FindAllStringSubmatch(out, -1) {
			bad = append(bad, m[1])
		}
	}
	if len(bad) > 0 {
		return errs.Usage(fmt.Errorf("build-depends not available in %s: %s (check the names for %s, e.g. libssl3t64 and no libluajit2-5.1-2 in trixie)",
			r.Suite, strings.Join(bad, ", "), r.Suite))
	}
	if err != nil {
		return fmt.Errorf("build root %s: cannot install %s: %w", r.Suite, strings.Join(pkgs, " "), err)
	}
	return nil
}

// alternatives splits "a (>= 1) | b:amd64" into package names.
func alternatives(dep string) []string {
	var out []string
	for _, a := range strings.Split(dep, "|") {
		a, _, _ = strings.Cut(strings.TrimSpace(a), " ")
		a, _, _ = strings.Cut(a, "(")
		a, _, _ = strings.Cut(a, ":")
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}
