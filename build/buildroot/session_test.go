package buildroot

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// session opens a Session of the cached root, closed (and checked to
// leave no mount behind) when the test ends.
func session(t *testing.T, r *Root) *Root {
	t.Helper()
	s, err := r.Session(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if left := mountsUnder(filepath.Dir(s.Dir)); len(left) > 0 {
			t.Errorf("mounts left after Close: %v", left)
		}
		if _, err := os.Stat(filepath.Dir(s.Dir)); !os.IsNotExist(err) {
			t.Errorf("session directory %s left after Close (%v)", filepath.Dir(s.Dir), err)
		}
	})
	return s
}

// run runs a shell script as the build user and returns its output.
func run(t *testing.T, r *Root, script string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := r.Run(context.Background(), BuildHome, r.Env(), &out, "/bin/sh", "-c", script)
	return out.String(), err
}

// noMountsBelow fails when anything is still mounted inside the root.
func noMountsBelow(t *testing.T, dir string) {
	t.Helper()
	for _, mp := range mountsUnder(dir) {
		if mp != dir {
			t.Errorf("still mounted after Run: %s", mp)
		}
	}
}

// buildHello compiles testdata/hello inside s as the build user and
// installs it into /build/staging.
func buildHello(t *testing.T, s *Root) string {
	t.Helper()
	if err := s.CopyIn("testdata/hello", "/build/hello"); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	if err := s.Run(context.Background(), "/build/hello", s.Env(), &log, "make", "install", "DESTDIR=/build/staging"); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	out, err := run(t, s, "/build/staging/usr/bin/hello")
	if err != nil || !strings.HasPrefix(out, "hello from glibc ") {
		t.Fatalf("hello in the %s root: %q, %v", s.Suite, out, err)
	}
	return strings.TrimSpace(strings.TrimPrefix(out, "hello from glibc "))
}

func TestHelloBookworm(t *testing.T) {
	r := testRoot(t, "bookworm", "gcc", "libc6-dev", "make")
	start := time.Now()
	if _, err := Ensure(context.Background(), "bookworm", []string{"gcc", "libc6-dev", "make"}, Options{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("MEASURE no-op Ensure: %s", time.Since(start))
	start = time.Now()
	s := session(t, r)
	t.Logf("MEASURE Session (overlay mount): %s", time.Since(start))
	for _, root := range []*Root{s, r} {
		start = time.Now()
		if err := root.Run(context.Background(), "/", root.Env(), nil, "/bin/true"); err != nil {
			t.Fatal(err)
		}
		t.Logf("MEASURE Run /bin/true (mount, chroot, unmount), session=%v: %s", root == s, time.Since(start))
	}
	glibc := buildHello(t, s)
	info, err := os.Stat(s.Path("/build/staging/usr/bin/hello"))
	if err != nil || info.Sys().(*syscall.Stat_t).Uid != BuildUID {
		t.Errorf("the build's output must belong to the build user: %v %v", info, err)
	}
	out := filepath.Join(t.TempDir(), "out")
	if err := s.CopyOut("/build/staging", out); err != nil {
		t.Fatal(err)
	}
	checkCopiedOut(t, out)
	vers, err := s.PackageVersions("libc6", "gcc")
	if err != nil || !strings.HasPrefix(vers["libc6"], glibc) || vers["gcc"] == "" {
		t.Errorf("PackageVersions = %v, %v; want libc6 %s and gcc", vers, err, glibc)
	}
	t.Logf("bookworm root: glibc %s, packages %v", glibc, vers)
	noMountsBelow(t, s.Dir)
}

// checkCopiedOut checks modes and links survived CopyOut.
func checkCopiedOut(t *testing.T, out string) {
	t.Helper()
	info, err := os.Lstat(filepath.Join(out, "usr/bin/hello"))
	if err != nil || info.Mode().Perm() != 0o755 || !info.Mode().IsRegular() {
		t.Errorf("usr/bin/hello copied out as %v, %v: want a 0755 file", info, err)
	}
	if target, err := os.Readlink(filepath.Join(out, "usr/bin/hi")); err != nil || target != "hello" {
		t.Errorf("usr/bin/hi copied out as %q, %v: want a symlink to hello", target, err)
	}
}
