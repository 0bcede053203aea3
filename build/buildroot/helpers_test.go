package buildroot

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/repoctl/repoctl/internal/errs"
)

// missingTool fails when CI=true (CI must never pass by skipping) and
// skips elsewhere.
func missingTool(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and "+format, args...)
	}
	t.Skipf(format, args...)
}

// needRoot fails (CI=true) or skips unless the test runs as root with
// debootstrap and dpkg on PATH.
func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		missingTool(t, "build roots need root (chroot, mount, debootstrap): run the tests as root")
	}
	for _, b := range []string{"debootstrap", "dpkg"} {
		if _, err := exec.LookPath(b); err != nil {
			missingTool(t, "build roots need %s on PATH: %v", b, err)
		}
	}
}

// testRoot is the cached root of suite with deps, made on first use
// (minutes) in DefaultCacheDir (REPOCTL_CACHE/roots or
// ~/.cache/repoctl/roots) so that later runs take milliseconds.
func testRoot(t testing.TB, suite string, deps ...string) *Root {
	t.Helper()
	needRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	start := time.Now()
	r, err := Ensure(ctx, suite, deps, Options{Log: testLog(t)})
	if err != nil {
		t.Fatalf("Ensure %s: %v", suite, err)
	}
	t.Logf("Ensure(%s, %v) took %s", suite, deps, time.Since(start).Round(time.Millisecond))
	return r
}

// testLog sends debootstrap and apt output to the test log with -v.
func testLog(t testing.TB) *tlog { return &tlog{t} }

type tlog struct{ t testing.TB }

func (l *tlog) Write(p []byte) (int, error) {
	if testing.Verbose() {
		l.t.Logf("%s", p)
	}
	return len(p), nil
}

func errsCode(err error) int { return errs.Code(err) }

// openTempDir is a temporary directory whose parents let any user
// through, as a real build directory's must.
func openTempDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	for p := d; p != os.TempDir() && p != "/"; p = filepath.Dir(p) {
		os.Chmod(p, 0o755)
	}
	return d
}

func mustWrite(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}
