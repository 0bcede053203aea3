package buildroot

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// CopyIn copies the host tree src (a directory or a file) to dst, a path
// inside the root, owned by the build user, keeping modes, mtimes and
// symlinks. Writes go through os.Root: a symlink already in the root
// cannot send them to the host.
func (r *Root) CopyIn(src, dst string) error {
	rt, err := os.OpenRoot(r.Dir)
	if err != nil {
		return err
	}
	defer rt.Close()
	dst = inside(dst)
	if err := mkdirOwned(rt, filepath.Dir(dst)); err != nil {
		return fmt.Errorf("copy in %s: %w", src, err)
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if err := copyInOne(rt, p, filepath.Join(dst, rel), d); err != nil {
			return fmt.Errorf("copy in %s: %w", p, err)
		}
		return nil
	})
}

func copyInOne(rt *os.Root, p, to string, d fs.DirEntry) error {
	info, err := d.Info()
	if err != nil {
		return err
	}
	switch {
	case d.IsDir():
		if err := rt.Mkdir(to, 0o700); err != nil && !os.IsExist(err) {
			return err
		}
	case d.Type()&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			return err
		}
		rt.Remove(to)
		if err := rt.Symlink(target, to); err != nil {
			return err
		}
		return rt.Lchown(to, BuildUID, BuildGID)
	case d.Type().IsRegular():
		if err := copyFile(p, func() (*os.File, error) {
			return rt.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		}); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%s is not a file, directory or symlink", info.Mode().Type())
	}
	if err := rt.Lchown(to, BuildUID, BuildGID); err != nil {
		return err
	}
	if err := rt.Chmod(to, info.Mode()&(fs.ModePerm|fs.ModeSticky)); err != nil {
		return err
	}
	return rt.Chtimes(to, info.ModTime(), info.ModTime())
}

// mkdirOwned makes the missing directories of dir, owned by the build
// user, so that the build can write next to what CopyIn put there.
func mkdirOwned(rt *os.Root, dir string) error {
	if dir == "." {
		return nil
	}
	if _, err := rt.Lstat(dir); err == nil {
		return nil
	}
	if err := mkdirOwned(rt, filepath.Dir(dir)); err != nil {
		return err
	}
	if err := rt.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return err
	}
	return rt.Lchown(dir, BuildUID, BuildGID)
}

func copyFile(src string, create func() (*os.File, error)) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := create()
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// CopyOut copies src, a directory inside the root (a staging tree), to
// the host directory dst (made if missing; existing files are never
// overwritten), keeping modes, mtimes and symlinks (as links, never
// followed). The tree was written by build code, so it is read through
// os.Root (no symlink leads out of src) and setuid/setgid bits are
// dropped: files come out owned by the caller, and a setuid binary
// owned by root must not appear on the host. Packaging sets such modes
// explicitly.
func (r *Root) CopyOut(src, dst string) error {
	rt, err := os.OpenRoot(r.Dir)
	if err != nil {
		return err
	}
	defer rt.Close()
	sub, err := rt.OpenRoot(inside(src))
	if err != nil {
		return fmt.Errorf("copy out %s: %w", src, err)
	}
	defer sub.Close()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	return fs.WalkDir(sub.FS(), ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := copyOutOne(sub, rel, filepath.Join(dst, rel), d); err != nil {
			return fmt.Errorf("copy out %s/%s: %w", src, rel, err)
		}
		return nil
	})
}

func copyOutOne(sub *os.Root, rel, to string, d fs.DirEntry) error {
	info, err := sub.Lstat(rel)
	if err != nil {
		return err
	}
	mode := info.Mode() & (fs.ModePerm | fs.ModeSticky)
	switch {
	case info.IsDir():
		if err := os.Mkdir(to, 0o700); err != nil && !(rel == "." && os.IsExist(err)) {
			return err
		}
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := sub.Readlink(rel)
		if err != nil {
			return err
		}
		return os.Symlink(target, to)
	case info.Mode().IsRegular():
		err := copyFileFrom(sub, rel, to)
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("%s is not a file, directory or symlink", info.Mode().Type())
	}
	if err := os.Chmod(to, mode); err != nil {
		return err
	}
	return os.Chtimes(to, info.ModTime(), info.ModTime())
}

// copyFileFrom copies a regular file of sub to a new host file. O_EXCL:
// never write through something already at the destination.
func copyFileFrom(sub *os.Root, rel, to string) error {
	in, err := sub.OpenFile(rel, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// inside turns a path inside the root into os.Root's relative form.
func inside(p string) string {
	p = strings.TrimPrefix(filepath.Clean("/"+p), "/")
	if p == "" {
		return "."
	}
	return p
}
