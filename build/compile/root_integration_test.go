package compile

import (
	"context"
	"debug/elf"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/repoctl/repoctl/build/buildroot"
	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/debarchive"
	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/internal/nginxcheck"
)

// needRoots skips unless build roots can be used here: root, debootstrap'd
// roots in the cache (buildroot.DefaultCacheDir), apt sources.
func needRoots(t *testing.T, suite string) buildroot.Options {
	t.Helper()
	if testing.Short() {
		t.Skip("builds in a suite root; skipped with -short")
	}
	if os.Geteuid() != 0 {
		needTool(t, "root (build roots chroot and mount)")
	}
	if _, err := debarchive.Load(debarchive.DefaultRoot); err != nil {
		needTool(t, "apt sources ("+err.Error()+")")
	}
	o := buildroot.Options{CacheDir: buildroot.DefaultCacheDir()}
	if _, err := os.Stat(filepath.Join(o.CacheDir, suite+"-amd64.json")); err != nil && os.Getenv("CI") != "true" {
		needTool(t, fmt.Sprintf("a cached %s root in %s (making one takes minutes)", suite, o.CacheDir))
	}
	return o
}

// TestIntegrationNginxRealtimeTrixieRoot builds recipes/nginx-realtime.yaml
// for trixie in its clean root (from a bookworm host), checks that the
// staged nginx links trixie's libraries and that its Depends, computed in
// the root, name trixie's packages (libssl3t64), then runs nginx inside
// the root (it needs trixie's glibc) and checks push-stream, PURGE, Lua.
func TestIntegrationNginxRealtimeTrixieRoot(t *testing.T) {
	roots := needRoots(t, "trixie")
	r, err := recipe.Load("../../recipes/nginx-realtime.yaml")
	if err != nil {
		t.Fatal(err)
	}
	opts := integrationOptions(t)
	opts.Suite, opts.Roots = "trixie", roots
	ctx := context.Background()
	start := time.Now()
	res, err := Build(ctx, r, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built for trixie in its root in %s: %s", time.Since(start).Round(time.Second), res.StagingDir)
	if res.Root != "trixie" || res.Provenance.Suite != "trixie" || !strings.Contains(res.Provenance.Compiler, "trixie root") {
		t.Errorf("result root %q, provenance suite %q compiler %q: want the trixie root", res.Root, res.Provenance.Suite, res.Provenance.Compiler)
	}
	if res.Provenance.RootPackages["libluajit-5.1-dev"] == "" || res.Provenance.RootPackages["libc6"] == "" {
		t.Errorf("provenance root packages %v: want libc6 and libluajit-5.1-dev", res.Provenance.RootPackages)
	}
	checkNginxProvenance(t, res)
	checkDefaultLuaPath(t, res.StagingDir, r.Package.Prefix)

	bin := filepath.Join(res.StagingDir, r.Package.Prefix, "sbin/nginx")
	needed := elfNeeded(t, bin)
	for _, lib := range []string{"libssl.so.3", "libcrypto.so.3", "libluajit-5.1.so.2", "libpcre2-8.so.0", "libz.so.1", "libc.so.6"} {
		if !slices.Contains(needed, lib) {
			t.Errorf("nginx NEEDED %v: no %s", needed, lib)
		}
	}

	root, err := buildroot.Ensure(ctx, "trixie", nil, roots)
	if err != nil {
		t.Fatal(err)
	}
	depends, err := root.Shlibdeps(ctx, r.Package.Name, res.StagingDir, []string{strings.TrimPrefix(r.Package.Prefix, "/") + "/sbin/nginx"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Depends in the trixie root: %s", depends)
	for _, want := range []string{"libssl3t64", "libluajit-5.1-2", "libpcre2-8-0", "zlib1g", "libc6", "libcrypt1"} {
		if !strings.Contains(depends, want) {
			t.Errorf("Depends %q: no %s", depends, want)
		}
	}
	if strings.Contains(depends, "libssl3 ") || strings.Contains(depends, "libluajit2") {
		t.Errorf("Depends %q names bookworm's packages", depends)
	}
	serveInRoot(t, root, res.StagingDir, r.Package.Prefix)

	// Same inputs: cached, without compiling, under a second.
	start = time.Now()
	again, err := Build(ctx, r, opts)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); !again.Cached || again.Key != res.Key || again.Root != "trixie" || took > time.Second {
		t.Errorf("second build: cached=%v key=%s root=%q in %s; want cached, same key, the trixie root, under a second", again.Cached, again.Key, again.Root, took)
	}
}

func elfNeeded(t *testing.T, bin string) []string {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	needed, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	return needed
}

// serveInRoot runs the staged nginx inside a session of the suite root
// (the binary needs that suite's glibc and libraries) and runs every
// nginxcheck check against it from the host: chroot keeps the host's
// network, so loopback is shared. Inside the root, the session's own host
// path is a symlink to "/", so every host path nginxcheck writes into the
// configuration names the same file inside the root.
func serveInRoot(t *testing.T, root *buildroot.Root, staging, prefix string) {
	t.Helper()
	ctx := context.Background()
	s, err := root.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CopyIn(filepath.Join(staging, prefix), prefix); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(s.Path(s.Dir)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/", s.Path(s.Dir)); err != nil {
		t.Fatal(err)
	}
	wrapper := filepath.Join(t.TempDir(), "nginx-in-root")
	script := fmt.Sprintf("#!/bin/sh\nexec chroot %s %s/sbin/nginx \"$@\"\n", s.Dir, prefix)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	hostPrefix := s.Path(prefix)
	up := httptest.NewServer(nginxcheck.UpstreamHandler())
	defer up.Close()
	listen, err := nginxcheck.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := nginxcheck.Run(ctx, wrapper, hostPrefix, nginxcheck.Conf{Dir: s.Path("/tmp/nginxcheck"), Listen: listen,
		Upstream: strings.TrimPrefix(up.URL, "http://"), LuaLib: filepath.Join(hostPrefix, "lualib")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	if err := nginxcheck.Check(ctx, srv.ErrorLog, srv.Base); err != nil {
		t.Fatal(err)
	}
}

// TestRootMissingBuildDepend: a build-depend the suite does not have
// (trixie has only libluajit-5.1-dev, OpenResty's branch, and no
// libluajit2-5.1-dev) fails before anything is compiled, as a usage
// error naming the package and the suite.
func TestRootMissingBuildDepend(t *testing.T) {
	roots := needRoots(t, "trixie")
	f := newFixture(t)
	r := f.load(t)
	r.BuildDepends = []string{"build-essential", "libluajit2-5.1-dev"}
	r.Suites = nil
	start := time.Now()
	_, err := Build(context.Background(), r, Options{StateDir: f.state, Suite: "trixie", Roots: roots})
	if err == nil {
		t.Fatal("built without libluajit2-5.1-dev in trixie")
	}
	if errs.Code(err) != 2 || !strings.Contains(err.Error(), "libluajit2-5.1-dev") || !strings.Contains(err.Error(), "trixie") {
		t.Errorf("error %v (exit code %d): want a usage error naming libluajit2-5.1-dev and trixie", err, errs.Code(err))
	}
	if _, err := os.Stat(filepath.Join(f.state, "builds")); err == nil {
		t.Errorf("a build directory was made")
	}
	t.Logf("refused in %s: %v", time.Since(start).Round(time.Millisecond), err)
}
