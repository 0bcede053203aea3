package buildroot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The build user owns the build directory and nothing else. Its ids are
// in Debian's range for dynamically allocated system users (60000-64999),
// the range sbuild's and pbuilder's users come from as well.
const (
	BuildUser = "repoctl-build"
	BuildUID  = 64000
	BuildGID  = 64000
	BuildHome = "/build" // inside the root: where sources go
)

// DefaultPATH is the PATH of commands run inside a root.
const DefaultPATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Root is a prepared build root of one suite. The one Ensure returns is
// the cached root itself: change it only through Ensure. Session gives a
// throw-away copy for a build.
type Root struct {
	Suite string // bookworm, trixie, ...
	Arch  string // dpkg's name: amd64, arm64, ...
	Dir   string // host path of the root's /
	// Network lets Run reach the network. Without it (the default) a
	// command run as the build user gets a network namespace of its own
	// with nothing in it: a build fetches nothing the recipe did not pin.
	Network bool

	lockPath string // the cached root's lock file
	session  string // a Session's scratch directory; "" for the cached root
	shared   *lock  // a Session's shared lock on the cached root

	mu    sync.Mutex
	users int // Runs in progress: the first mounts, the last unmounts
}

// Env returns the environment of a build step: PATH, HOME, USER,
// LOGNAME, TMPDIR, LC_ALL=C and nothing else, then extra ("K=V") which
// wins. Nothing comes from repoctl's own environment.
func (r *Root) Env(extra ...string) []string {
	env := []string{
		"PATH=" + DefaultPATH, "HOME=" + BuildHome, "USER=" + BuildUser,
		"LOGNAME=" + BuildUser, "TMPDIR=/tmp", "LC_ALL=C",
	}
	return mergeEnv(env, extra)
}

// Path is the host path of p, a path inside the root. It does not
// resolve symlinks inside the root; CopyIn and CopyOut do it safely.
func (r *Root) Path(p string) string {
	return filepath.Join(r.Dir, filepath.Clean("/"+p))
}

// Run runs name inside the root as the build user, in dir (a path inside
// the root; "" is BuildHome), with exactly env (nil is empty: nothing is
// inherited), output to w. /proc and /dev are mounted for the duration and
// always unmounted. Cancelling ctx kills the command's process group.
func (r *Root) Run(ctx context.Context, dir string, env []string, w io.Writer, name string, args ...string) error {
	if dir == "" {
		dir = BuildHome
	}
	c := &syscall.Credential{Uid: BuildUID, Gid: BuildGID, Groups: []uint32{}}
	return r.run(ctx, c, !r.Network, dir, env, w, name, args)
}

// RunAsRoot runs name inside the root as root, with the network: for apt
// and dpkg. Never run build code this way.
func (r *Root) RunAsRoot(ctx context.Context, dir string, env []string, w io.Writer, name string, args ...string) error {
	if dir == "" {
		dir = "/"
	}
	return r.run(ctx, nil, false, dir, env, w, name, args)
}

func (r *Root) run(ctx context.Context, cred *syscall.Credential, isolate bool, dir string, env []string, w io.Writer, name string, args []string) (err error) {
	if os.Geteuid() != 0 {
		return errors.New("build roots need root (chroot, mount): run repoctl as root or build on the host")
	}
	path, err := r.lookPath(name, env)
	if err != nil {
		return err
	}
	if err := r.enter(); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, r.leave()) }()
	cmd := confined(ctx, w, env, path, name, args)
	cmd.Dir = dir
	cmd.SysProcAttr.Chroot = r.Dir
	cmd.SysProcAttr.Credential = cred
	if isolate {
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWNET | syscall.CLONE_NEWIPC
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s (in the %s root, %s): %w", name, strings.Join(args, " "), r.Suite, dir, err)
	}
	return nil
}

// confined is a command in a process group of its own, killed as a group
// when ctx ends, with exactly env.
func confined(ctx context.Context, w io.Writer, env []string, path, name string, args []string) *exec.Cmd {
	if w == nil {
		w = io.Discard
	}
	if env == nil {
		env = []string{} // nil would mean: inherit repoctl's
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Path, cmd.Err = path, nil
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// A daemon left behind may hold the output pipe; do not wait forever.
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// lookPath finds name in env's PATH as the root sees it, without
// following the root's symlinks on the host side.
func (r *Root) lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	pathVar := DefaultPATH
	if v, ok := lookupEnv(env, "PATH"); ok {
		pathVar = v
	}
	rt, err := os.OpenRoot(r.Dir)
	if err != nil {
		return "", err
	}
	defer rt.Close()
	for _, d := range filepath.SplitList(pathVar) {
		p := filepath.Join(d, name)
		if info, err := rt.Stat(strings.TrimPrefix(p, "/")); err == nil && info.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%q not found in the %s root's PATH %s", name, r.Suite, pathVar)
}

// enter mounts what a command needs the first time; leave unmounts it
// after the last, killing what a command left running in the root.
func (r *Root) enter() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.users == 0 {
		if r.session == "" {
			if err := bindSelf(r.Dir); err != nil {
				return err
			}
		}
		if err := mountInside(r.Dir); err != nil {
			r.unmount()
			return err
		}
	}
	r.users++
	return nil
}

func (r *Root) leave() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users--
	if r.users > 0 {
		return nil
	}
	return r.unmount()
}

func (r *Root) unmount() error {
	killRootProcs(r.Dir)
	if r.session == "" {
		return unmountTree(r.Dir)
	}
	return unmountBelow(r.Dir)
}
