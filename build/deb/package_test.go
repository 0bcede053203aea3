package deb

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/deb")

const goldenDir = "../../testdata/deb"

func TestPackageControlGolden(t *testing.T) {
	need(t, "dpkg-deb")
	r, built := fixture(t)
	res := packageFixture(t, r, built, nil)
	for deb, golden := range map[string]string{
		res.Path:       "control.golden",
		res.DbgsymPath: "control-dbgsym.golden",
	} {
		got := mask(cmdOut(t, "dpkg-deb", "--field", deb))
		checkGolden(t, golden, got)
	}
	checkGolden(t, "conffiles.golden", controlMember(t, res.Path, "conffiles"))
}

// mask hides what changes with the compiler, not with our code.
func mask(s string) string {
	s = regexp.MustCompile(`(?m)^Installed-Size: \d+$`).ReplaceAllString(s, "Installed-Size: N")
	return regexp.MustCompile(`(?m)^Build-Ids: .*$`).ReplaceAllString(s, "Build-Ids: BUILD-IDS")
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	if *update {
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update if intended):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func cmdOut(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr)
	}
	return string(out)
}

// controlMember extracts one file of the control archive.
func controlMember(t *testing.T, deb, name string) string {
	t.Helper()
	dir := t.TempDir()
	cmdOut(t, "dpkg-deb", "--control", deb, dir)
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func TestPackageLayout(t *testing.T) {
	need(t, "dpkg-deb", "readelf")
	r, built := fixture(t)
	stagingNginx := filepath.Join(built.StagingDir, testPrefix, "sbin/nginx")
	before := sha256File(t, stagingNginx)
	res := packageFixture(t, r, built, nil)

	if sha256File(t, stagingNginx) != before {
		t.Error("the staging root's nginx was modified (strip must work on a copy)")
	}
	wantBase := "nginx-realtime_1.22.1-1~bookworm1_amd64"
	if filepath.Base(res.Path) != wantBase+".deb" || filepath.Base(res.ProvenancePath) != wantBase+".provenance.json" {
		t.Errorf("paths %s, %s; want %s.deb and .provenance.json", res.Path, res.ProvenancePath, wantBase)
	}
	if filepath.Base(res.DbgsymPath) != "nginx-realtime-dbgsym_1.22.1-1~bookworm1_amd64.deb" {
		t.Errorf("dbgsym path %s", res.DbgsymPath)
	}
	if res.SHA256 != sha256File(t, res.Path) {
		t.Error("Result.SHA256 is not the .deb's")
	}
	for _, p := range []string{res.Path, res.DbgsymPath, res.ProvenancePath} {
		if strings.Contains(p, "+") {
			t.Errorf("%s contains '+'", p)
		}
	}
	x := t.TempDir()
	cmdOut(t, "dpkg-deb", "--raw-extract", res.Path, x)
	checkTree(t, x)
	checkStripped(t, filepath.Join(x, testPrefix, "sbin/nginx"))
	shipped, _ := os.ReadFile(filepath.Join(x, "usr/share/doc/nginx-realtime/provenance.json"))
	beside, _ := os.ReadFile(res.ProvenancePath)
	if len(shipped) == 0 || !bytes.Equal(shipped, beside) {
		t.Error("provenance.json in the package and next to it differ or are empty")
	}
	checkGolden(t, "provenance.json.golden", string(beside))
	checkGolden(t, "nginx.conf.golden", readFile(t, filepath.Join(x, "etc/nginx-realtime/nginx.conf")))
	checkGolden(t, "nginx-realtime.service.golden", readFile(t, filepath.Join(x, "lib/systemd/system/nginx-realtime.service")))
	checkDbgsym(t, res.DbgsymPath, filepath.Join(x, testPrefix, "sbin/nginx"))
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// checkTree checks the layout of an extracted package.
func checkTree(t *testing.T, x string) {
	t.Helper()
	links := map[string]string{
		"usr/bin/nginx-realtime": "../local/nginx-realtime/sbin/nginx",
		testPrefix[1:] + "/conf": "/etc/nginx-realtime",
		testPrefix[1:] + "/logs": "/var/log/nginx-realtime",
	}
	for link, want := range links {
		if got, err := os.Readlink(filepath.Join(x, link)); err != nil || got != want {
			t.Errorf("%s -> %q (%v), want -> %s", link, got, err, want)
		}
	}
	for _, f := range []string{
		"etc/nginx-realtime/nginx.conf", "etc/nginx-realtime/mime.types",
		"etc/init.d/nginx-realtime", "etc/logrotate.d/nginx-realtime",
		"lib/systemd/system/nginx-realtime.service",
		"usr/share/doc/nginx-realtime/copyright", "usr/share/doc/nginx-realtime/changelog.Debian.gz",
		testPrefix[1:] + "/lualib/resty/core.lua", testPrefix[1:] + "/html/index.html",
	} {
		if st, err := os.Lstat(filepath.Join(x, f)); err != nil || !st.Mode().IsRegular() {
			t.Errorf("%s: not a regular file in the package (%v)", f, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(x, "etc/nginx-realtime/nginx.conf.default")); err == nil {
		t.Error("nginx.conf.default shipped")
	}
	conf := readFile(t, filepath.Join(x, "etc/nginx-realtime/nginx.conf"))
	for _, want := range []string{"pid /run/nginx-realtime.pid;", `lua_package_path  "/usr/local/nginx-realtime/lualib/?.lua;;";`, "listen 80 default_server;", "#location ~ /purge(/.*) {", "#    push_stream_subscriber websocket;"} {
		if !strings.Contains(conf, want) {
			t.Errorf("nginx.conf lacks %q", want)
		}
	}
}

// checkStripped expects no debug sections and a .gnu_debuglink.
func checkStripped(t *testing.T, bin string) {
	t.Helper()
	sections := cmdOut(t, "readelf", "-S", "-W", bin)
	if strings.Contains(sections, ".debug_") || strings.Contains(sections, ".comment") || strings.Contains(sections, ".symtab") {
		t.Errorf("%s is not stripped:\n%s", bin, sections)
	}
	if !strings.Contains(sections, ".gnu_debuglink") {
		t.Errorf("%s has no .gnu_debuglink", bin)
	}
}

// checkDbgsym expects the build-id of bin, with its debug info, in dbgsym.
func checkDbgsym(t *testing.T, dbgsym, bin string) {
	t.Helper()
	f, ok, err := readELF(bin)
	if err != nil || !ok || f.BuildID == "" {
		t.Fatalf("%s: no build-id (%v)", bin, err)
	}
	if got := strings.TrimSpace(cmdOut(t, "dpkg-deb", "--field", dbgsym, "Build-Ids")); got != f.BuildID {
		t.Errorf("Build-Ids %q, want %q", got, f.BuildID)
	}
	x := t.TempDir()
	cmdOut(t, "dpkg-deb", "--extract", dbgsym, x)
	debug := debugPath(x, f.BuildID)
	if !strings.Contains(cmdOut(t, "readelf", "-S", "-W", debug), ".debug_info") {
		t.Errorf("%s has no .debug_info", debug)
	}
}
