package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testRepo is a tiny signed apt repository built with real tools
// (dpkg-deb, gpg), to check that a fleet root's apt trusts exactly what
// its Signed-By key signed.
type testRepo struct {
	Dir    string // serve this over HTTP
	Key    []byte // binary public key, for Signed-By
	Suite  string
	gnupg  string
	source string
}

const testPkg = "repoctl-harness-hello"

// newTestRepo builds dists/<suite>/main/binary-<arch>/Packages with one
// arch-all package, a Release and its clearsigned InRelease.
func newTestRepo(t *testing.T, suite, arch string) *testRepo {
	Require(t, "dpkg-deb", "gpg", "gpgconf")
	r := &testRepo{Dir: t.TempDir(), Suite: suite, gnupg: t.TempDir()}
	r.genKey(t)
	deb := r.buildDeb(t)
	pkgs := r.packagesIndex(t, deb)
	rel := filepath.Join("main", "binary-"+arch, "Packages")
	writeFile(t, filepath.Join(r.Dir, "dists", suite, rel), pkgs)
	sum := sha256.Sum256(pkgs)
	release := fmt.Sprintf("Origin: repoctl-harness\nSuite: %s\nCodename: %s\nDate: %s\nArchitectures: %s\n"+
		"Components: main\nSHA256:\n %s %d %s\n", suite, suite, time.Now().UTC().Format(time.RFC1123), arch,
		hex.EncodeToString(sum[:]), len(pkgs), rel)
	writeFile(t, filepath.Join(r.Dir, "dists", suite, "Release"), []byte(release))
	r.gpg(t, "--clearsign", "--digest-algo", "SHA256", "-o", filepath.Join(r.Dir, "dists", suite, "InRelease"),
		filepath.Join(r.Dir, "dists", suite, "Release"))
	return r
}

func (r *testRepo) gpg(t *testing.T, args ...string) []byte {
	t.Helper()
	args = append([]string{"--batch", "--homedir", r.gnupg, "--pinentry-mode", "loopback", "--passphrase", ""}, args...)
	out, err := exec.Command("gpg", args...).Output()
	if err != nil {
		t.Fatalf("gpg %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func (r *testRepo) genKey(t *testing.T) {
	if err := os.Chmod(r.gnupg, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exec.Command("gpgconf", "--homedir", r.gnupg, "--kill", "all").Run() })
	r.gpg(t, "--quick-gen-key", "repoctl harness <harness@repoctl.invalid>", "ed25519", "sign", "1d")
	r.Key = r.gpg(t, "--export")
	if len(r.Key) == 0 {
		t.Fatal("gpg --export wrote no key")
	}
}

// buildDeb makes a real package with dpkg-deb: one file and a control.
func (r *testRepo) buildDeb(t *testing.T) string {
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "usr", "share", testPkg, "hello.txt"), []byte("hello from the harness\n"))
	control := "Package: " + testPkg + "\nVersion: 1.0-1\nArchitecture: all\n" +
		"Maintainer: repoctl <harness@repoctl.invalid>\nDescription: harness test package\n"
	writeFile(t, filepath.Join(src, "DEBIAN", "control"), []byte(control))
	deb := filepath.Join(r.Dir, "pool", "main", "r", testPkg, testPkg+"_1.0-1_all.deb")
	os.MkdirAll(filepath.Dir(deb), 0o755)
	if out, err := exec.Command("dpkg-deb", "--root-owner-group", "--build", src, deb).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb --build: %v\n%s", err, out)
	}
	return deb
}

// packagesIndex is the Packages stanza of deb: its control plus where it
// is and its checksum, as apt needs.
func (r *testRepo) packagesIndex(t *testing.T, deb string) []byte {
	control, err := exec.Command("dpkg-deb", "--field", deb).Output()
	if err != nil {
		t.Fatalf("dpkg-deb --field %s: %v", deb, err)
	}
	data, err := os.ReadFile(deb)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	rel, _ := filepath.Rel(r.Dir, deb)
	return fmt.Appendf(nil, "%sFilename: %s\nSize: %d\nSHA256: %s\n\n",
		control, filepath.ToSlash(rel), len(data), hex.EncodeToString(sum[:]))
}

// tamper changes a signed line of InRelease, keeping the signature.
func (r *testRepo) tamper(t *testing.T) {
	path := filepath.Join(r.Dir, "dists", r.Suite, "InRelease")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), "Origin: repoctl-harness", "Origin: repoctl-hacked!", 1)
	if bad == string(data) {
		t.Fatal("tamper: Origin line not found in InRelease")
	}
	writeFile(t, path, []byte(bad))
}

// install points the fleet root at the repository served at url.
func (r *testRepo) install(t *testing.T, f *FleetRoot, url string) {
	f.WriteFile("/etc/apt/keyrings/harness.gpg", r.Key, 0o644)
	src := fmt.Sprintf("Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /etc/apt/keyrings/harness.gpg\n",
		url, r.Suite)
	f.WriteFile("/etc/apt/sources.list.d/harness.sources", []byte(src), 0o644)
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
