package buildroot

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/repoctl/repoctl/internal/chroot"
)

// mountInside gives a chroot what compilers, apt and dpkg expect: /proc,
// a private devpts instance (apt wants a pty) and a tmpfs /dev/shm. The
// device nodes come from debootstrap; nothing of the host's /dev is bound
// in. On failure it unmounts what it mounted.
func mountInside(root string) error {
	mounts := []struct {
		src, target, fstype, data string
		flags                     uintptr
	}{
		// hidepid: the build user sees its own processes only, not
		// repoctl's or the host's command lines.
		{"proc", "proc", "proc", "hidepid=2", syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC},
		{"devpts", "dev/pts", "devpts", "newinstance,ptmxmode=0666,mode=0620,gid=5", syscall.MS_NOSUID | syscall.MS_NOEXEC},
		{"tmpfs", "dev/shm", "tmpfs", "mode=1777", syscall.MS_NOSUID | syscall.MS_NODEV},
	}
	for _, m := range mounts {
		target := filepath.Join(root, m.target)
		if err := mkdirNoFollow(root, m.target); err != nil {
			unmountBelow(root)
			return err
		}
		if err := syscall.Mount(m.src, target, m.fstype, m.flags, m.data); err != nil {
			unmountBelow(root)
			return fmt.Errorf("mount %s on %s: %w", m.fstype, target, err)
		}
	}
	// The private devpts has its own ptmx; /dev/ptmx must lead to it.
	r, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer r.Close()
	r.Remove("dev/ptmx")
	return r.Symlink("pts/ptmx", "dev/ptmx")
}

// mkdirNoFollow makes rel inside root without following a symlink out of
// it: a root whose /proc a package replaced by a link to /etc must not get
// a mount on the host's /etc.
func mkdirNoFollow(root, rel string) error {
	r, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.MkdirAll(rel, 0o755); err != nil {
		return err
	}
	info, err := r.Lstat(rel)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fmt.Errorf("%s/%s is not a directory (a symlink?): refusing to mount on it", root, rel)
	}
	return nil
}

// bindSelf makes dir a mount point of its own, private (nothing mounted
// under it propagates elsewhere) and nosuid (a setuid binary in the root
// gives the build user nothing).
func bindSelf(dir string) error {
	if err := syscall.Mount(dir, dir, "", syscall.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s: %w", dir, err)
	}
	flags := uintptr(syscall.MS_REMOUNT | syscall.MS_BIND | syscall.MS_NOSUID)
	if err := syscall.Mount("", dir, "", flags, ""); err != nil {
		syscall.Unmount(dir, syscall.MNT_DETACH)
		return fmt.Errorf("remount %s nosuid: %w", dir, err)
	}
	return makePrivate(dir)
}

func makePrivate(dir string) error {
	if err := syscall.Mount("", dir, "", syscall.MS_PRIVATE, ""); err != nil {
		syscall.Unmount(dir, syscall.MNT_DETACH)
		return fmt.Errorf("make %s private: %w", dir, err)
	}
	return nil
}

// unmountBelow unmounts everything strictly under root, deepest first,
// lazily if busy, and reports what survived.
func unmountBelow(root string) error {
	for _, mp := range mountsUnder(root) {
		if mp == root {
			continue
		}
		if err := syscall.Unmount(mp, 0); err != nil {
			syscall.Unmount(mp, syscall.MNT_DETACH)
		}
	}
	var left []string
	for _, mp := range mountsUnder(root) {
		if mp != root {
			left = append(left, mp)
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("still mounted under %s: %s", root, strings.Join(left, ", "))
	}
	return nil
}

// unmountTree unmounts everything at or under root.
func unmountTree(root string) error {
	if err := unmountBelow(root); err != nil {
		return err
	}
	for isMounted(root) {
		if err := syscall.Unmount(root, 0); err != nil {
			if err := syscall.Unmount(root, syscall.MNT_DETACH); err != nil {
				return fmt.Errorf("unmount %s: %w", root, err)
			}
		}
	}
	return nil
}

func isMounted(dir string) bool {
	for _, mp := range mountsUnder(dir) {
		if mp == dir {
			return true
		}
	}
	return false
}

// Shared with the other kind of root (internal/chroot).
var (
	mountsUnder   = chroot.MountsUnder
	killRootProcs = chroot.KillProcsUnder
	rootProcs     = chroot.ProcsUnder
)
