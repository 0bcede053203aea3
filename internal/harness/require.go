package harness

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// missing fails the test when CI=true (CI must never pass by skipping) and
// skips it elsewhere, so a developer without root or a tool still gets a
// green run of everything else.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and "+format, args...)
	}
	t.Skipf(format, args...)
}

// RequireRoot fails (CI=true) or skips the test unless it runs as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		missing(t, "this test needs root (chroot, mount): run it as root")
	}
}

// Require fails (CI=true) or skips the test unless every binary is on PATH.
func Require(t testing.TB, binaries ...string) {
	t.Helper()
	for _, b := range binaries {
		if _, err := exec.LookPath(b); err != nil {
			missing(t, "this test needs %q on PATH: %v", b, err)
		}
	}
}

// CacheDir is where the harness keeps what is slow to make and safe to
// reuse between runs: $REPOCTL_CACHE, or ~/.cache/repoctl.
func CacheDir() string {
	if d := os.Getenv("REPOCTL_CACHE"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "repoctl")
	}
	return filepath.Join(os.TempDir(), "repoctl-cache")
}

// lockFile takes an exclusive flock on path, waiting for other test
// binaries (go test runs one per package, in parallel) that hold it.
// The returned function releases it.
func lockFile(t testing.TB, path string) func() {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatalf("lock %s: %v", path, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatalf("lock %s: %v", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("lock %s: %v", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}
}
