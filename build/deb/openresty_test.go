package deb

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenRestyLayout: OpenResty installs nginx under <prefix>/nginx and
// Lua libraries under <prefix>/lualib. The links, unit and config follow.
func TestOpenRestyLayout(t *testing.T) {
	need(t, "dpkg-deb")
	r, built := fixture(t)
	prefix := filepath.Join(built.StagingDir, testPrefix)
	if err := os.MkdirAll(filepath.Join(prefix, "nginx"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"sbin", "conf", "html", "logs"} {
		if err := os.Rename(filepath.Join(prefix, d), filepath.Join(prefix, "nginx", d)); err != nil {
			t.Fatal(err)
		}
	}
	r.Package.Name = "openresty-realtime"
	res := packageFixture(t, r, built, nil)
	if res.Name != "openresty-realtime" || !strings.HasPrefix(filepath.Base(res.Path), "openresty-realtime_1.22.1-1~bookworm1_") {
		t.Errorf("result %+v", res)
	}
	x := t.TempDir()
	cmdOut(t, "dpkg-deb", "--raw-extract", res.Path, x)
	nginxRoot := testPrefix[1:] + "/nginx"
	for link, want := range map[string]string{
		"usr/bin/openresty-realtime": "../local/nginx-realtime/nginx/sbin/nginx",
		nginxRoot + "/conf":          "/etc/openresty-realtime",
		nginxRoot + "/logs":          "/var/log/openresty-realtime",
	} {
		if got, err := os.Readlink(filepath.Join(x, link)); err != nil || got != want {
			t.Errorf("%s -> %q (%v), want -> %s", link, got, err, want)
		}
	}
	unit := readFile(t, filepath.Join(x, "lib/systemd/system/openresty-realtime.service"))
	if !strings.Contains(unit, "ExecStart=/usr/local/nginx-realtime/nginx/sbin/nginx -p /usr/local/nginx-realtime/nginx/ -c /etc/openresty-realtime/nginx.conf") {
		t.Errorf("unit:\n%s", unit)
	}
	conf := readFile(t, filepath.Join(x, "etc/openresty-realtime/nginx.conf"))
	for _, want := range []string{`lua_package_path  "/usr/local/nginx-realtime/lualib/?.lua;;";`, "root /usr/local/nginx-realtime/nginx/html;"} {
		if !strings.Contains(conf, want) {
			t.Errorf("nginx.conf lacks %q", want)
		}
	}
	if got := controlMember(t, res.Path, "conffiles"); !strings.Contains(got, "/etc/openresty-realtime/mime.types\n") {
		t.Errorf("conffiles:\n%s", got)
	}
}
