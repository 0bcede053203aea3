package main

// The end-to-end test of issue 7: recipe -> build -> .deb -> sign -> snapshot
// -> publish to a real S3 server -> a debootstrap'd fleet host installs with
// real apt and Signed-By -> the installed nginx serves push-stream, PURGE and
// Lua on loopback; then an upgrade keeps an edited nginx.conf, a rollback
// lets the host install the previous version, and a no-op release compiles
// and uploads nothing.

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/repoctl/repoctl/internal/harness"
	"github.com/repoctl/repoctl/internal/nginxcheck"
)

type e2eEnv struct {
	t      *testing.T
	s3     *harness.S3Server
	dir    string // working directory: repoctl.yaml, keys/, .repoctl/
	public string // anonymous HTTP URL of the published repository
}

func newE2E(t *testing.T) *e2eEnv {
	if testing.Short() {
		t.Skip("end-to-end release: skipped with -short (compiles nginx, debootstraps a host)")
	}
	harness.RequireRoot(t)
	s := harness.S3(t)
	dir := t.TempDir()
	repoRoot, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// The recipe and its patches are used in place; keys/ and state are the test's.
	cfg := fmt.Sprintf(`recipe: %s/recipes/nginx-realtime.yaml
target: s3://%s/apt
endpoint: %s
path-style: true
region: %s
public-url: %s
signing-key: e2e
`, repoRoot, s.Bucket, s.Endpoint, s.Region, s.PublicURL("apt"))
	if err := os.WriteFile(filepath.Join(dir, "repoctl.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Chdir(dir)
	e := &e2eEnv{t: t, s3: s, dir: dir, public: s.PublicURL("apt")}
	// A real, passphrase-protected key: the passphrase reaches repoctl only
	// through the environment, as on a CI runner.
	t.Setenv("REPOCTL_SIGNING_PASSPHRASE", "e2e passphrase")
	e.mustCLI("keys", "generate", "--name", "e2e", "--email", "e2e@example.org")
	return e
}

// cli runs repoctl in-process in the test's directory and returns its exit
// code and output.
func (e *e2eEnv) cli(args ...string) (int, string, string) {
	e.t.Helper()
	return runCLI(e.t, args...)
}

func (e *e2eEnv) mustCLI(args ...string) string {
	e.t.Helper()
	code, out, errOut := e.cli(args...)
	if code != 0 {
		e.t.Fatalf("repoctl %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// release runs repoctl release --json and decodes its summary.
func (e *e2eEnv) release(args ...string) releaseSummary {
	e.t.Helper()
	out := e.mustCLI(append([]string{"--json", "release"}, args...)...)
	var s releaseSummary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		e.t.Fatalf("release --json printed no summary: %v\n%s", err, out)
	}
	return s
}

func stepOf(s releaseSummary, name string) stepReport {
	for _, r := range s.Steps {
		if r.Step == name {
			return r
		}
	}
	return stepReport{}
}

// hostInstall runs `repoctl hosts shell` inside the fleet root, as an image
// bake would.
func (e *e2eEnv) hostInstall(ctx context.Context, fleet *harness.FleetRoot, pkg, version string) {
	e.t.Helper()
	args := []string{"hosts", "shell", "--url", e.public, "--package", pkg}
	if version != "" {
		args = append(args, "--version", version)
	}
	script := e.mustCLI(args...)
	fleet.WriteFile("/root/install.sh", []byte(script), 0o755)
	if out, err := fleet.Run(ctx, "sh", "/root/install.sh"); err != nil {
		e.t.Fatalf("hosts shell script failed in the fleet root: %v\n%s", err, out)
	}
}

// serve starts the installed nginx inside the fleet root with the checks'
// configuration on a free loopback port, and runs the checks against it.
func serveAndCheck(ctx context.Context, t *testing.T, fleet *harness.FleetRoot, name string) {
	t.Helper()
	upstream := httptestUpstream(t)
	listen, err := nginxcheck.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := "/tmp/checks-" + name
	conf, err := nginxcheck.Config(nginxcheck.Conf{Dir: dir, Listen: listen, Upstream: upstream, User: "root"})
	if err != nil {
		t.Fatal(err)
	}
	conf = strings.Replace(conf, "daemon off;", "daemon on;", 1)
	fleet.WriteFile(dir+"/nginx.conf", []byte(conf), 0o644)
	bin := "/usr/bin/" + name
	if out, err := fleet.Run(ctx, bin, "-t", "-c", dir+"/nginx.conf"); err != nil {
		t.Fatalf("%s -t: %v\n%s", bin, err, out)
	}
	if out, err := fleet.Run(ctx, bin, "-c", dir+"/nginx.conf"); err != nil {
		t.Fatalf("starting %s in the fleet root: %v\n%s", bin, err, out)
	}
	defer fleet.Run(context.WithoutCancel(ctx), bin, "-c", dir+"/nginx.conf", "-s", "quit")
	if err := waitTCP(listen, 15*time.Second); err != nil {
		log, _ := fleet.ReadFile(dir + "/error.log")
		t.Fatalf("nginx in the fleet root does not listen on %s: %v\n%s", listen, err, log)
	}
	if err := nginxcheck.Check(ctx, fleet.Path(dir+"/error.log"), "http://"+listen); err != nil {
		t.Fatalf("installed %s fails the server checks: %v", name, err)
	}
}

func httptestUpstream(t *testing.T) string {
	srv := httptest.NewServer(nginxcheck.UpstreamHandler())
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func waitTCP(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func installedVersion(ctx context.Context, t *testing.T, fleet *harness.FleetRoot, pkg string) string {
	t.Helper()
	out, err := fleet.Run(ctx, "dpkg-query", "-W", "-f=${Version}", pkg)
	if err != nil {
		t.Fatalf("dpkg-query %s: %v\n%s", pkg, err, out)
	}
	return strings.TrimSpace(out)
}

// TestReleaseEndToEnd is issue 7's proof, on real components only.
func TestReleaseEndToEnd(t *testing.T) {
	e := newE2E(t)
	ctx := context.Background()
	const pkg = "nginx-realtime"

	// 1. Release the offline recipe to the real S3 server.
	first := e.release()
	if !first.OK || first.Package != pkg || !strings.HasSuffix(first.Version, "~bookworm1") {
		t.Fatalf("first release: %+v", first)
	}
	if v := stepOf(first, "verify"); v.Skipped || v.Error != "" {
		t.Fatalf("first release did not verify: %+v", v)
	}

	// 2. A fresh fleet root installs it through `repoctl hosts shell`.
	fleet := harness.Fleet(t, "")
	fleet.UseHostSources() // a fleet host has Debian's archive for the Depends
	e.hostInstall(ctx, fleet, pkg, "")
	if got := installedVersion(ctx, t, fleet, pkg); got != first.Version {
		t.Fatalf("installed %s, released %s", got, first.Version)
	}
	// The shipped configuration passes nginx -t as installed.
	if out, err := fleet.Run(ctx, "/usr/bin/"+pkg, "-t"); err != nil {
		t.Fatalf("shipped nginx.conf does not pass -t: %v\n%s", err, out)
	}

	// 3. The installed server: push-stream, PURGE, Lua, a clean error log.
	serveAndCheck(ctx, t, fleet, pkg)

	// 6. Nothing changed: nothing compiled, nothing uploaded.
	mark := e.s3.Mark()
	noop := e.release()
	for _, name := range []string{"build", "package", "repo-add", "snapshot", "publish"} {
		if s := stepOf(noop, name); !s.Skipped {
			t.Errorf("no-op release: step %s was not skipped: %+v", name, s)
		}
	}
	if n := e.s3.RequestCounts(mark); n["PUT"] > 2 || n["COPY"] > 0 || n["DELETE"] > 2 {
		// The preflight probe and the lock are the only writes (each a PUT and a DELETE).
		t.Errorf("no-op release wrote to the bucket: %v", n)
	}

	// 4. Edit the host's nginx.conf, release a new revision, upgrade.
	const edit = "\n# edited on the host by the e2e test\n"
	conf := "/etc/" + pkg + "/nginx.conf"
	old, err := fleet.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	fleet.WriteFile(conf, append(old, edit...), 0o644)
	second := e.release("--build-number", "2")
	if second.Version == first.Version || !strings.HasSuffix(second.Version, "~bookworm2") {
		t.Fatalf("second release version %q (first %q)", second.Version, first.Version)
	}
	if s := stepOf(second, "build"); !s.Skipped {
		t.Errorf("a new build number must reuse the build: %+v", s)
	}
	if out, err := fleet.Shell(ctx, "apt-get update -q && apt-get upgrade -y -q"); err != nil {
		t.Fatalf("apt-get upgrade: %v\n%s", err, out)
	}
	if got := installedVersion(ctx, t, fleet, pkg); got != second.Version {
		t.Fatalf("after upgrade: installed %s, want %s", got, second.Version)
	}
	if now, _ := fleet.ReadFile(conf); !strings.Contains(string(now), edit) {
		t.Fatalf("the upgrade lost the host's edit of %s", conf)
	}
	serveAndCheck(ctx, t, fleet, pkg)

	// 5. Rollback: the previous snapshot is published again and the host
	// can install the previous version.
	e.mustCLI("rollback")
	if out, err := fleet.Shell(ctx, "apt-get update -q && apt-get install -y -q --allow-downgrades "+pkg+"="+first.Version); err != nil {
		t.Fatalf("installing the previous version after rollback: %v\n%s", err, out)
	}
	if got := installedVersion(ctx, t, fleet, pkg); got != first.Version {
		t.Fatalf("after rollback: installed %s, want %s", got, first.Version)
	}
	e.mustCLI("verify", e.public)
}
