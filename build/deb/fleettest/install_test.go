// Package fleettest installs build/deb's packages into a debootstrap'd
// fleet root with dpkg and runs their maintainer scripts for real. It is a
// separate package so that the unit tests of build/deb do not need the
// harness.
package fleettest

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/build/compile"
	"github.com/repoctl/repoctl/build/deb"
	"github.com/repoctl/repoctl/build/deb/debtest"
	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/harness"
	"github.com/repoctl/repoctl/internal/progress"
)

// TestInstallUpgradePurge: install without systemd succeeds and sets up
// dirs and enablement; configtest works; an upgrade keeps a locally edited
// nginx.conf; remove keeps conffiles; purge removes everything.
func TestInstallUpgradePurge(t *testing.T) {
	r, built := debtest.Fixture(t)
	v1 := packageBuild(t, r, built, 1)
	v2 := packageBuild(t, r, built, 2)
	f := harness.Fleet(t, "")
	ctx := context.Background()
	sh := func(script string) string {
		t.Helper()
		out, err := f.Shell(ctx, script)
		if err != nil {
			t.Fatalf("%s: %v", script, err)
		}
		return out
	}
	copyIn(t, f, v1.Path, "/tmp/v1.deb")
	copyIn(t, f, v2.Path, "/tmp/v2.deb")

	t.Log(sh("dpkg -i /tmp/v1.deb"))
	checkInstalled(t, f)
	if out := sh("/etc/init.d/nginx-realtime configtest"); !strings.Contains(out, "configuration OK") {
		t.Errorf("configtest: %s", out)
	}
	sh("echo '# edited by the admin' >> /etc/nginx-realtime/nginx.conf")

	t.Log(sh("dpkg -i /tmp/v2.deb"))
	if got := sh("dpkg-query -W -f '${Version}' nginx-realtime"); got != v2.Version {
		t.Errorf("installed version %q, want %q", got, v2.Version)
	}
	if conf, _ := f.ReadFile("/etc/nginx-realtime/nginx.conf"); !strings.Contains(string(conf), "edited by the admin") {
		t.Error("the upgrade replaced the locally edited nginx.conf")
	}

	sh("dpkg --remove nginx-realtime")
	mustExist(t, f, "/etc/nginx-realtime/nginx.conf", "/etc/init.d/nginx-realtime")
	mustNotExist(t, f, "/usr/local/nginx-realtime/sbin/nginx", "/usr/bin/nginx-realtime", "/lib/systemd/system/nginx-realtime.service")

	sh("dpkg --purge nginx-realtime")
	mustNotExist(t, f, "/etc/nginx-realtime", "/etc/init.d/nginx-realtime", "/etc/logrotate.d/nginx-realtime",
		"/var/log/nginx-realtime", "/var/cache/nginx-realtime", "/usr/local/nginx-realtime",
		"/etc/rc2.d/S01nginx-realtime", "/etc/systemd/system/multi-user.target.wants/nginx-realtime.service")
	if out := sh("ls /var/lib/systemd/deb-systemd-helper-enabled 2>/dev/null | grep nginx-realtime || true"); out != "" {
		t.Errorf("systemd enablement state left after purge: %s", out)
	}
}

func packageBuild(t *testing.T, r *recipe.Recipe, built *compile.Result, n int) *deb.Result {
	t.Helper()
	res, err := deb.Package(context.Background(), r, built, deb.Options{Suite: "bookworm", Build: n, OutDir: t.TempDir(), Progress: progress.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func copyIn(t *testing.T, f *harness.FleetRoot, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteFile(dst, data, 0o644)
}

// checkInstalled: dirs owned by www-data, service enabled for both init
// systems, nothing started by systemd (there is none).
func checkInstalled(t *testing.T, f *harness.FleetRoot) {
	t.Helper()
	mustExist(t, f, "/etc/nginx-realtime/nginx.conf", "/usr/bin/nginx-realtime",
		"/etc/rc2.d/S01nginx-realtime", "/etc/systemd/system/multi-user.target.wants/nginx-realtime.service")
	for _, d := range []string{"/var/log/nginx-realtime", "/var/cache/nginx-realtime"} {
		out, err := f.Shell(context.Background(), "stat -c %U "+d)
		if err != nil || strings.TrimSpace(out) != "www-data" {
			t.Errorf("%s owner %q (%v), want www-data", d, out, err)
		}
	}
}

func mustExist(t *testing.T, f *harness.FleetRoot, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Lstat(f.Path(p)); err != nil {
			t.Errorf("%s missing: %v", p, err)
		}
	}
}

func mustNotExist(t *testing.T, f *harness.FleetRoot, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Lstat(f.Path(p)); err == nil {
			t.Errorf("%s still there", p)
		}
	}
}
