package signing

import (
	"bytes"
	"crypto"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/repoctl/repoctl/internal/errs"
)

// upstreamKey is a key as an upstream project might have: a primary key
// that certifies and a subkey that signs releases.
func upstreamKey(t *testing.T) *openpgp.Entity {
	t.Helper()
	cfg := &packet.Config{DefaultHash: crypto.SHA512, Algorithm: packet.PubKeyAlgoEdDSA}
	e, err := openpgp.NewEntity("Upstream", "", "release@example.org", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.AddSigningSubkey(cfg); err != nil {
		t.Fatal(err)
	}
	return e
}

func detached(t *testing.T, e *openpgp.Entity, data string, armored bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	sign := openpgp.DetachSign
	if armored {
		sign = openpgp.ArmoredDetachSign
	}
	if err := sign(&buf, e, strings.NewReader(data), &packet.Config{DefaultHash: crypto.SHA256}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestVerifySource(t *testing.T) {
	up, other := upstreamKey(t), upstreamKey(t)
	dir := t.TempDir()
	var both bytes.Buffer // a key file holding the pinned key and another
	up.Serialize(&both)
	other.Serialize(&both)
	binFile := writeFile(t, filepath.Join(dir, "keys.gpg"), both.Bytes())
	var asc bytes.Buffer
	armorPublic(&asc, both.Bytes())
	ascFile := writeFile(t, filepath.Join(dir, "keys.asc"), asc.Bytes())
	pin := fingerprint(up)
	const tarball = "openresty-1.31.1.1.tar.gz bytes"

	for _, keyFile := range []string{binFile, ascFile} {
		for _, armored := range []bool{false, true} {
			sig := detached(t, up, tarball, armored)
			if err := VerifySource(strings.NewReader(tarball), bytes.NewReader(sig), keyFile, pin); err != nil {
				t.Errorf("%s, armored %v: %v", filepath.Base(keyFile), armored, err)
			}
			// Lower case with spaces, as people paste fingerprints.
			spaced := strings.ToLower(pin[:4] + " " + pin[4:])
			if err := VerifySource(strings.NewReader(tarball), bytes.NewReader(sig), keyFile, spaced); err != nil {
				t.Errorf("pin %q: %v", spaced, err)
			}
		}
	}
	sig := detached(t, up, tarball, true)
	bad := []struct {
		name, data, pin string
		sig             []byte
		code            int
	}{
		{"changed data", tarball + "!", pin, sig, errs.ExitVerify},
		{"signed by the other key in the file", tarball, pin, detached(t, other, tarball, true), errs.ExitVerify},
		{"pin not in the file", tarball, strings.Repeat("AB", 20), sig, errs.ExitVerify},
		{"short key ID as pin", tarball, pin[24:], sig, errs.ExitUsage},
		{"garbage signature", tarball, pin, []byte("not a signature"), errs.ExitVerify},
	}
	for _, c := range bad {
		err := VerifySource(strings.NewReader(c.data), bytes.NewReader(c.sig), ascFile, c.pin)
		if errs.Code(err) != c.code {
			t.Errorf("%s: %v (exit %d), want exit %d", c.name, err, errs.Code(err), c.code)
		}
	}
	err := VerifySource(strings.NewReader(tarball), bytes.NewReader(sig), ascFile, strings.Repeat("AB", 20))
	if err == nil || !strings.Contains(err.Error(), pin) {
		t.Errorf("a missing pin should name the keys the file holds: %v", err)
	}
	if err := VerifySource(strings.NewReader(tarball), bytes.NewReader(sig), filepath.Join(dir, "absent.asc"), pin); errs.Code(err) != errs.ExitUsage {
		t.Errorf("missing key file: %v", err)
	}
}

func TestVerifyDetachedNamesSigner(t *testing.T) {
	up := upstreamKey(t)
	var ring bytes.Buffer
	up.Serialize(&ring)
	sig := detached(t, up, "data", false)
	fp, err := VerifyDetached(ring.Bytes(), strings.NewReader("data"), bytes.NewReader(sig))
	if err != nil || fp != fingerprint(up) {
		t.Fatalf("VerifyDetached: %s, %v; want the primary fingerprint %s", fp, err, fingerprint(up))
	}
	_, err = VerifyDetached(ring.Bytes(), strings.NewReader("data"), bytes.NewReader(detached(t, upstreamKey(t), "data", false)))
	if errs.Code(err) != errs.ExitVerify || !strings.Contains(err.Error(), "not in the keyring") {
		t.Fatalf("unknown signer: %v", err)
	}
	if _, _, err := VerifyClearSigned(ring.Bytes(), []byte("no signature here")); errs.Code(err) != errs.ExitVerify {
		t.Fatalf("VerifyClearSigned on plain text: %v", err)
	}
}
