package source

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/repoctl/repoctl/build/recipe"
)

// Prepared is every source of a recipe, verified, extracted and patched.
type Prepared struct {
	Dirs    map[string]string // source name -> its directory under workDir
	Sources []SourceInfo      // provenance, in recipe order
	Patches []string          // "source: patch" in the order applied
	// Unverified names the directory path sources: development only, they
	// have no checksum and must not go into a release.
	Unverified []string
}

// SourceInfo is the provenance of one source. Its fields are those of
// compile.ProvenanceSource, so the build can convert it directly.
type SourceInfo struct {
	Name       string `json:"name"`
	Origin     string `json:"origin"` // URL, "debian:<archive>:<pool path>" or "path:<path>"
	SHA256     string `json:"sha256"` // "" for a directory path source
	SigningKey string `json:"signing_key,omitempty"`
}

// Prepare fetches and verifies every source, extracts each into
// workDir/<name> (replacing what was there), then applies each source's
// patches in order: all sources are extracted first, so a patch may come
// from any of them.
func Prepare(ctx context.Context, r *recipe.Recipe, opts Options, workDir string) (*Prepared, error) {
	o := opts.withDefaults()
	p := &Prepared{Dirs: map[string]string{}}
	for _, s := range r.Sources {
		f, err := fetch(ctx, r, s, o)
		if err != nil {
			return nil, err
		}
		dir := filepath.Join(workDir, s.Name)
		if err := unpack(f, s, dir, o.MaxSize); err != nil {
			return nil, fmt.Errorf("source %s: %w", s.Name, err)
		}
		p.Dirs[s.Name] = dir
		p.Sources = append(p.Sources, SourceInfo{Name: s.Name, Origin: f.origin, SHA256: f.sha256, SigningKey: f.signingKey})
		if f.dir {
			o.Progress.Notef("source %s: directory %s is used unverified (development only)", s.Name, f.path)
			p.Unverified = append(p.Unverified, s.Name)
		}
	}
	for _, s := range r.Sources {
		list, err := patchList(r, s, p.Dirs)
		if err != nil {
			return nil, err
		}
		for _, pf := range list {
			if err := apply(ctx, p.Dirs[s.Name], pf); err != nil {
				return nil, err // the patch's label names the source
			}
			p.Patches = append(p.Patches, pf.label)
		}
	}
	return p, nil
}

// unpack puts a fetched source into dir: an archive is extracted, a
// directory copied (so patches never touch the original).
func unpack(f fetched, s recipe.Source, dir string, maxSize int64) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if f.dir {
		src := f.path
		if s.Subdir != "" {
			src = filepath.Join(src, filepath.FromSlash(s.Subdir))
		}
		return copyTree(src, dir)
	}
	err := extract(f.path, dir, layout{strip: s.StripComponents, subdir: s.Subdir}, maxSize)
	if err != nil {
		os.RemoveAll(dir) // never leave half an archive behind
	}
	return err
}

// copyTree copies a development directory: regular files, directories and
// symlinks (as links); anything else is skipped.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		case d.Type().IsRegular():
			return copyFile(p, to)
		}
		return nil
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, st.Mode().Perm())
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
	return os.Chtimes(dst, st.ModTime(), st.ModTime())
}
