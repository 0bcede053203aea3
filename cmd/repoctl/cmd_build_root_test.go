package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/build/buildroot"
	"github.com/repoctl/repoctl/build/compile"
	"github.com/repoctl/repoctl/build/deb"
)

// TestBuildAndPackageInSuiteRoot: build and package --suite trixie (from
// another host, or with --build-root) compile in the cached trixie root
// and give a ~trixie1 package.
func TestBuildAndPackageInSuiteRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("uses the cached trixie root; skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("build roots need root")
	}
	roots := buildroot.DefaultCacheDir()
	if _, err := os.Stat(filepath.Join(roots, "trixie-amd64.json")); err != nil {
		t.Skipf("no cached trixie root in %s", roots)
	}
	recipePath, cfg, state := tinyProject(t), emptyConfig(t), t.TempDir()
	// packaging wants the layout of an nginx: <prefix>/sbin/nginx
	mk := "include config.mk\nhi: hi.c\n\t$(CC) -o hi hi.c\ninstall: hi\n\tmkdir -p $(DESTDIR)$(PREFIX)/sbin && cp hi $(DESTDIR)$(PREFIX)/sbin/nginx\n"
	if err := os.WriteFile(filepath.Join(filepath.Dir(recipePath), "src/Makefile"), []byte(mk), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "--config", cfg, "--state", state, "--json", "build", "--recipe", recipePath,
		"--suite", "trixie", "--build-root", "--roots", roots)
	if code != 0 {
		t.Fatalf("build: exit %d\n%s\n%s", code, out, errOut)
	}
	var res compile.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Root != "trixie" || res.Provenance.Suite != "trixie" || res.RootCacheDir == "" {
		t.Errorf("build result root %q suite %q cache %q: want the trixie root", res.Root, res.Provenance.Suite, res.RootCacheDir)
	}
	// Unsigned: signing is not what this test is about.
	saved := DebSignFn
	DebSignFn = nil
	defer func() { DebSignFn = saved }()
	code, out, errOut = runCLI(t, "--config", cfg, "--state", state, "--json", "package", "--recipe", recipePath,
		"--suite", "trixie", "--build-root", "--roots", roots)
	if code != 0 {
		t.Fatalf("package: exit %d\n%s\n%s", code, out, errOut)
	}
	var p deb.Result
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p.Version, "~trixie1") || !strings.Contains(strings.Join(p.Depends, ","), "libc6") {
		t.Errorf("package %s Depends %v: want ~trixie1 and libc6", p.Version, p.Depends)
	}
	if !strings.Contains(errOut, "cached") && !strings.Contains(out, "cached") {
		t.Logf("package rebuilt instead of reusing the build: %s", errOut)
	}
}
