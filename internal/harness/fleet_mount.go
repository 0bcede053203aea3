package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/repoctl/repoctl/internal/chroot"
)

// mountRoot gives a chroot what apt, dpkg and daemons expect: /proc, a
// private devpts instance (apt logs through a pty and prints an E: line
// without one) and a tmpfs /dev/shm. The device nodes themselves come from
// debootstrap; nothing of the host's /dev is bound in.
func mountRoot(root string) error {
	mounts := []struct {
		src, target, fstype, data string
		flags                     uintptr
	}{
		{"proc", "proc", "proc", "", syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC},
		{"devpts", "dev/pts", "devpts", "newinstance,ptmxmode=0666,mode=0620,gid=5", syscall.MS_NOSUID | syscall.MS_NOEXEC},
		{"tmpfs", "dev/shm", "tmpfs", "mode=1777", syscall.MS_NOSUID | syscall.MS_NODEV},
	}
	for _, m := range mounts {
		target := filepath.Join(root, m.target)
		if err := os.MkdirAll(target, 0o755); err != nil {
			return err
		}
		if err := syscall.Mount(m.src, target, m.fstype, m.flags, m.data); err != nil {
			return fmt.Errorf("mount %s on %s: %w", m.fstype, target, err)
		}
	}
	// The private devpts has its own ptmx; /dev/ptmx must lead to it.
	ptmx := filepath.Join(root, "dev", "ptmx")
	os.Remove(ptmx)
	return os.Symlink("pts/ptmx", ptmx)
}

// removeRoot kills what runs inside root, unmounts everything under it
// (lazily if busy) and deletes it; if a mount survives, it leaves the tree
// rather than delete through the mount, and says so.
func removeRoot(root string) error {
	killRootProcs(root)
	for _, mp := range mountsUnder(root) {
		if err := syscall.Unmount(mp, 0); err != nil {
			syscall.Unmount(mp, syscall.MNT_DETACH)
		}
	}
	if left := mountsUnder(root); len(left) > 0 {
		return fmt.Errorf("still mounted, %s left in place: %s", root, strings.Join(left, ", "))
	}
	return os.RemoveAll(root)
}

// Shared with the other kind of root (internal/chroot).
var (
	mountsUnder   = chroot.MountsUnder
	killRootProcs = chroot.KillProcsUnder
	rootProcs     = chroot.ProcsUnder
)

// fleetPrefix names per-test roots with the owning test binary's pid, so
// a later run can clean up after a binary that was killed (go test
// -timeout panics without running cleanups).
const fleetPrefix = "repoctl-fleet-"

// sweepStaleRoots removes the roots of test binaries that no longer run.
func sweepStaleRoots() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), fleetPrefix+"*"))
	for _, d := range dirs {
		pidStr, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(d), fleetPrefix), "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid == os.Getpid() || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue
		}
		if real, err := filepath.EvalSymlinks(d); err == nil {
			removeRoot(real)
		}
	}
}
