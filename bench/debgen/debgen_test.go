package debgen

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDpkgReadsIt checks a generated package with dpkg-deb itself.
func TestDpkgReadsIt(t *testing.T) {
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("dpkg-deb not installed")
	}
	dir := t.TempDir()
	path, err := Write(dir, Package{Name: Name(7), Version: "1.0-1", Arch: "amd64", Payload: 700})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("dpkg-deb", "--info", path).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg-deb --info: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Package: bench-pkg-00007") {
		t.Fatalf("control not read back:\n%s", out)
	}
	out, err = exec.Command("dpkg-deb", "--contents", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "./usr/share/doc/bench-pkg-00007/README") {
		t.Fatalf("dpkg-deb --contents: %v\n%s", err, out)
	}
	a, _ := Build(Package{Name: "x1", Version: "1", Payload: 10})
	b, _ := Build(Package{Name: "x1", Version: "1", Payload: 10})
	if string(a) != string(b) {
		t.Fatal("Build is not deterministic")
	}
}
