package buildroot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Session returns a throw-away root for one build: an overlay whose lower
// layer is the cached root, mounted nosuid, with an empty BuildHome owned
// by the build user. Whatever the build does (files, installs as root)
// goes to the overlay's upper layer and is gone after Close. The cached
// root stays locked (shared) until Close, so no Ensure upgrades it under
// a running build. Close it, also on error.
func (r *Root) Session(ctx context.Context) (*Root, error) {
	if r.session != "" {
		return nil, errors.New("a session of a session: call Session on the root Ensure returned")
	}
	if strings.ContainsAny(r.Dir, ",:") {
		return nil, fmt.Errorf("build root %s: overlayfs cannot take a path with ',' or ':'", r.Dir)
	}
	lk, err := takeLock(ctx, r.lockPath, syscall.LOCK_SH, nil)
	if err != nil {
		return nil, err
	}
	scratch, err := os.MkdirTemp(filepath.Dir(r.Dir), fmt.Sprintf("%s%d-", sessionPrefix, os.Getpid()))
	if err != nil {
		lk.release()
		return nil, err
	}
	s := &Root{Suite: r.Suite, Arch: r.Arch, Dir: filepath.Join(scratch, "root"), Network: r.Network,
		lockPath: r.lockPath, session: scratch, shared: lk}
	if err := s.mountOverlay(r.Dir); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// sessionPrefix names session scratch dirs after the owning pid, so a
// later run can clean up after a killed repoctl.
const sessionPrefix = ".session-"

func (s *Root) mountOverlay(lower string) error {
	for _, d := range []string{"upper", "work", "root"} {
		if err := os.Mkdir(filepath.Join(s.session, d), 0o755); err != nil {
			return err
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, filepath.Join(s.session, "upper"), filepath.Join(s.session, "work"))
	if err := syscall.Mount("overlay", s.Dir, "overlay", syscall.MS_NOSUID, opts); err != nil {
		return fmt.Errorf("mount overlay on %s: %w", s.Dir, err)
	}
	if err := makePrivate(s.Dir); err != nil {
		return err
	}
	// A fresh, empty build directory: nothing from an earlier build.
	home := s.Path(BuildHome)
	if err := os.RemoveAll(home); err != nil {
		return err
	}
	if err := os.Mkdir(home, 0o755); err != nil {
		return err
	}
	return os.Chown(home, BuildUID, BuildGID)
}

// Close ends a session: it kills what still runs in it, unmounts it,
// deletes its files and releases the cached root. On the cached root
// itself it does nothing.
func (r *Root) Close() error {
	if r.session == "" {
		return nil
	}
	killRootProcs(r.Dir)
	err := removeScratch(r.session)
	r.shared.release()
	return err
}

// sweepSessions removes the session and creation scratch directories of
// processes that no longer run (killed before they could clean up).
func sweepSessions(cache string) {
	dirs, _ := filepath.Glob(filepath.Join(cache, ".*-*"))
	for _, d := range dirs {
		pid, ok := scratchPID(filepath.Base(d))
		if ok && pid != os.Getpid() && syscall.Kill(pid, 0) == syscall.ESRCH {
			removeScratch(d)
		}
	}
}

// scratchPID reads the pid out of ".session-PID-xxx" or
// ".new-<suite>-<arch>-PID-xxx".
func scratchPID(name string) (int, bool) {
	parts := strings.Split(name, "-")
	if len(parts) < 3 || !(strings.HasPrefix(name, sessionPrefix) || strings.HasPrefix(name, ".new-")) {
		return 0, false
	}
	pid, err := strconv.Atoi(parts[len(parts)-2])
	return pid, err == nil
}
