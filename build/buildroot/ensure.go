package buildroot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"time"
)

// stamp is what the cache knows about a root, kept next to it in
// <suite>-<arch>.json.
type stamp struct {
	Suite     string    `json:"suite"`
	Arch      string    `json:"arch"`
	Mirrors   mirrors   `json:"mirrors"`
	Created   time.Time `json:"created"`
	Refreshed time.Time `json:"refreshed"` // last apt-get update + upgrade
	Took      string    `json:"took"`      // how long creation took
}

// Ensure returns the cached build root of suite for this machine's
// architecture with deps (build-depends; "a | b" takes either) installed.
// The root is made with debootstrap the first time, refreshed (apt-get
// update, upgrade) when older than MaxAge, and gets only the missing deps.
// A dep the suite does not have is a usage error naming it. Two processes
// never make or change the same root at once (a lock file beside it).
func Ensure(ctx context.Context, suite string, deps []string, opts Options) (*Root, error) {
	o := opts.withDefaults()
	if !suiteName.MatchString(suite) {
		_, err := hostMirrors(ctx, o.AptRoot, suite) // says why
		return nil, err
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("build roots need root (debootstrap, chroot, mount): run repoctl as root, or build on the host")
	}
	arch, err := hostArch()
	if err != nil {
		return nil, err
	}
	cache, err := cacheDir(o.CacheDir)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cache, suite+"-"+arch)
	r := &Root{Suite: suite, Arch: arch, Dir: dir, lockPath: dir + ".lock"}
	lk, err := takeLock(ctx, r.lockPath, syscall.LOCK_EX, func() {
		o.Progress.Notef("build root %s: waiting for another repoctl using it", suite)
	})
	if err != nil {
		return nil, err
	}
	defer lk.release()
	sweepSessions(cache)
	if err := r.prepare(ctx, o); err != nil {
		return nil, err
	}
	if err := r.installDeps(ctx, deps, o); err != nil {
		return nil, err
	}
	return r, nil
}

// prepare makes the root if it is missing, and refreshes it when stale
// or when the host's mirror changed. The no-op case reads two files and
// asks no server: it takes milliseconds.
func (r *Root) prepare(ctx context.Context, o Options) error {
	st, err := readStamp(r.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return create(ctx, r, o)
	}
	if err != nil {
		return err
	}
	main, sec, err := hostBases(o.AptRoot)
	if err != nil {
		return err
	}
	moved := main != st.Mirrors.Main || (sec != st.Mirrors.Security && st.Mirrors.Security != "")
	if !moved && (o.MaxAge < 0 || time.Since(st.Refreshed) < o.MaxAge) {
		return nil
	}
	// Ask the mirror again: it may have gained -updates or -security.
	m, err := hostMirrors(ctx, o.AptRoot, r.Suite)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(m, st.Mirrors) {
		if err := configureRoot(r.Dir, r.Suite, m); err != nil {
			return err
		}
		st.Mirrors = m
	}
	o.Progress.Notef("build root %s: refreshing (apt-get update, upgrade; last %s)", r.Suite, st.Refreshed.Format(time.RFC3339))
	if err := r.refresh(ctx, o); err != nil {
		return err
	}
	st.Refreshed = time.Now().UTC()
	return writeStamp(r.Dir, st)
}

// cacheDir makes the cache directory and returns its real path: mounts
// are matched against /proc/self/mountinfo, which shows real paths.
func cacheDir(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("build root cache: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

func readStamp(dir string) (stamp, error) {
	var st stamp
	data, err := os.ReadFile(dir + ".json")
	if err != nil {
		return st, err
	}
	if _, err := os.Stat(dir); err != nil {
		return st, err // a stamp without its root: make it again
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, fmt.Errorf("%s.json: %w (delete it and the root to start over)", dir, err)
	}
	return st, nil
}

func writeStamp(dir string, st stamp) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := dir + ".json.tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, dir+".json")
}
