package signing

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// assertNoSecretUnder fails if any file under dir holds a secret key.
func assertNoSecretUnder(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ContainsSecretKey(readFile(t, path)) {
			t.Errorf("%s holds a secret key", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestContainsSecretKey(t *testing.T) {
	s := newStore(t)
	generate(t, s, GenerateOptions{Name: "k"})
	sec := readFile(t, s.secretPath("k"))
	bin, _, err := dearmor(sec)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		data []byte
		want bool
	}{
		"armored secret": {sec, true},
		"binary secret":  {bin, true},
		"public keyring": {readFile(t, s.keyringPath("k")), false},
		"armored public": {readFile(t, s.armoredPath("k")), false},
		"text":           {[]byte("Origin: repoctl\n"), false},
	} {
		if got := ContainsSecretKey(c.data); got != c.want {
			t.Errorf("%s: ContainsSecretKey = %v, want %v", name, got, c.want)
		}
	}
}

func TestSecretsStayInTheStateDirectory(t *testing.T) {
	s := newStore(t)
	const pass = "Unique-Pass-Phrase-9431"
	generate(t, s, GenerateOptions{Name: "enc", Passphrase: []byte(pass)})
	generate(t, s, GenerateOptions{Name: "plain"})
	assertNoSecretUnder(t, s.PublicDir)

	for _, name := range []string{"enc", "plain"} {
		st, err := os.Stat(s.secretPath(name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %o, want 600", s.secretPath(name), st.Mode().Perm())
		}
		for _, pub := range []string{s.keyringPath(name), s.armoredPath(name)} {
			if _, err := os.Stat(pub); err != nil {
				t.Errorf("public key file: %v", err)
			}
		}
	}
	st, err := os.Stat(s.secretDir())
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("secret key directory has mode %o, want 700", st.Mode().Perm())
	}
	if bytes.Contains(readFile(t, s.secretPath("enc")), []byte(pass)) {
		t.Error("the passphrase is stored in the secret key file")
	}
	if e, err := s.loadSecret("enc"); err != nil || !encrypted(e) {
		t.Errorf("a key generated with a passphrase is not stored encrypted (%v)", err)
	}
	// The public keyring hosts get must not hold the secret either.
	sg := signer(t, s, fixed(pass), "enc", "plain")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ring.gpg"), sg.PublicKeyring())
	assertNoSecretUnder(t, dir)

	// An existing, too-open key directory is tightened.
	os.Chmod(s.secretDir(), 0o755)
	generate(t, s, GenerateOptions{Name: "third"})
	if st, _ := os.Stat(s.secretDir()); st.Mode().Perm() != 0o700 {
		t.Errorf("secret key directory left at mode %o", st.Mode().Perm())
	}
}

func TestReadKeyringNeverReturnsSecrets(t *testing.T) {
	s := newStore(t)
	generate(t, s, GenerateOptions{Name: "k"})
	for _, path := range []string{s.secretPath("k"), s.armoredPath("k"), s.keyringPath("k")} {
		ring, err := ReadKeyring(path)
		if err != nil {
			t.Fatalf("ReadKeyring(%s): %v", path, err)
		}
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "ring.gpg"), ring)
		assertNoSecretUnder(t, dir)
		if !bytes.Equal(ring, readFile(t, s.keyringPath("k"))) {
			t.Errorf("ReadKeyring(%s) differs from the stored binary keyring", filepath.Base(path))
		}
	}
}
