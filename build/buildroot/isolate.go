package buildroot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// HostUser is an unprivileged user of the host that build steps run as
// when a recipe is built on the host itself (no suite root) and repoctl
// runs as root. It can write only the trees handed to it with Own.
type HostUser struct {
	Name     string
	UID, GID uint32
	// Network lets Run reach the network; by default a step gets a
	// network namespace of its own with nothing in it.
	Network bool
}

// LookupHostUser returns the host user name ("" is BuildUser), creating
// it as a system user without a home or a login shell when it is missing.
func LookupHostUser(ctx context.Context, name string) (*HostUser, error) {
	if name == "" {
		name = BuildUser
	}
	u, err := user.Lookup(name)
	var unknown user.UnknownUserError
	if errors.As(err, &unknown) {
		out, aerr := exec.CommandContext(ctx, "useradd", "--system", "--user-group", "--no-create-home",
			"--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name).CombinedOutput()
		u, err = user.Lookup(name) // another repoctl may have won the race
		if err != nil && aerr != nil {
			return nil, fmt.Errorf("useradd %s: %w: %s", name, aerr, strings.TrimSpace(string(out)))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("build user %s: %w", name, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("build user %s: %w", name, err)
	}
	if uid == 0 || gid == 0 {
		return nil, fmt.Errorf("build user %s has uid %d gid %d: it must not be root", name, uid, gid)
	}
	return &HostUser{Name: name, UID: uint32(uid), GID: uint32(gid)}, nil
}

// Own hands the tree at dir to the user (recursive chown, symlinks
// themselves rather than their targets), so a build can write there.
func (h *HostUser) Own(dir string) error {
	return filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(h.UID), int(h.GID))
	})
}

// Env is a build step's environment on the host: PATH, HOME=home,
// TMPDIR=home/tmp (not the shared /tmp), USER, LOGNAME, LC_ALL=C, then
// extra. Nothing comes from repoctl's environment.
func (h *HostUser) Env(home string, extra ...string) []string {
	base := []string{"PATH=" + DefaultPATH, "HOME=" + home, "TMPDIR=" + filepath.Join(home, "tmp"),
		"USER=" + h.Name, "LOGNAME=" + h.Name, "LC_ALL=C"}
	return mergeEnv(base, extra)
}

// Run runs name on the host as the user, in dir, with exactly env, in a
// process group killed when ctx ends, without network unless asked. When
// repoctl is not root it cannot change user: the step runs as the caller,
// still with a clean environment.
func (h *HostUser) Run(ctx context.Context, dir string, env []string, w io.Writer, name string, args ...string) error {
	path, err := lookHostPath(name, env)
	if err != nil {
		return err
	}
	cmd := confined(ctx, w, env, path, name, args)
	cmd.Dir = dir
	if os.Geteuid() == 0 {
		if err := reachable(dir); err != nil {
			return err
		}
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: h.UID, Gid: h.GID, Groups: []uint32{}}
		if !h.Network {
			cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWNET | syscall.CLONE_NEWIPC
		}
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s (as %s, in %s): %w", name, strings.Join(args, " "), h.Name, dir, err)
	}
	return nil
}

// RunIsolated runs one build step on the host as BuildUser (created if
// missing): see HostUser.Run.
func RunIsolated(ctx context.Context, dir string, env []string, w io.Writer, name string, args ...string) error {
	h, err := LookupHostUser(ctx, "")
	if err != nil {
		return err
	}
	return h.Run(ctx, dir, env, w, name, args...)
}

// reachable checks that every parent of dir lets others through (x), so
// that the build user gets a clear error here rather than a confusing
// one from make: a build tree inside a 0700 state directory is not.
func reachable(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for p := filepath.Dir(abs); ; p = filepath.Dir(p) {
		info, err := os.Stat(p)
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("build directory %s: its parent %s (mode %o) does not let the build user through: keep build trees outside private directories, or make it 0711",
				dir, p, info.Mode().Perm())
		}
		if p == "/" {
			return nil
		}
	}
}

// lookHostPath finds name in env's PATH (not repoctl's).
func lookHostPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	pathVar, ok := lookupEnv(env, "PATH")
	if !ok {
		pathVar = DefaultPATH
	}
	for _, d := range filepath.SplitList(pathVar) {
		p := filepath.Join(d, name)
		if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%q not found in PATH %s", name, pathVar)
}
