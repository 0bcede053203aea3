package compile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/repoctl/repoctl/build/recipe"
)

// installSteps runs the recipe's steps after make install: copy a file or
// a directory's contents from a source into the staging root, or create a
// directory there. Nothing may land outside the staging root.
func installSteps(w io.Writer, steps []recipe.InstallStep, dirs map[string]string, staging string) error {
	for i, s := range steps {
		var err error
		switch {
		case s.Mkdir != "":
			fmt.Fprintf(w, "mkdir %s\n", s.Mkdir)
			var dst string
			if dst, err = inside(staging, s.Mkdir); err == nil {
				err = os.MkdirAll(dst, 0o755)
			}
		case s.Copy != "":
			fmt.Fprintf(w, "copy %s -> %s\n", s.Copy, s.To)
			err = copyStep(s, dirs, staging)
		}
		if err != nil {
			return fmt.Errorf("install step %d: %w", i+1, err)
		}
	}
	return nil
}

func copyStep(s recipe.InstallStep, dirs map[string]string, staging string) error {
	name, rel, ok := recipe.SplitRef(s.Copy)
	if !ok {
		return fmt.Errorf("copy %q: want source:path", s.Copy)
	}
	root, ok := dirs[name]
	if !ok {
		return fmt.Errorf("copy %q: no source %q", s.Copy, name)
	}
	src, err := inside(root, rel)
	if err != nil {
		return err
	}
	// The build may have changed its sources (an isolated host build runs
	// as another user): a symlink must not lead the copy out of them.
	if err := resolvesInside(root, src); err != nil {
		return fmt.Errorf("copy %q: %w", s.Copy, err)
	}
	dst, err := inside(staging, s.To)
	if err != nil {
		return err
	}
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return copyFile(src, dst, st.Mode())
	}
	return copyDir(src, dst)
}

// inside joins p to root and refuses a result outside root.
func inside(root, p string) (string, error) {
	j := filepath.Join(root, filepath.FromSlash(p))
	rel, err := filepath.Rel(root, j)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%q leaves %s", p, root)
	}
	return j, nil
}

// resolvesInside fails when p, with its symlinks followed, is not inside
// root (also resolved).
func resolvesInside(root, p string) error {
	r, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	q, err := filepath.EvalSymlinks(p)
	if err != nil {
		return err
	}
	if q != r && !strings.HasPrefix(q, r+string(filepath.Separator)) {
		return fmt.Errorf("%s leads out of %s (to %s)", p, root, q)
	}
	return nil
}

// copyDir copies a directory's contents: directories, regular files (mode
// kept) and symlinks as links.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			os.Remove(to)
			return os.Symlink(target, to)
		case d.Type().IsRegular():
			return copyFile(p, to, info.Mode())
		}
		return fmt.Errorf("%s: not a file, directory or symlink", p)
	})
}

func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode.Perm())
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
	return os.Chmod(dst, mode.Perm()) // umask must not change what ships
}
