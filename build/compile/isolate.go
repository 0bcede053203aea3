package compile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/repoctl/repoctl/build/buildroot"
)

// isolate prepares an isolated host build: the build user owns the source tree and a home of its own in the
// build directory, and the environment becomes the user's clean one plus
// only what the build needs (the hardening flags, SOURCE_DATE_EPOCH, the
// recipe's env): nothing else of repoctl's environment.
func (b *builder) isolate(ctx context.Context, srcRoot string, env map[string]string) (map[string]string, error) {
	u, err := buildroot.LookupHostUser(ctx, "")
	if err != nil {
		return nil, err
	}
	home := filepath.Join(b.dir, "home")
	if b.work != "" {
		home = filepath.Join(b.work, "home")
	}
	if err := os.RemoveAll(home); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(home, "tmp"), 0o700); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		for _, d := range []string{srcRoot, home} {
			if err := u.Own(d); err != nil {
				return nil, err
			}
		}
	}
	keep := append([]string{"SOURCE_DATE_EPOCH", "DEB_BUILD_MAINT_OPTIONS"}, buildFlags...)
	var extra []string
	for k, v := range env {
		if slices.Contains(keep, k) {
			extra = append(extra, k+"="+v)
		}
	}
	for k, v := range b.r.Build.Env {
		extra = append(extra, k+"="+v)
	}
	slices.Sort(extra)
	out := map[string]string{}
	for _, kv := range u.Env(home, extra...) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			out[k] = v
		}
	}
	b.user = u
	return out, nil
}

// disown gives a tree the build user wrote back to the caller and drops
// setuid/setgid bits.
func disown(dir string) error {
	uid, gid := os.Getuid(), os.Getgid()
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(p, uid, gid); err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if m := info.Mode(); m&(fs.ModeSetuid|fs.ModeSetgid) != 0 {
			return os.Chmod(p, m.Perm()|(m&fs.ModeSticky))
		}
		return nil
	})
}

// workTree makes the isolated build's tree, root's and 0711, at a path
// named after the build directory (not random: module paths end up in
// nginx -V, and a rebuild must give the same binary). The build
// directory's lock makes it this process's; what a killed build left
// there is removed, and anything there not made by root is refused.
func workTree(buildDir string) (string, error) {
	sum := sha256.Sum256([]byte(buildDir))
	work := filepath.Join(os.TempDir(), "repoctl-build-"+hex.EncodeToString(sum[:8]))
	if st, err := os.Lstat(work); err == nil {
		sys, ok := st.Sys().(*syscall.Stat_t)
		if !st.IsDir() || !ok || sys.Uid != 0 {
			return "", fmt.Errorf("build tree %s exists and was not made by repoctl: remove it", work)
		}
		if err := os.RemoveAll(work); err != nil {
			return "", err
		}
	}
	if err := os.Mkdir(work, 0o700); err != nil {
		return "", err
	}
	return work, os.Chmod(work, 0o711)
}

// moveTree renames src to dst, or copies it when they are on different
// file systems (the isolated build tree is under the temporary directory).
func moveTree(src, dst string) error {
	err := os.Rename(src, dst)
	if err == nil || !errors.Is(err, syscall.EXDEV) {
		return err
	}
	tmp := dst + ".copy-tmp"
	os.RemoveAll(tmp)
	if err := copyDir(src, tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	return os.RemoveAll(src)
}
