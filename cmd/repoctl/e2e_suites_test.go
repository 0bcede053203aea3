package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/internal/harness"
)

// TestReleaseTwoSuites is issue 10's proof: one release builds the offline
// recipe for bookworm and for trixie (each in a clean root of its suite
// where the host is not that suite), publishes one repository with a
// distribution per suite, and a bookworm host and a trixie host each
// install their own suite's package from it and run the server checks.
func TestReleaseTwoSuites(t *testing.T) {
	e := newE2E(t)
	ctx := context.Background()
	const pkg = "nginx-realtime"

	sum := e.release("--suite", "bookworm,trixie")
	if len(sum.Suites) != 2 {
		t.Fatalf("want a release per suite, got %+v", sum.Suites)
	}
	versions := map[string]string{}
	for _, s := range sum.Suites {
		if !strings.HasSuffix(s.Version, "~"+s.Suite+"1") {
			t.Errorf("suite %s released version %q", s.Suite, s.Version)
		}
		versions[s.Suite] = s.Version
	}

	for _, suite := range []string{"bookworm", "trixie"} {
		t.Run(suite, func(t *testing.T) {
			fleet := harness.Fleet(t, suite)
			useSuiteSources(t, fleet, suite)
			e.hostInstall(ctx, fleet, pkg, "")
			if got := installedVersion(ctx, t, fleet, pkg); got != versions[suite] {
				t.Fatalf("a %s host installed %s, want %s", suite, got, versions[suite])
			}
			serveAndCheck(ctx, t, fleet, pkg)
		})
	}
}

// useSuiteSources gives the fleet root the host's Debian mirror for its own
// suite (the host's sources name the host's suite), so the package's
// Depends resolve to that suite's libraries.
func useSuiteSources(t *testing.T, fleet *harness.FleetRoot, suite string) {
	t.Helper()
	fleet.UseHostSources()
	const file = "/etc/apt/sources.list.d/debian.sources"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("no %s on this host: %v", file, err)
	}
	host := hostSuiteOr(t, "bookworm")
	fleet.WriteFile(file, []byte(strings.ReplaceAll(string(data), host, suite)), 0o644)
}

func hostSuiteOr(t *testing.T, fallback string) string {
	t.Helper()
	app := &App{Config: &Config{}}
	if s, err := repoDist(app, ""); err == nil {
		return s
	}
	return fallback
}
