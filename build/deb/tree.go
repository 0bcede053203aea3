package deb

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// copyTreeTo copies src to dst: directories, regular files and symlinks,
// nothing else. Modes are normalised the way dh_fixperms does (0755 for
// directories and executables, 0644 otherwise) so that the package does
// not depend on the builder's umask.
func copyTreeTo(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch t := d.Type(); {
		case t.IsDir():
			return os.MkdirAll(target, 0o755)
		case t&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case t.IsRegular():
			return copyFile(p, target)
		default:
			return fmt.Errorf("%s: unsupported file type %s", p, t)
		}
	})
}

// copyFile copies a regular file, keeping only whether it is executable.
func copyFile(src, dst string) error {
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if info.Mode()&0o111 != 0 {
		mode = 0o755
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, mode) // OpenFile's mode is filtered by the umask
}

// writeFile writes data at the absolute package path dst inside tree.
func writeFile(tree, dst string, data []byte, mode os.FileMode) error {
	p := filepath.Join(tree, dst)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(p, data, mode); err != nil {
		return err
	}
	return os.Chmod(p, mode)
}

// symlink makes the absolute package path dst a link to target, replacing
// whatever was there (nginx's make install creates logs/ and conf/).
func symlink(tree, dst, target string) error {
	p := filepath.Join(tree, dst)
	if err := os.RemoveAll(p); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.Symlink(target, p)
}
