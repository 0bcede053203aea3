package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// FleetRoot is a throwaway Debian host for one test: a minbase root,
// extracted from the cached image, with /proc and a private /dev/pts
// mounted, entered with chroot. Its apt sources are empty.
type FleetRoot struct {
	Dir   string // host path of the root
	Suite string // bookworm, ...
	Arch  string // amd64, ...
	t     testing.TB
}

// fleetPATH is the PATH of commands run inside, as on a Debian host.
const fleetPATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Fleet returns a fresh root of suite ("" = the host's suite), removed
// with everything running in it when the test ends, pass or fail. Needs
// root, debootstrap (first use only) and tar.
func Fleet(t testing.TB, suite string) *FleetRoot {
	t.Helper()
	RequireRoot(t)
	Require(t, "debootstrap", "tar", "dpkg")
	mirror, suite, err := hostMirror(suite)
	if err != nil {
		missing(t, "Fleet needs the host's apt sources: %v", err)
	}
	arch, err := hostArch()
	if err != nil {
		t.Fatal(err)
	}
	image := fleetImage(t, suite, arch, mirror)
	sweepStaleRoots()
	f := &FleetRoot{Suite: suite, Arch: arch, t: t}
	f.Dir = newRootDir(t)
	t.Cleanup(func() {
		if err := removeRoot(f.Dir); err != nil {
			t.Errorf("fleet root cleanup: %v", err)
		}
	})
	start := time.Now()
	// In RAM: extracting 120 MB to a busy disk took 0.5 to 6 s here, to a
	// tmpfs it takes a fraction of a second and removal is one unmount.
	if err := syscall.Mount("tmpfs", f.Dir, "tmpfs", 0, "mode=0755,size=4g"); err != nil {
		t.Logf("fleet root on disk (tmpfs mount failed: %v)", err)
	}
	if out, err := exec.Command("tar", "--numeric-owner", "-xpf", image, "-C", f.Dir).CombinedOutput(); err != nil {
		t.Fatalf("extract %s: %v\n%s", image, err, out)
	}
	if err := mountRoot(f.Dir); err != nil {
		t.Fatal(err)
	}
	t.Logf("fleet root %s (%s/%s) ready in %s", f.Dir, suite, arch, time.Since(start).Round(time.Millisecond))
	return f
}

// newRootDir makes the per-test directory, named after this binary's pid
// (see sweepStaleRoots) and with symlinks resolved: /proc/PID/root and
// mountinfo show real paths.
func newRootDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", fleetPrefix, os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return real
}

// Path is the host path of p inside the root. It does not resolve
// symlinks inside the root: use WriteFile and ReadFile for that.
func (f *FleetRoot) Path(p string) string {
	return filepath.Join(f.Dir, filepath.Clean("/"+p))
}

// Run runs name inside the root (chroot, cwd /) with PATH, LANG=C,
// HOME=/root and DEBIAN_FRONTEND=noninteractive, and returns its combined
// output. The error carries the output's tail, ready for t.Fatal.
func (f *FleetRoot) Run(ctx context.Context, name string, args ...string) (string, error) {
	path, err := f.lookPath(name)
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Path, cmd.Err = path, nil
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=" + fleetPATH, "LANG=C", "HOME=/root", "DEBIAN_FRONTEND=noninteractive"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: f.Dir}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// A daemon started by the command may keep the output pipe open; do
	// not wait for it once the command itself has exited.
	cmd.WaitDelay = 2 * time.Second
	err = cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) {
		err = nil
	}
	if err != nil {
		return out.String(), fmt.Errorf("fleet %s %s: %w\n%s", name, strings.Join(args, " "), err, tail(out.String(), 30))
	}
	return out.String(), nil
}

// Shell runs script with sh -c inside the root.
func (f *FleetRoot) Shell(ctx context.Context, script string) (string, error) {
	return f.Run(ctx, "/bin/sh", "-c", script)
}

// lookPath finds name in the root's PATH, as the root sees it: a link
// such as /usr/bin/awk -> /etc/alternatives/awk is not followed on the
// host side.
func (f *FleetRoot) lookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	for _, d := range filepath.SplitList(fleetPATH) {
		if _, err := os.Lstat(f.Path(filepath.Join(d, name))); err == nil {
			return filepath.Join(d, name), nil
		}
	}
	return "", fmt.Errorf("fleet: %q not found in the root's PATH %s", name, fleetPATH)
}
