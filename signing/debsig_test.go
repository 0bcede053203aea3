package signing

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// debsigPolicy is a debsig-verify policy that requires an "origin"
// signature by keyID, checked against debsig.gpg in the keyring directory.
// The namespace is debsig-verify's own identifier (debsig-verify --version).
const debsigPolicy = `<?xml version="1.0"?>
<Policy xmlns="https://www.debian.org/debsig/1.0/">
  <Origin Name="repoctl" id="%[1]s" Description="repoctl test"/>
  <Selection>
    <Required Type="origin" File="debsig.gpg" id="%[1]s"/>
  </Selection>
  <Verification MinOptional="0">
    <Required Type="origin" File="debsig.gpg" id="%[1]s"/>
  </Verification>
</Policy>
`

// buildDeb makes a trivial .deb with dpkg-deb and returns its path and its
// members (debian-binary, control.tar.*, data.tar.*), read back with ar.
func buildDeb(t *testing.T) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	os.MkdirAll(filepath.Join(root, "DEBIAN"), 0o755)
	os.MkdirAll(filepath.Join(root, "usr/share/repoctl-test"), 0o755)
	writeFile(t, filepath.Join(root, "DEBIAN/control"), []byte("Package: repoctl-test\nVersion: 1.0-1\nArchitecture: all\n"+
		"Maintainer: repoctl <repoctl@example.org>\nDescription: debsig test package\n"))
	writeFile(t, filepath.Join(root, "usr/share/repoctl-test/hello"), bytes.Repeat([]byte("hello, fleet\n"), 100))
	deb := filepath.Join(dir, "repoctl-test_1.0-1_all.deb")
	if out, err := run(t, dir, "dpkg-deb", "--root-owner-group", "--build", root, deb); err != nil {
		t.Fatalf("dpkg-deb: %v\n%s", err, out)
	}
	list, err := run(t, dir, "ar", "t", deb)
	if err != nil {
		t.Fatalf("ar t: %v\n%s", err, list)
	}
	if out, err := run(t, dir, "ar", "x", deb); err != nil {
		t.Fatalf("ar x: %v\n%s", err, out)
	}
	return deb, strings.Fields(list)
}

// debsigVerify runs debsig-verify with the test's own policy and keyring
// directories (its --policies-dir and --keyrings-dir), so that the test
// needs no root and leaves /etc/debsig and /usr/share/debsig alone.
func debsigVerify(t *testing.T, keyID string, keyring []byte, deb string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	pol := filepath.Join(dir, "policies", keyID)
	kr := filepath.Join(dir, "keyrings", keyID)
	os.MkdirAll(pol, 0o755)
	os.MkdirAll(kr, 0o755)
	writeFile(t, filepath.Join(pol, "repoctl.pol"), fmt.Appendf(nil, debsigPolicy, keyID))
	writeFile(t, filepath.Join(kr, "debsig.gpg"), keyring)
	return run(t, dir, "debsig-verify", "--policies-dir", filepath.Join(dir, "policies"),
		"--keyrings-dir", filepath.Join(dir, "keyrings"), deb)
}

// TestDebsigVerifyAcceptsSignFn signs a .deb the way nfpm does with SignFn
// (debsigs "origin": a detached signature of debian-binary, control.tar.*
// and data.tar.* concatenated, in an ar member _gpgorigin) and has
// debsig-verify check it. SignFn's output is an ASCII-armored detached
// signature, which is what nfpm writes itself and debsig-verify accepts.
func TestDebsigVerifyAcceptsSignFn(t *testing.T) {
	requireTools(t, "dpkg-deb", "ar", "debsig-verify")
	s := newStore(t)
	generate(t, s, GenerateOptions{Name: "deb"})
	sg := signer(t, s, nil, "deb")
	deb, members := buildDeb(t)
	if len(members) != 3 || members[0] != "debian-binary" {
		t.Fatalf("dpkg-deb made members %v, want debian-binary, control.tar.*, data.tar.*", members)
	}
	dir := filepath.Dir(deb)
	var signed bytes.Buffer
	for _, m := range members {
		signed.Write(readFile(t, filepath.Join(dir, m)))
	}
	sig, err := sg.SignFn()(bytes.NewReader(signed.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(sig, []byte("-----BEGIN PGP SIGNATURE-----")) {
		t.Fatalf("SignFn output is not an armored signature: %q", sig[:min(40, len(sig))])
	}
	unsigned := writeFile(t, filepath.Join(dir, "unsigned.deb"), readFile(t, deb))
	writeFile(t, filepath.Join(dir, "_gpgorigin"), sig)
	if out, err := run(t, dir, "ar", "q", deb, "_gpgorigin"); err != nil {
		t.Fatalf("ar q: %v\n%s", err, out)
	}
	keyID := sg.KeyIDs()[0]
	if out, err := debsigVerify(t, keyID, sg.PublicKeyring(), deb); err != nil {
		t.Fatalf("debsig-verify refused the signed package: %v\n%s", err, out)
	}

	// The same members with one byte of data.tar changed, same signature.
	data := members[2]
	orig := readFile(t, filepath.Join(dir, data))
	writeFile(t, filepath.Join(dir, data), flipByte(orig, len(orig)/2))
	bad := filepath.Join(dir, "tampered.deb")
	if out, err := run(t, dir, "ar", "q", bad, members[0], members[1], data, "_gpgorigin"); err != nil {
		t.Fatalf("ar q: %v\n%s", err, out)
	}
	out, err := debsigVerify(t, keyID, sg.PublicKeyring(), bad)
	if err == nil || !strings.Contains(out, "Failed verification") {
		t.Fatalf("debsig-verify on a package whose data.tar changed: %v; want a failed verification:\n%s", err, out)
	}
	t.Logf("tampered: %s", out)
	// And the package without its signature is refused too.
	if out, err := debsigVerify(t, keyID, sg.PublicKeyring(), unsigned); err == nil {
		t.Fatalf("debsig-verify accepted an unsigned package:\n%s", out)
	}
}
