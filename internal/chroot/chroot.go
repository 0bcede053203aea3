// Package chroot finds what lives under a chroot directory: the mounts
// and the processes whose root is inside it, so that build roots
// (build/buildroot) and test fleet roots (internal/harness) are torn down
// the same way.
package chroot

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// MountsUnder lists the mount points at or under root, deepest first.
func MountsUnder(root string) []string {
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
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
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

// KillProcsUnder SIGKILLs every process whose root directory is root or
// below (a daemon a build step or a test left behind, in a new session
// where a process-group kill does not reach), and waits up to 5 s until none is
// left: a mount they hold would stay busy.
func KillProcsUnder(root string) {
	for i := 0; i < 50; i++ {
		pids := ProcsUnder(root)
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ProcsUnder lists the live processes chrooted at or under root. A zombie
// has no root link, so it does not count.
func ProcsUnder(root string) []int {
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
