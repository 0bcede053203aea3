package signing

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/internal/errs"
)

// gpgKey makes a key with a real third party, GnuPG, and returns its
// armored secret key (protected by pass) and its fingerprint.
func gpgKey(t *testing.T, pass, algo string, extra ...string) (secretFile, fpr string) {
	t.Helper()
	requireTools(t, "gpg", "gpgv")
	home := gpgHome(t)
	// A passphrase makes gpg-agent take about ten seconds here; the
	// encrypted case needs it once, the others pass "".
	args := append([]string{"--passphrase", pass}, extra...)
	gpg(t, home, append(args, "--quick-gen-key", "Third Party <third@example.org>", algo, "sign", "1y")...)
	m := regexp.MustCompile(`(?m)^fpr:+([0-9A-F]{40}):`).FindStringSubmatch(gpg(t, home, "--with-colons", "--list-secret-keys"))
	if m == nil {
		t.Fatal("gpg made no key")
	}
	sec := gpg(t, home, "--passphrase", pass, "--armor", "--export-secret-keys", m[1])
	return writeFile(t, filepath.Join(home, "secret.asc"), []byte(sec)), m[1]
}

func TestImportGnuPGKeyAndSign(t *testing.T) {
	secret, fpr := gpgKey(t, "gnupg pass phrase", "ed25519")
	s := newStore(t)
	k, err := s.Import(secret, ImportOptions{Name: "third", Activate: true})
	if err != nil {
		t.Fatal(err)
	}
	if k.Fingerprint != fpr || !k.HasSecret || !k.CanSign || !k.Active {
		t.Fatalf("imported %+v; want fingerprint %s, secret, can sign, active", k, fpr)
	}
	if _, err := s.Signer(nil, fixed("not it")); errs.Code(err) != errs.ExitUsage || !strings.Contains(err.Error(), "wrong passphrase for key third") {
		t.Fatalf("wrong passphrase: %v", err)
	}
	sg := signer(t, s, fixed("gnupg pass phrase"))
	dir := signRelease(t, sg)
	for _, files := range [][]string{{"InRelease"}, {"Release.gpg", "Release"}} {
		var paths []string
		for _, f := range files {
			paths = append(paths, filepath.Join(dir, f))
		}
		if out, err := gpgv(t, s.KeyringPath("third"), paths...); err != nil || !strings.Contains(out, fpr) {
			t.Errorf("gpgv %v with the imported key: %v\n%s", files, err, out)
		}
	}
	assertTamperRejected(t, s.KeyringPath("third"), dir)
	// The secret is stored as it came: still encrypted.
	if e, err := s.loadSecret("third"); err != nil || !encrypted(e) {
		t.Errorf("stored secret key: encrypted=%v, %v; want it still encrypted", err == nil && encrypted(e), err)
	}
}

// sha1GnuPGKey has GnuPG make a key as old versions did: its user ID
// self-signature and its (encryption) subkey binding use SHA-1. GnuPG 2.2
// refuses SHA-1 for a signing subkey's back-signature, and go-crypto
// refuses to make SHA-1 signatures at all. The key is then encrypted with
// pass by go-crypto (GnuPG takes ten seconds to protect a key here).
func sha1GnuPGKey(t *testing.T, pass string) (secretFile, fpr string) {
	t.Helper()
	requireTools(t, "gpg", "gpgv")
	home := gpgHome(t)
	sha1 := []string{"--passphrase", "", "--cert-digest-algo", "SHA1"}
	gpg(t, home, append(sha1, "--quick-gen-key", "Legacy <legacy@example.org>", "rsa2048", "sign", "1y")...)
	m := regexp.MustCompile(`(?m)^fpr:+([0-9A-F]{40}):`).FindStringSubmatch(gpg(t, home, "--with-colons", "--list-secret-keys"))
	if m == nil {
		t.Fatal("gpg made no key")
	}
	gpg(t, home, append(sha1, "--quick-add-key", m[1], "rsa2048", "encr", "1y")...)
	e, err := parseOne([]byte(gpg(t, home, "--passphrase", "", "--armor", "--export-secret-keys", m[1])))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.EncryptPrivateKeys([]byte(pass), nil); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := armorSecret(&buf, e); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, filepath.Join(home, "legacy.asc"), buf.Bytes()), m[1]
}

func TestImportSHA1RefusedThenResigned(t *testing.T) {
	file, fpr := sha1GnuPGKey(t, "legacy-pass")
	s := newStore(t)
	_, err := s.Import(file, ImportOptions{Name: "legacy"})
	wantUsage(t, err, "SHA-1", "Sequoia", "self-signature on", "binding of subkey", "--resign")
	if s.hasKey("legacy") {
		t.Fatal("a refused key was stored")
	}
	_, err = s.Import(file, ImportOptions{Name: "legacy", Resign: true, Passphrase: fixed("bad")})
	wantUsage(t, err, "wrong passphrase for key legacy")

	k, err := s.Import(file, ImportOptions{Name: "legacy", Resign: true, Passphrase: fixed("legacy-pass")})
	if err != nil {
		t.Fatalf("import --resign: %v", err)
	}
	if k.Fingerprint != fpr {
		t.Fatalf("re-signed key has fingerprint %s, want %s (the key itself must not change)", k.Fingerprint, fpr)
	}
	e, err := s.loadSecret("legacy")
	if err != nil {
		t.Fatal(err)
	}
	if weak := weakSignatures(e); len(weak) > 0 || !encrypted(e) {
		t.Fatalf("stored key: weak signatures %v, encrypted %v; want none and encrypted as it came", weak, encrypted(e))
	}
	assertGnuPGAcceptsBindings(t, s.KeyringPath("legacy"), fpr)
	sg := signer(t, s, fixed("legacy-pass"), "legacy")
	dir := signRelease(t, sg)
	if out, err := gpgv(t, s.KeyringPath("legacy"), filepath.Join(dir, "InRelease")); err != nil {
		t.Errorf("gpgv with the re-signed key: %v\n%s", err, out)
	}
}

// assertGnuPGAcceptsBindings has GnuPG check every self-signature of the
// keyring and list their digest algorithms: all must be valid and SHA-512.
func assertGnuPGAcceptsBindings(t *testing.T, keyring, fpr string) {
	t.Helper()
	home := gpgHome(t)
	gpg(t, home, "--import", keyring)
	out := gpg(t, home, "--with-colons", "--check-signatures", fpr)
	if !strings.Contains(out, "sig:!:") || strings.Contains(out, "sig:-:") {
		t.Errorf("gpg --check-signatures: want only good self-signatures:\n%s", out)
	}
	packets := gpg(t, home, "--list-packets", keyring)
	for _, algo := range regexp.MustCompile(`digest algo (\d+)`).FindAllStringSubmatch(packets, -1) {
		if algo[1] != "10" { // 10 = SHA-512
			t.Errorf("a self- or binding signature uses digest algorithm %s, want 10 (SHA-512):\n%s", algo[1], packets)
		}
	}
}

func TestImportPublicOnlyKeyCannotSign(t *testing.T) {
	s := newStore(t)
	generate(t, s, GenerateOptions{Name: "full"})
	pub := filepath.Join(t.TempDir(), "pub.asc")
	var buf bytes.Buffer
	if err := s.Export("full", false, &buf); err != nil {
		t.Fatal(err)
	}
	writeFile(t, pub, buf.Bytes())
	if strings.Contains(buf.String(), "PRIVATE") {
		t.Fatal("public export holds a private key block")
	}
	k, err := s.Import(pub, ImportOptions{Name: "pubonly"})
	if err != nil {
		t.Fatal(err)
	}
	if k.HasSecret {
		t.Fatalf("public-only import claims a secret: %+v", k)
	}
	_, err = s.Signer([]string{"pubonly"}, nil)
	if errs.Code(err) != errs.ExitUsage || !strings.Contains(err.Error(), "only its public part") {
		t.Fatalf("signer with a public-only key: %v", err)
	}
	if _, err := os.Stat(s.secretPath("pubonly")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a public-only import wrote a secret file: %v", err)
	}
}
