package signing

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// missing fails the test when CI=true (CI must never pass by skipping) and
// skips it elsewhere.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and "+format, args...)
	}
	t.Skipf(format, args...)
}

func requireTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing(t, "this test needs %q on PATH (Debian: gpgv, gnupg, debsig-verify, dpkg-dev, binutils): %v", tool, err)
		}
	}
}

// newStore returns an empty store in a temporary directory.
func newStore(t testing.TB) Store {
	t.Helper()
	d := t.TempDir()
	return Store{StateDir: filepath.Join(d, "state"), PublicDir: filepath.Join(d, "keys")}
}

// generate makes key name in s or fails the test.
func generate(t testing.TB, s Store, opts GenerateOptions) *KeyInfo {
	t.Helper()
	if opts.Email == "" {
		opts.Email = opts.Name + "@example.org"
	}
	k, err := s.Generate(opts)
	if err != nil {
		t.Fatalf("generate %s: %v", opts.Name, err)
	}
	return k
}

func signer(t testing.TB, s Store, pass Passphrase, names ...string) *Signer {
	t.Helper()
	sg, err := s.Signer(names, pass)
	if err != nil {
		t.Fatalf("signer %v: %v", names, err)
	}
	return sg
}

// fixed returns a Passphrase that yields p.
func fixed(p string) Passphrase { return func() ([]byte, error) { return []byte(p), nil } }

// run runs a command and returns its combined output and error.
func run(t testing.TB, dir string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// gpgv runs bookworm's gpgv against keyring, with a private home so that
// nothing of root's GnuPG setup is read or written.
func gpgv(t testing.TB, keyring string, files ...string) (string, error) {
	t.Helper()
	home := t.TempDir()
	args := append([]string{"--homedir", home, "--keyring", keyring}, files...)
	return run(t, filepath.Dir(files[0]), "gpgv", args...)
}

// gpgHome returns a fresh GnuPG home whose agent is stopped at the end.
func gpgHome(t testing.TB) string {
	t.Helper()
	home := t.TempDir()
	t.Cleanup(func() { exec.Command("gpgconf", "--homedir", home, "--kill", "gpg-agent").Run() })
	return home
}

// gpg runs gpg in its own home, non-interactively, and returns its stdout.
func gpg(t testing.TB, home string, args ...string) string {
	t.Helper()
	args = append([]string{"--homedir", home, "--batch", "--pinentry-mode", "loopback"}, args...)
	cmd := exec.Command("gpg", args...)
	cmd.Dir = home
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("gpg %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), stderr.String())
	}
	return out.String()
}

func writeFile(t testing.TB, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// flipByte returns data with one byte changed at index i.
func flipByte(data []byte, i int) []byte {
	c := append([]byte(nil), data...)
	c[i] ^= 0x01
	return c
}

// rsaStore holds one RSA-4096 key for the whole test binary: generating one
// takes seconds.
var rsaDir string

var rsaStore = sync.OnceValues(func() (Store, error) {
	d, err := os.MkdirTemp("", "repoctl-signing-rsa-")
	if err != nil {
		return Store{}, err
	}
	rsaDir = d
	s := Store{StateDir: filepath.Join(d, "state"), PublicDir: filepath.Join(d, "keys")}
	_, err = s.Generate(GenerateOptions{Name: "rsa", Email: "rsa@example.org", Algo: "rsa4096"})
	return s, err
})

func TestMain(m *testing.M) {
	code := m.Run()
	if rsaDir != "" {
		os.RemoveAll(rsaDir)
	}
	os.Exit(code)
}
