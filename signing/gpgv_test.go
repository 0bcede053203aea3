package signing

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const release = `Origin: repoctl
Label: repoctl
Suite: bookworm
Codename: bookworm
Architectures: amd64
Components: main
SHA256:
 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef 1234 main/binary-amd64/Packages
`

// signRelease writes Release, InRelease and Release.gpg into a new
// directory, as a repository publish would.
func signRelease(t *testing.T, sg *Signer) string {
	t.Helper()
	dir := t.TempDir()
	rel := writeFile(t, filepath.Join(dir, "Release"), []byte(release))
	if err := sg.ClearSignFile(rel, filepath.Join(dir, "InRelease")); err != nil {
		t.Fatal(err)
	}
	if err := sg.DetachSignFile(rel, filepath.Join(dir, "Release.gpg")); err != nil {
		t.Fatal(err)
	}
	return dir
}

var armorEnd = regexp.MustCompile(`\n=[A-Za-z0-9+/]{4}\n-----END PGP SIGNATURE-----\n$`)

// keyStores gives the stores under test: a fresh Ed25519 key and the
// binary's shared RSA-4096 key.
func keyStores(t *testing.T) map[string]struct {
	s    Store
	name string
} {
	ed := newStore(t)
	generate(t, ed, GenerateOptions{Name: "ed"})
	rsa, err := rsaStore()
	if err != nil {
		t.Fatalf("RSA-4096 key: %v", err)
	}
	return map[string]struct {
		s    Store
		name string
	}{"ed25519": {ed, "ed"}, "rsa4096": {rsa, "rsa"}}
}

func TestGpgvAcceptsRepositorySignatures(t *testing.T) {
	requireTools(t, "gpgv")
	for algo, k := range keyStores(t) {
		t.Run(algo, func(t *testing.T) {
			info, err := k.s.Info(k.name)
			if err != nil || info.Algorithm != algo {
				t.Fatalf("key %s: %+v, %v; want algorithm %s", k.name, info, err, algo)
			}
			sg := signer(t, k.s, nil, k.name)
			dir := signRelease(t, sg)
			keyring := k.s.KeyringPath(k.name)
			in := filepath.Join(dir, "InRelease")
			rel := filepath.Join(dir, "Release")
			if out, err := gpgv(t, keyring, in); err != nil {
				t.Fatalf("gpgv InRelease: %v\n%s", err, out)
			}
			if out, err := gpgv(t, keyring, filepath.Join(dir, "Release.gpg"), rel); err != nil {
				t.Fatalf("gpgv Release.gpg Release: %v\n%s", err, out)
			}
			// apt reads the signed text of InRelease as the Release file:
			// it must come out unchanged.
			text, fp, err := VerifyClearSigned(readFile(t, keyring), readFile(t, in))
			if err != nil || fp != info.Fingerprint {
				t.Fatalf("VerifyClearSigned: %s, %v; want %s", fp, err, info.Fingerprint)
			}
			if string(text)+"\n" != release {
				t.Errorf("signed text of InRelease = %q, want the Release file %q", text, release)
			}
			// GnuPG 2.2 misreads some armor blocks without a CRC-24 line
			// (depending on the signature's length): every block has one.
			for _, f := range []string{in, filepath.Join(dir, "Release.gpg")} {
				if !armorEnd.Match(readFile(t, f)) {
					t.Errorf("%s does not end with a CRC-24 line and a newline:\n%s", filepath.Base(f), readFile(t, f))
				}
			}
			assertTamperRejected(t, keyring, dir)
		})
	}
}

// assertTamperRejected changes one byte of the signed text and checks that
// gpgv and our verifiers refuse it.
func assertTamperRejected(t *testing.T, keyring, dir string) {
	t.Helper()
	in := readFile(t, filepath.Join(dir, "InRelease"))
	i := bytes.Index(in, []byte("Suite: bookworm")) + len("Suite: ")
	badIn := writeFile(t, filepath.Join(dir, "InRelease.bad"), flipByte(in, i))
	if out, err := gpgv(t, keyring, badIn); err == nil || !strings.Contains(out, "BAD signature") {
		t.Errorf("gpgv accepted an InRelease with one byte changed (err %v):\n%s", err, out)
	}
	rel := readFile(t, filepath.Join(dir, "Release"))
	badRel := writeFile(t, filepath.Join(dir, "Release.bad"), flipByte(rel, len(rel)-2))
	if out, err := gpgv(t, keyring, filepath.Join(dir, "Release.gpg"), badRel); err == nil || !strings.Contains(out, "BAD signature") {
		t.Errorf("gpgv accepted Release.gpg over a Release with one byte changed (err %v):\n%s", err, out)
	}
	kr := readFile(t, keyring)
	if _, _, err := VerifyClearSigned(kr, readFile(t, badIn)); err == nil {
		t.Error("VerifyClearSigned accepted a changed InRelease")
	}
	if _, err := VerifyDetached(kr, bytes.NewReader(readFile(t, badRel)), bytes.NewReader(readFile(t, filepath.Join(dir, "Release.gpg")))); err == nil {
		t.Error("VerifyDetached accepted a changed Release")
	}
}

// During a rotation both keys sign: a host trusting either key (or both)
// accepts the repository.
func TestRotationOverlapSignsWithBothKeys(t *testing.T) {
	requireTools(t, "gpgv")
	s := newStore(t)
	generate(t, s, GenerateOptions{Name: "old"})
	if err := s.Activate("old"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rotate(GenerateOptions{Name: "new", Email: "new@example.org"}); err != nil {
		t.Fatal(err)
	}
	sg := signer(t, s, nil) // the active keys
	if got := sg.Names(); strings.Join(got, ",") != "old,new" {
		t.Fatalf("active keys %v, want old,new", got)
	}
	dir := signRelease(t, sg)
	// The armored export of the active keys, dearmored as hosts do, is
	// the keyring that accepts both signatures.
	var asc bytes.Buffer
	if err := s.ExportPublic(nil, &asc); err != nil {
		t.Fatal(err)
	}
	ascFile := writeFile(t, filepath.Join(t.TempDir(), "both.asc"), asc.Bytes())
	ring, err := ReadKeyring(ascFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ring, sg.PublicKeyring()) {
		t.Error("the exported active keys differ from the signer's public keyring")
	}
	both := writeFile(t, filepath.Join(t.TempDir(), "both.gpg"), ring)
	in := filepath.Join(dir, "InRelease")
	for _, kr := range []string{both, s.KeyringPath("old"), s.KeyringPath("new")} {
		// gpgv exits 2 when one of the signatures has no key in the
		// keyring; apt accepts that as long as one signature is good
		// and none is bad (methods/gpgv.cc), which is what a host with
		// only the old or only the new key sees during the overlap.
		out, err := gpgv(t, kr, in)
		good := strings.Count(out, "Good signature")
		if good < 1 || strings.Contains(out, "BAD signature") {
			t.Errorf("gpgv --keyring %s InRelease: want a good and no bad signature (err %v):\n%s", filepath.Base(kr), err, out)
		}
		if kr == both && (err != nil || good != 2) {
			t.Errorf("gpgv with both keys: want two good signatures and success, got %v:\n%s", err, out)
		}
		keyring := readFile(t, kr)
		if _, _, err := VerifyClearSigned(keyring, readFile(t, in)); err != nil {
			t.Errorf("VerifyClearSigned with %s: %v", filepath.Base(kr), err)
		}
		sig := readFile(t, filepath.Join(dir, "Release.gpg"))
		if _, err := VerifyDetached(keyring, strings.NewReader(release), bytes.NewReader(sig)); err != nil {
			t.Errorf("VerifyDetached with %s: %v", filepath.Base(kr), err)
		}
	}
	if names, err := s.SigningNames("configured"); err != nil || strings.Join(names, ",") != "old,new" {
		t.Errorf("SigningNames during the overlap: %v, %v", names, err)
	}
	if err := s.Retire("old"); err != nil {
		t.Fatal(err)
	}
	if got := signer(t, s, nil).Names(); len(got) != 1 || got[0] != "new" {
		t.Fatalf("after retire: active %v, want [new]", got)
	}
	if err := s.Retire("new"); err == nil {
		t.Fatal("retiring the last active key was accepted")
	}
}
