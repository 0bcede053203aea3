package buildroot

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestAlternatives(t *testing.T) {
	cases := map[string][]string{
		"gcc":                          {"gcc"},
		"libssl-dev (>= 3) | libssl1":  {"libssl-dev", "libssl1"},
		"libluajit2-5.1-dev:amd64 | x": {"libluajit2-5.1-dev", "x"},
		"  ":                           nil,
	}
	for in, want := range cases {
		if got := alternatives(in); !slices.Equal(got, want) {
			t.Errorf("alternatives(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInstalledPackages(t *testing.T) {
	status := "Package: gcc\nStatus: install ok installed\nProvides: c-compiler\nVersion: 4:12.2.0-3\n\n" +
		"Package: make\nStatus: deinstall ok config-files\n\n" +
		"Package: mawk\nStatus: install ok installed\nProvides: awk (= 1.3)\n"
	p := filepath.Join(t.TempDir(), "status")
	if err := os.WriteFile(p, []byte(status), 0o644); err != nil {
		t.Fatal(err)
	}
	have, err := installedPackages(p)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"gcc": true, "c-compiler": true, "make": false, "mawk": true, "awk": true} {
		if have[name] != want {
			t.Errorf("installed %s = %v, want %v", name, have[name], want)
		}
	}
	r := &Root{Dir: t.TempDir()}
	mustWrite(t, r.Path("var/lib/dpkg/status"), status, 0o644)
	vers, err := r.PackageVersions("gcc", "make", "nope")
	if err != nil || len(vers) != 1 || vers["gcc"] != "4:12.2.0-3" {
		t.Errorf("PackageVersions = %v, %v; want gcc only (make is not installed)", vers, err)
	}
	missing, err := r.missing([]string{"gcc", "make", "nawk | awk", "make (>= 4)"})
	if err != nil || !slices.Equal(missing, []string{"make"}) {
		t.Errorf("missing = %q, %v; want [make] once", missing, err)
	}
}

func TestMergeEnv(t *testing.T) {
	got := mergeEnv([]string{"PATH=/bin", "HOME=/build"}, []string{"HOME=/x", "CFLAGS=-O2"})
	want := []string{"PATH=/bin", "HOME=/x", "CFLAGS=-O2"}
	if !slices.Equal(got, want) {
		t.Errorf("mergeEnv = %q, want %q", got, want)
	}
	if v, ok := lookupEnv(got, "HOME"); !ok || v != "/x" {
		t.Errorf("lookupEnv HOME = %q %v", v, ok)
	}
}

func TestSourcesFile(t *testing.T) {
	m := mirrors{Main: "http://mirror.example/debian", Suites: []string{"trixie", "trixie-updates"}, Security: "http://mirror.example/debian-security"}
	got := m.sourcesFile("trixie")
	for _, want := range []string{"Suites: trixie trixie-updates\n", "URIs: http://mirror.example/debian-security\nSuites: trixie-security\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("sources file lacks %q:\n%s", want, got)
		}
	}
	m.Security = ""
	if strings.Contains(m.sourcesFile("trixie"), "security") {
		t.Error("a security entry without a security mirror")
	}
}

func TestScratchPID(t *testing.T) {
	cases := map[string]int{".session-123-456789": 123, ".new-trixie-amd64-77-1": 77, "trixie-amd64": 0, ".session-x-1": 0}
	for name, want := range cases {
		if got, _ := scratchPID(name); got != want {
			t.Errorf("scratchPID(%q) = %d, want %d", name, got, want)
		}
	}
}

// TestBuildUserOnce: the build user is added once, however often the
// root is configured.
func TestBuildUserOnce(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, dir+"/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n", 0o644)
	mustWrite(t, dir+"/etc/group", "root:x:0:", 0o644) // no final newline
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := 0; i < 2; i++ {
		if err := addBuildUser(r); err != nil {
			missingTool(t, "chown needs root: %v", err)
		}
	}
	for _, f := range []string{"passwd", "group"} {
		data, _ := os.ReadFile(dir + "/etc/" + f)
		if n := strings.Count(string(data), BuildUser+":"); n != 1 {
			t.Errorf("%s has %d %s entries:\n%s", f, n, BuildUser, data)
		}
	}
}

// TestSuiteNameIsUsage: a suite that is not a codename never reaches
// debootstrap or a path.
func TestSuiteNameIsUsage(t *testing.T) {
	for _, bad := range []string{"../etc", "Bookworm", "", "trixie-security"} {
		if _, err := hostMirrors(t.Context(), "/nonexistent", bad); errsCode(err) != 2 {
			t.Errorf("suite %q: %v, want a usage error", bad, err)
		}
	}
}
