// Package debtest makes the input of build/deb's tests: a fake staging
// root (what "make install DESTDIR=" leaves) with a small C program as
// nginx, and the recipe and build result describing it. Shared by the
// unit tests and the fleet install test.
package debtest

import (
	_ "embed"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/build/compile"
	"github.com/repoctl/repoctl/build/recipe"
)

// Prefix is the fixture's install prefix.
const Prefix = "/usr/local/nginx-realtime"

//go:embed fake-nginx.c.txt
var fakeNginxC []byte

// Need fails the test when CI=true (CI must not pass by skipping) and
// skips it elsewhere, unless every tool is on PATH.
func Need(t testing.TB, tools ...string) {
	t.Helper()
	for _, b := range tools {
		if _, err := exec.LookPath(b); err != nil {
			Missing(t, "this test needs %q on PATH: %v", b, err)
		}
	}
}

// Missing fails the test under CI=true and skips it elsewhere.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and "+format, args...)
	}
	t.Skipf(format, args...)
}

// FakeNginx compiles fake-nginx.c.txt (C; not .c, which go would try
// to build with cgo) to out: linked with zlib and PCRE2,
// with debug info, a build-id and Debian's hardening flags.
func FakeNginx(t testing.TB, out string) {
	t.Helper()
	Need(t, "gcc", "dpkg-shlibdeps", "strip", "objcopy")
	src := filepath.Join(t.TempDir(), "fake-nginx.c")
	if err := os.WriteFile(src, fakeNginxC, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("gcc", "-O2", "-g", "-fstack-protector-strong", "-D_FORTIFY_SOURCE=2",
		"-fPIE", "-pie", "-Wl,-z,relro", "-Wl,-z,now", "-Wl,--build-id=sha1",
		"-o", out, src, "-lz", "-lpcre2-8")
	if b, err := cmd.CombinedOutput(); err != nil {
		Missing(t, "cannot compile the fake nginx (zlib1g-dev, libpcre2-dev?): %v\n%s", err, b)
	}
}

// Fixture makes the staging root and returns the recipe and build result.
func Fixture(t testing.TB) (*recipe.Recipe, *compile.Result) {
	t.Helper()
	dir := t.TempDir()
	staging := filepath.Join(dir, "staging")
	prefix := filepath.Join(staging, Prefix)
	FakeNginx(t, filepath.Join(prefix, "sbin/nginx"))
	for p, data := range map[string]string{
		"conf/mime.types":         "types {\n    text/html html;\n}\n",
		"conf/nginx.conf":         "# upstream's example, replaced by ours\n",
		"conf/nginx.conf.default": "# upstream's example\n",
		"lualib/resty/core.lua":   "return {}\n",
		"html/index.html":         "<html>upstream</html>\n",
		"logs/":                   "",
	} {
		write(t, prefix+"/"+p, data)
	}
	return recipeFor(dir), buildResult(staging)
}

// write creates path with data, or the directory path when it ends in '/'.
func write(t testing.TB, path, data string) {
	t.Helper()
	dir := filepath.Dir(path)
	if strings.HasSuffix(path, "/") {
		dir = path
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, "/") {
		return
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func recipeFor(dir string) *recipe.Recipe {
	return &recipe.Recipe{
		Path: filepath.Join(dir, "recipe.yaml"), Name: "nginx-realtime",
		Version: "1.22.1", Revision: 1, SourceDateEpoch: 1700000000,
		Package: recipe.Package{
			Name:        "nginx-realtime",
			Maintainer:  "repoctl maintainers <repoctl@example.org>",
			Description: "nginx with push-stream, cache purge and Lua\n nginx built by repoctl with the push-stream, cache purge\n and Lua modules.",
			Homepage:    "https://nginx.org/",
			Prefix:      Prefix,
		},
	}
}

func buildResult(staging string) *compile.Result {
	return &compile.Result{StagingDir: staging, Key: "0123abcd", Provenance: compile.Provenance{
		Recipe: "nginx-realtime", RecipeHash: "ab12", BuildKey: "0123abcd", Suite: "bookworm",
		Sources:   []compile.ProvenanceSource{{Name: "nginx", Origin: "debian:main:pool/main/n/nginx/nginx_1.22.1.orig.tar.gz", SHA256: "9ebb333a"}},
		Patches:   []string{"nginx: CVE-2023-44487.patch"},
		Configure: []string{"--prefix=" + Prefix}, Compiler: "gcc (Debian 12.2.0-14) 12.2.0",
		SourceDateEpoch: 1700000000,
	}}
}
