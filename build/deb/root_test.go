package deb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/build/buildroot"
	"github.com/repoctl/repoctl/build/compile"
	"github.com/repoctl/repoctl/build/recipe"
)

// TestPackageInSuiteRoots builds a tiny program linking OpenSSL (named
// nginx: the layout wants one) for
// bookworm and for trixie, each in its clean root, and packages both: the
// Depends are computed in the root the build ran in (libssl3 on bookworm,
// libssl3t64 on trixie) without the caller naming a root, and the versions
// carry ~<suite>1.
func TestPackageInSuiteRoots(t *testing.T) {
	if testing.Short() {
		t.Skip("uses the cached suite roots; skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("build roots need root")
	}
	cache := buildroot.DefaultCacheDir()
	dir := t.TempDir()
	src := filepath.Join(dir, "tls")
	os.MkdirAll(src, 0o755)
	files := map[string]string{
		"configure": "#!/bin/sh\nexit 0\n",
		"Makefile":  "all:\n\t$(CC) $(CFLAGS) $(CPPFLAGS) -o nginx tls.c $(LDFLAGS) -lssl -lcrypto\ninstall:\n\tinstall -D -m 0755 nginx $(DESTDIR)/opt/tls/sbin/nginx\n",
		"tls.c":     "#include <stdio.h>\n#include <openssl/ssl.h>\nint main(void) { puts(OpenSSL_version(OPENSSL_VERSION)); return SSL_library_init() != 1; }\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "tls.yaml")
	body := fmt.Sprintf("name: tls-version\nversion: \"1.0\"\nrevision: 1\nbuild-depends: [build-essential, dpkg-dev, libssl-dev]\n"+
		"sources:\n  - name: tls\n    path: %s\npackage:\n  name: tls-version\n  maintainer: Test <test@example.com>\n  description: test\n  prefix: /opt/tls\n", src)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := recipe.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for suite, want := range map[string]string{"bookworm": "libssl3 (", "trixie": "libssl3t64 ("} {
		t.Run(suite, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(cache, suite+"-amd64.json")); err != nil {
				t.Skipf("no cached %s root in %s", suite, cache)
			}
			ctx := context.Background()
			built, err := compile.Build(ctx, r, compile.Options{StateDir: filepath.Join(dir, "state"), Suite: suite, BuildRoot: true,
				Roots: buildroot.Options{CacheDir: cache}})
			if err != nil {
				t.Fatal(err)
			}
			if built.Root != suite {
				t.Fatalf("built in root %q, want %s", built.Root, suite)
			}
			res, err := Package(ctx, r, built, Options{Suite: suite, OutDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			deps := strings.Join(res.Depends, ", ")
			t.Logf("%s %s: Depends %s", res.Name, res.Version, deps)
			if !strings.Contains(deps, want) || res.Version != "1.0-1~"+suite+"1" {
				t.Errorf("version %s, Depends %q: want ~%s1 and %s...)", res.Version, deps, suite, want)
			}
			if _, err := Package(ctx, r, built, Options{Suite: "sid", OutDir: t.TempDir()}); err == nil {
				t.Errorf("packaged a %s build for sid", suite)
			}
		})
	}
}
