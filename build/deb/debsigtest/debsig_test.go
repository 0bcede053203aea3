// Package debsigtest signs build/deb's packages with repoctl's own signer
// and checks them with debsig-verify. It is a separate package so that the
// unit tests of build/deb do not depend on signing.
package debsigtest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/repoctl/repoctl/build/deb"
	"github.com/repoctl/repoctl/build/deb/debtest"
	"github.com/repoctl/repoctl/internal/progress"
	"github.com/repoctl/repoctl/signing"
)

// TestSignedDebVerifies: an Ed25519 _gpgorigin signature made by repoctl's
// signer verifies with debsig-verify, and a tampered package does not.
// Packaging twice gives identical debian-binary, control and data members;
// the signature itself differs today because go-crypto salts every v4
// signature with a random notation (salt@notations.openpgpjs.org) unless
// signing's packet.Config sets NonDeterministicSignaturesViaNotation to
// false; Ed25519 and the fixed creation time (Store.Now) are deterministic.
func TestSignedDebVerifies(t *testing.T) {
	debtest.Need(t, "debsig-verify")
	fixed := time.Unix(1700000000, 0)
	store := signing.Store{StateDir: t.TempDir(), PublicDir: t.TempDir(), Now: func() time.Time { return fixed }}
	key, err := store.Generate(signing.GenerateOptions{Name: "debsig-test", Email: "debsig@example.org", Now: store.Now})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := store.Signer([]string{"debsig-test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, built := debtest.Fixture(t)
	pkg := func() *deb.Result {
		res, err := deb.Package(context.Background(), r, built, deb.Options{
			Suite: "bookworm", OutDir: t.TempDir(), SignFn: signer.SignFn(), Progress: progress.Discard,
		})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := pkg(), pkg()
	ma, mb := arMembers(t, a.Path), arMembers(t, b.Path)
	for _, m := range []string{"debian-binary", "control.tar.gz", "data.tar.xz"} {
		if ma[m] == "" || ma[m] != mb[m] {
			t.Errorf("member %s differs between two packagings (or is missing)", m)
		}
	}
	if ma["_gpgorigin"] == "" {
		t.Fatal("no _gpgorigin member")
	}
	t.Logf("signature bytes identical across runs: %v", ma["_gpgorigin"] == mb["_gpgorigin"])
	policies, keyrings := debsigPolicy(t, key.KeyID, store.KeyringPath("debsig-test"))
	out, err := exec.Command("debsig-verify", "--policies-dir", policies, "--keyrings-dir", keyrings, a.Path).CombinedOutput()
	if err != nil {
		t.Fatalf("debsig-verify: %v\n%s", err, out)
	}
	// A changed byte must fail verification (the check can fail).
	tampered := filepath.Join(t.TempDir(), "tampered.deb")
	data, _ := os.ReadFile(a.Path)
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(tampered, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("debsig-verify", "--policies-dir", policies, "--keyrings-dir", keyrings, tampered).CombinedOutput(); err == nil {
		t.Errorf("debsig-verify accepted a tampered package:\n%s", out)
	}
}

// arMembers returns the sha256 of each member of the ar archive deb.
func arMembers(t *testing.T, deb string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("ar", "x", deb)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ar x %s: %v\n%s", deb, err, out)
	}
	entries, _ := os.ReadDir(dir)
	sums := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		sums[e.Name()] = fmt.Sprintf("%x", sha256.Sum256(data))
	}
	return sums
}

// debsigPolicy writes a debsig-verify policy requiring an origin signature
// by keyID, and its keyring, and returns the two directories.
func debsigPolicy(t *testing.T, keyID, keyring string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	id := strings.ToUpper(keyID)
	policy := `<?xml version="1.0"?>
<!DOCTYPE Policy SYSTEM "https://www.debian.org/debsig/1.0/policy.dtd">
<Policy xmlns="https://www.debian.org/debsig/1.0/">
  <Origin Name="repoctl" id="` + id + `" Description="repoctl test"/>
  <Selection>
    <Required Type="origin" File="debsig.gpg" id="` + id + `"/>
  </Selection>
  <Verification MinOptional="0">
    <Required Type="origin" File="debsig.gpg" id="` + id + `"/>
  </Verification>
</Policy>
`
	kr, err := os.ReadFile(keyring)
	if err != nil {
		t.Fatal(err)
	}
	for p, data := range map[string][]byte{
		filepath.Join(dir, "policies", id, "repoctl.pol"): []byte(policy),
		filepath.Join(dir, "keyrings", id, "debsig.gpg"):  kr,
	} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "policies"), filepath.Join(dir, "keyrings")
}
