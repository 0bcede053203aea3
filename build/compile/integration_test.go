package compile

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/build/source"
	"github.com/repoctl/repoctl/internal/debarchive"
	"github.com/repoctl/repoctl/internal/nginxcheck"
	"github.com/repoctl/repoctl/internal/progress"
)

// TestIntegrationNginxRealtime builds recipes/nginx-realtime.yaml for real
// (sources from the host's apt sources, kept in $REPOCTL_CACHE or
// ~/.cache/repoctl between runs; the build itself always starts fresh),
// runs the staged nginx on loopback and checks push-stream, PURGE and Lua,
// then checks that a second build is served from the cache.
func TestIntegrationNginxRealtime(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles nginx (minutes); skipped with -short")
	}
	r, err := recipe.Load("../../recipes/nginx-realtime.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := debarchive.Load(debarchive.DefaultRoot); err != nil {
		needTool(t, "apt sources ("+err.Error()+")")
	}
	opts := integrationOptions(t)
	start := time.Now()
	res, err := Build(context.Background(), r, opts)
	if err != nil {
		if strings.Contains(err.Error(), "missing build-depends") {
			needTool(t, err.Error())
		}
		t.Fatal(err)
	}
	t.Logf("built in %s: %s", time.Since(start).Round(time.Second), res.StagingDir)
	checkNginxProvenance(t, res)
	checkDefaultLuaPath(t, res.StagingDir, r.Package.Prefix)
	serveStaged(t, res.StagingDir)

	start = time.Now()
	again, err := Build(context.Background(), r, opts)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); !again.Cached || again.Key != res.Key || took > time.Second {
		t.Errorf("second build: cached=%v key=%s in %s; want cached, same key, under a second", again.Cached, again.Key, took)
	}
}

func integrationOptions(t *testing.T) Options {
	cache := os.Getenv("REPOCTL_CACHE")
	if cache == "" {
		home, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		cache = filepath.Join(home, "repoctl")
	}
	return Options{
		StateDir:    t.TempDir(),
		Source:      source.Options{CacheDir: filepath.Join(cache, "sources")},
		Jobs:        2,
		InstallDeps: os.Getenv("CI") == "true", // a fresh CI machine installs what is missing
		Progress:    progress.NewText(testWriter{t}, false),
	}
}

// testWriter sends progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func checkNginxProvenance(t *testing.T, res *Result) {
	t.Helper()
	p := res.Provenance
	if len(p.Sources) != 9 {
		t.Errorf("provenance has %d sources, want 9", len(p.Sources))
	}
	var security, cookie int
	for _, pt := range p.Patches {
		if strings.HasPrefix(pt, "nginx: ") {
			security++
		}
		if strings.Contains(pt, "cookie-flags") {
			cookie++
		}
	}
	if security != 28 || cookie != 1 || len(p.Patches) != 28+2+1+1 {
		t.Errorf("patches: %d for nginx (want Debian's 28), %d cookie_flags (want 1), %d in all (want 32): %q",
			security, cookie, len(p.Patches), p.Patches)
	}
}

// checkDefaultLuaPath: the installed package must find lua-resty-core
// without lua_package_path (recipes/patches/lua-nginx-default-path.patch).
// The staged tree is not at the prefix, so the test looks at the binary.
func checkDefaultLuaPath(t *testing.T, staging, prefix string) {
	t.Helper()
	bin, err := os.ReadFile(filepath.Join(staging, prefix, "sbin/nginx"))
	if err != nil {
		t.Fatal(err)
	}
	want := prefix + "/lualib/?.lua;" + prefix + "/lualib/?/init.lua"
	if !bytes.Contains(bin, []byte(want)) {
		t.Errorf("nginx binary lacks the default Lua path %q", want)
	}
	if _, err := os.Stat(filepath.Join(staging, prefix, "lualib/resty/core.lua")); err != nil {
		t.Errorf("lua-resty-core not installed: %v", err)
	}
}

// serveStaged runs the staged nginx (prefix inside the staging root) with
// nginxcheck's configuration and runs every check.
func serveStaged(t *testing.T, staging string) {
	t.Helper()
	prefix := filepath.Join(staging, "usr/local/nginx-realtime")
	bin := filepath.Join(prefix, "sbin/nginx")
	out, err := exec.Command(bin, "-V").CombinedOutput()
	if err != nil {
		t.Fatalf("%s -V: %v\n%s", bin, err, out)
	}
	for _, m := range []string{"/src/ndk", "/src/lua-nginx", "/src/push-stream", "/src/cache-purge", "--with-http_v2_module"} {
		if !strings.Contains(string(out), m) {
			t.Errorf("nginx -V lacks %s:\n%s", m, out)
		}
	}
	up := httptest.NewServer(nginxcheck.UpstreamHandler())
	defer up.Close()
	listen, err := nginxcheck.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := nginxcheck.Run(ctx, bin, prefix, nginxcheck.Conf{Dir: t.TempDir(), Listen: listen,
		Upstream: strings.TrimPrefix(up.URL, "http://"), LuaLib: filepath.Join(prefix, "lualib")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if err := nginxcheck.Check(ctx, s.ErrorLog, s.Base); err != nil {
		t.Fatal(err)
	}
}
