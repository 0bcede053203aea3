package harness

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
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

// mountsUnder lists the mount points at or under root, deepest first.
func mountsUnder(root string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMount(fields[4])
		if mp == root || strings.HasPrefix(mp, root+"/") {
			out = append(out, mp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// killRootProcs SIGKILLs every process whose root directory is root or
// below (a daemonized nginx started by a test, an apt helper), and waits
// up to 5 s until none is left; a mount they hold would stay busy.
func killRootProcs(root string) {
	for i := 0; i < 50; i++ {
		pids := rootProcs(root)
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// rootProcs lists the live processes chrooted at or under root. A zombie
// has no root link, so it does not count.
func rootProcs(root string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		link, err := os.Readlink(filepath.Join("/proc", e.Name(), "root"))
		if err == nil && (link == root || strings.HasPrefix(link, root+"/")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

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
