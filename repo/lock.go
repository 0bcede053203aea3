package repo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrInUse is returned by Open when another process holds the state.
var ErrInUse = errors.New("state is in use by another repoctl")

// lockDir takes an exclusive, non-blocking flock on <dir>/lock and writes
// our pid into it. goleveldb has its own lock but it says only "resource
// temporarily unavailable"; ours names the holder. flock is released by the
// kernel when the process dies, so a crash never leaves a stale lock.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("repo: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (pid %s; lock file %s)", ErrInUse, holder(path), path)
		}
		return nil, fmt.Errorf("repo: lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// holder reads the pid the lock holder wrote, or "?" when the file names
// no live process (the lock is held by something that is not repoctl).
func holder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "?"
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return "?"
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return "?"
	}
	return strconv.Itoa(pid)
}

// unlock clears our pid, so the file never names a process that let go.
func unlock(f *os.File) {
	if f == nil {
		return
	}
	f.Truncate(0)
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	f.Close()
}
