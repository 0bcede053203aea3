package buildroot

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// Shlibdeps runs dpkg-shlibdeps inside the root on the ELF files elfs
// (paths relative to the host tree, e.g. usr/sbin/nginx) and returns its
// shlibs:Depends value, e.g. "libc6 (>= 2.34), libssl3t64 (>= 3.0.0)":
// run in a trixie root, it names trixie's library packages. It works the
// way debhelper does, in a throw-away debian/ tree where debian/<pkg> is
// a copy of tree, so libraries the package ships itself need no
// dependency. Called on the cached root it opens (and closes) a Session.
func (r *Root) Shlibdeps(ctx context.Context, pkg, tree string, elfs []string, w io.Writer) (string, error) {
	if len(elfs) == 0 {
		return "", nil
	}
	if r.session == "" {
		s, err := r.Session(ctx)
		if err != nil {
			return "", err
		}
		defer s.Close()
		return s.Shlibdeps(ctx, pkg, tree, elfs, w)
	}
	work := path.Join(BuildHome, "shlibdeps-"+pkg)
	control := fmt.Sprintf("Source: %s\n\nPackage: %s\nArchitecture: any\n", pkg, pkg)
	if err := r.writeBuildFile(path.Join(work, "debian", "control"), control); err != nil {
		return "", err
	}
	if err := r.CopyIn(tree, path.Join(work, "debian", pkg)); err != nil {
		return "", err
	}
	args := []string{"-Tdebian/substvars"}
	for _, e := range elfs {
		args = append(args, "-e"+path.Join("debian", pkg, e))
	}
	if err := r.Run(ctx, work, r.Env(), w, "dpkg-shlibdeps", args...); err != nil {
		return "", err
	}
	return r.readSubstvar(path.Join(work, "debian", "substvars"), "shlibs:Depends")
}

// writeBuildFile writes a file inside the root owned by the build user.
func (r *Root) writeBuildFile(p, content string) error {
	tmp, err := os.CreateTemp("", "repoctl-buildroot-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return r.CopyIn(tmp.Name(), p)
}

// readSubstvar reads name=value from a substvars file inside the root
// (through os.Root: the build user wrote that directory).
func (r *Root) readSubstvar(p, name string) (string, error) {
	rt, err := os.OpenRoot(r.Dir)
	if err != nil {
		return "", err
	}
	defer rt.Close()
	data, err := rt.ReadFile(inside(p))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, name+"="); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", nil
}
