package repo

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// gpgSigner signs with the gpg binary and a key generated for the test
// run, so that rendered signatures can be checked with gpgv like apt does.
type gpgSigner struct {
	home    string
	keyring string // exported public key, for gpgv
}

func (s *gpgSigner) run(in io.Reader, out io.Writer, args ...string) error {
	cmd := exec.Command("gpg", append([]string{"--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
	cmd.Env = append(os.Environ(), "GNUPGHOME="+s.home)
	cmd.Stdin, cmd.Stdout = in, out
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return &exec.ExitError{ProcessState: cmd.ProcessState, Stderr: []byte(stderr.String())}
	}
	return nil
}

func (s *gpgSigner) ClearSign(in io.Reader, out io.Writer) error {
	return s.run(in, out, "--digest-algo", "SHA256", "--clearsign")
}

func (s *gpgSigner) DetachSign(in io.Reader, out io.Writer) error {
	return s.run(in, out, "--digest-algo", "SHA256", "--armor", "--detach-sign")
}

var (
	gpgOnce sync.Once
	gpgS    *gpgSigner
	gpgErr  error
)

// testSigner generates one key per test binary run (a short GNUPGHOME:
// gpg-agent's socket path has a length limit).
func testSigner(t testing.TB) *gpgSigner {
	t.Helper()
	gpgOnce.Do(func() {
		home, err := os.MkdirTemp("/tmp", "gpg")
		if err != nil {
			gpgErr = err
			return
		}
		s := &gpgSigner{home: home, keyring: filepath.Join(home, "pub.gpg")}
		if err := s.run(nil, nil, "--quick-gen-key", "repoctl test <test@example.invalid>", "ed25519", "sign", "never"); err != nil {
			gpgErr = err
			return
		}
		f, err := os.Create(s.keyring)
		if err != nil {
			gpgErr = err
			return
		}
		defer f.Close()
		gpgErr = s.run(nil, f, "--export")
		gpgS = s
	})
	if gpgErr != nil {
		t.Fatalf("gpg setup: %v", gpgErr)
	}
	return gpgS
}

// gpgv verifies a signature against the test key only, like apt's Signed-By.
func (s *gpgSigner) gpgv(t testing.TB, files ...string) {
	t.Helper()
	cmd := exec.Command("gpgv", append([]string{"--keyring", s.keyring}, files...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gpgv %v: %v\n%s", files, err, b)
	}
}

func TestMain(m *testing.M) {
	if dir := os.Getenv("REPOCTL_TEST_HOLD"); dir != "" {
		os.Exit(holdLock(dir))
	}
	code := m.Run()
	if gpgS != nil {
		cmd := exec.Command("gpgconf", "--kill", "gpg-agent")
		cmd.Env = append(os.Environ(), "GNUPGHOME="+gpgS.home)
		cmd.Run()
		os.RemoveAll(gpgS.home)
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}
