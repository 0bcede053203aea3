package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/internal/harness"
)

func TestStateLocation(t *testing.T) {
	cases := []struct {
		state, cache   string
		local, db, bad string
	}{
		{state: "./.repoctl", local: "./.repoctl"},
		{state: "/srv/repoctl", cache: "/srv/repoctl", local: "/srv/repoctl"},
		{state: "etcd://127.0.0.1:2379/repoctl", local: "./.repoctl", db: "etcd://127.0.0.1:2379/repoctl"},
		{state: "etcd://10.0.0.5:2379/nginx", cache: "/tmp/c", local: "/tmp/c", db: "etcd://10.0.0.5:2379/nginx"},
		{state: "etcd://127.0.0.1:2379", bad: "no prefix"},
		{state: "etcd://127.0.0.1/repoctl", bad: "HOST:PORT"},
		{state: "s3://bucket/state", bad: "want a local directory or etcd://HOST:PORT/PREFIX"},
		{state: "/srv/repoctl", cache: "/tmp/c", bad: "--cache-dir /tmp/c is for --state etcd://"},
	}
	for _, c := range cases {
		app := &App{State: c.state, CacheDir: c.cache}
		local, db, err := app.stateLocation()
		if c.bad != "" {
			if errs.Code(err) != errs.ExitUsage || !strings.Contains(err.Error(), c.bad) {
				t.Errorf("%s (cache %q): %v; want a usage error with %q", c.state, c.cache, err, c.bad)
			}
			if _, err := app.StateDir(); errs.Code(err) != errs.ExitUsage {
				t.Errorf("%s: StateDir: %v; want a usage error", c.state, err)
			}
			continue
		}
		if err != nil || local != c.local || db != c.db {
			t.Errorf("%s (cache %q): %q %q %v; want %q %q", c.state, c.cache, local, db, err, c.local, c.db)
		}
	}
}

// TestStateEtcdCLI: two "runners" (two cache directories) see one
// repository through --state etcd://; nothing of the database is written
// to either directory; an etcd that is down fails in bounded time with a
// message naming it.
func TestStateEtcdCLI(t *testing.T) {
	e := harness.Etcd(t)
	dir := t.TempDir()
	cfg := writeConfig(t, "suites: [bookworm]\n")
	state := e.URL + "/cli"
	cacheA, cacheB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	v1 := repoTestDeb(t, dir, "hello", "1.0-1", "1")
	if code, out, errOut := runCLI(t, "--config", cfg, "--state", state, "--cache-dir", cacheA, "repo", "add", v1); code != 0 || !strings.Contains(out, "added hello 1.0-1") {
		t.Fatalf("runner A: repo add: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "--config", cfg, "--state", state, "--cache-dir", cacheB, "repo", "list"); code != 0 || !strings.Contains(out, "1.0-1") {
		t.Fatalf("runner B: repo list: exit %d\n%s%s", code, out, errOut)
	}
	if m, _ := filepath.Glob(filepath.Join(cacheA, "aptly", "db")); len(m) != 0 {
		t.Errorf("etcd state wrote a local database: %v", m)
	}
	if m, _ := filepath.Glob(filepath.Join(cacheA, "aptly", "pool", "*", "*", "*hello_1.0-1*")); len(m) != 1 {
		t.Errorf("runner A's pool: %v; want the added file", m)
	}
	// REPOCTL_STATE and REPOCTL_CACHE_DIR do the same as the flags.
	t.Setenv("REPOCTL_STATE", state)
	t.Setenv("REPOCTL_CACHE_DIR", filepath.Join(dir, "c"))
	if code, out, errOut := runCLI(t, "--config", cfg, "repo", "list"); code != 0 || !strings.Contains(out, "1.0-1") {
		t.Fatalf("from the environment: repo list: exit %d\n%s%s", code, out, errOut)
	}
	e.Stop()
	start := time.Now()
	code, _, errOut := runCLI(t, "--config", cfg, "repo", "list")
	if code != errs.ExitFailed || !strings.Contains(errOut, "cannot reach etcd at "+e.Addr) {
		t.Errorf("etcd down: exit %d %q; want exit 1 naming etcd at %s", code, errOut, e.Addr)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("etcd down: took %s", took)
	}
	if code, _, errOut := runCLI(t, "--config", cfg, "--state", "etcd://127.0.0.1:1", "repo", "list"); code != errs.ExitUsage || !strings.Contains(errOut, "etcd://HOST:PORT/PREFIX") {
		t.Errorf("bad URL: exit %d %q; want a usage error", code, errOut)
	}
}

// TestStateCopyTo: a local state moves to etcd, and the etcd state then
// lists what the local one held.
func TestStateCopyTo(t *testing.T) {
	e := harness.Etcd(t)
	dir := t.TempDir()
	cfg := writeConfig(t, "suites: [bookworm]\n")
	local := filepath.Join(dir, "state")
	v1 := repoTestDeb(t, dir, "hello", "1.0-1", "1")
	if code, out, errOut := runCLI(t, "--config", cfg, "--state", local, "repo", "add", v1); code != 0 {
		t.Fatalf("repo add: exit %d\n%s%s", code, out, errOut)
	}
	url := e.URL + "/moved"
	if code, out, errOut := runCLI(t, "--config", cfg, "--state", local, "state", "copy-to", url); code != 0 || !strings.Contains(out, "copied ") {
		t.Fatalf("state copy-to: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "--config", cfg, "--state", url, "--cache-dir", filepath.Join(dir, "c"), "repo", "list"); code != 0 || !strings.Contains(out, "1.0-1") {
		t.Fatalf("repo list from etcd: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "--config", cfg, "--state", local, "state", "copy-to", url); code != errs.ExitUsage || !strings.Contains(errOut, "empty prefix") {
		t.Errorf("second copy-to: exit %d %q; want a usage error", code, errOut)
	}
	if code, _, errOut := runCLI(t, "--config", cfg, "--state", local, "state", "copy-to", "etcd://127.0.0.1:2379"); code != errs.ExitUsage || !strings.Contains(errOut, "no prefix") {
		t.Errorf("copy-to without prefix: exit %d %q", code, errOut)
	}
}
