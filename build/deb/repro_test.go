package deb

import (
	"crypto/sha256"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// TestReproducible packages the same staging root twice, in different
// output directories and with the staging files' mtimes changed in
// between, and expects byte-identical .debs.
func TestReproducible(t *testing.T) {
	r, built := fixture(t)
	a := packageFixture(t, r, built, nil)
	touchAll(t, built.StagingDir)
	b := packageFixture(t, r, built, nil)
	same(t, a.Path, b.Path)
	same(t, a.DbgsymPath, b.DbgsymPath)
	same(t, a.ProvenancePath, b.ProvenancePath)
	if a.SHA256 != b.SHA256 {
		t.Errorf("SHA256 %s != %s", a.SHA256, b.SHA256)
	}
}

// TestReproducibleSigned adds a debsigs-style signature from a
// deterministic signer (as Ed25519 is, given a fixed signature time): the
// .deb carries _gpgorigin and stays reproducible. The signer sees the
// members debsigs signs.
func TestReproducibleSigned(t *testing.T) {
	need(t, "ar")
	r, built := fixture(t)
	var signed int
	fn := func(in io.Reader) ([]byte, error) {
		h := sha256.New()
		n, err := io.Copy(h, in)
		if err != nil || n == 0 {
			t.Errorf("signer read %d bytes, %v", n, err)
		}
		signed++
		return []byte("-----BEGIN PGP SIGNATURE-----\n\n" + string(h.Sum(nil)[:8]) + "\n-----END PGP SIGNATURE-----\n"), nil
	}
	sign := func(o *Options) { o.SignFn = fn }
	a := packageFixture(t, r, built, sign)
	b := packageFixture(t, r, built, sign)
	same(t, a.Path, b.Path)
	if signed != 2 {
		t.Errorf("signer called %d times for two packages (the dbgsym is not signed), want 2", signed)
	}
	members := cmdOut(t, "ar", "t", a.Path)
	if !strings.Contains(members, "_gpgorigin") {
		t.Errorf("signed .deb members:\n%s\nwant _gpgorigin", members)
	}
	if strings.Contains(cmdOut(t, "ar", "t", a.DbgsymPath), "_gpg") {
		t.Error("the dbgsym package is signed: not needed, apt ignores it")
	}
}

func same(t *testing.T, a, b string) {
	t.Helper()
	if sha256File(t, a) != sha256File(t, b) {
		t.Errorf("%s and %s differ", a, b)
	}
}

func touchAll(t *testing.T, dir string) {
	t.Helper()
	now := time.Now().Add(time.Hour)
	if err := walkTouch(dir, now); err != nil {
		t.Fatal(err)
	}
}

func walkTouch(dir string, when time.Time) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		p := dir + "/" + e.Name()
		if e.IsDir() {
			if err := walkTouch(p, when); err != nil {
				return err
			}
		}
		if e.Type()&os.ModeSymlink == 0 {
			if err := os.Chtimes(p, when, when); err != nil {
				return err
			}
		}
	}
	return nil
}
