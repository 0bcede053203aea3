package deb

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/repoctl/repoctl/build/buildroot"
	"github.com/repoctl/repoctl/build/compile"
)

// shlibdeps runs dpkg-shlibdeps on the ELF files of the package tree and
// returns its shlibs:Depends value. It works in a throw-away debian/ tree
// the way debhelper does: debian/control names the package, and
// debian/<name> is the package tree, so libraries the package ships itself
// (OpenResty's bundled LuaJIT under its RPATH) are found there and need no
// dependency.
//
// chroot, when set, is a suite build root: the tree is copied into it and
// dpkg-shlibdeps runs there, so Depends match that suite's libraries.
func shlibdeps(ctx context.Context, name, tree string, files []elfFile, chroot string) ([]depGroup, error) {
	if len(files) == 0 {
		return nil, nil
	}
	base := ""
	if chroot != "" {
		base = filepath.Join(chroot, "tmp")
	}
	work, err := os.MkdirTemp(base, "repoctl-shlibdeps-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	if err := writeFakeSource(work, name, tree, chroot != ""); err != nil {
		return nil, err
	}
	args := []string{"-O"}
	for _, f := range files {
		args = append(args, "-e"+filepath.Join("debian", name, f.Rel))
	}
	cmd := shlibdepsCmd(ctx, work, chroot, args)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("dpkg-shlibdeps: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return parseShlibdeps(stdout.String())
}

// writeFakeSource makes the minimal debian/ directory dpkg-shlibdeps reads.
// Inside a chroot the tree is copied (a symlink would point outside it).
func writeFakeSource(work, name, tree string, copyTree bool) error {
	dir := filepath.Join(work, "debian")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	control := fmt.Sprintf("Source: %s\n\nPackage: %s\nArchitecture: any\n", name, name)
	if err := os.WriteFile(filepath.Join(dir, "control"), []byte(control), 0o644); err != nil {
		return err
	}
	if copyTree {
		return copyTreeTo(tree, filepath.Join(dir, name))
	}
	return os.Symlink(tree, filepath.Join(dir, name))
}

func shlibdepsCmd(ctx context.Context, work, chroot string, args []string) *exec.Cmd {
	if chroot == "" {
		cmd := exec.CommandContext(ctx, "dpkg-shlibdeps", args...)
		cmd.Dir = work
		return cmd
	}
	inside := "/" + strings.TrimPrefix(work, filepath.Clean(chroot)+"/")
	shell := "cd " + inside + " && exec dpkg-shlibdeps \"$@\""
	return exec.CommandContext(ctx, "chroot", append([]string{chroot, "/bin/sh", "-c", shell, "sh"}, args...)...)
}

// rootShlibdeps runs dpkg-shlibdeps in the clean suite root the build
// ran in (built.Root, kept in built.RootCacheDir), in a throw-away session
// of it as the unprivileged build user: a trixie build's Depends name
// trixie's packages (libssl3t64), whatever the host runs. The root is
// not refreshed here: it must stay the one the build was compiled in.
func rootShlibdeps(ctx context.Context, built *compile.Result, name, tree string, files []elfFile) ([]depGroup, error) {
	if len(files) == 0 {
		return nil, nil
	}
	root, err := buildroot.Ensure(ctx, built.Root, nil, buildroot.Options{CacheDir: built.RootCacheDir, MaxAge: -1})
	if err != nil {
		return nil, fmt.Errorf("dpkg-shlibdeps in the %s build root: %w", built.Root, err)
	}
	elfs := make([]string, len(files))
	for i, f := range files {
		elfs[i] = filepath.ToSlash(f.Rel)
	}
	var log bytes.Buffer
	v, err := root.Shlibdeps(ctx, name, tree, elfs, &log)
	if err != nil {
		return nil, fmt.Errorf("dpkg-shlibdeps in the %s build root: %w: %s", built.Root, err, strings.TrimSpace(log.String()))
	}
	return parseDepends(v), nil
}

// parseShlibdeps reads "shlibs:Depends=a, b | c" from dpkg-shlibdeps -O.
func parseShlibdeps(out string) ([]depGroup, error) {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "shlibs:Depends="); ok {
			return parseDepends(v), nil
		}
	}
	if strings.TrimSpace(out) == "" {
		return nil, nil
	}
	return nil, fmt.Errorf("dpkg-shlibdeps: no shlibs:Depends in its output: %q", out)
}
