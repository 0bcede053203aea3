package publish

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// localFile is one file of the staging tree.
type localFile struct {
	key    string
	path   string
	size   int64
	md5    string
	sha256 string
}

// staging is the tree aptly rendered: its files by key and the Release of
// each distribution in it.
type staging struct {
	dir      string
	files    map[string]*localFile
	releases map[string]*release // by dist
}

// hexName matches a by-hash file name; aptly also keeps bookkeeping links
// (by-hash/SHA256/Packages.gz, ...gz.old) there that are not published.
var hexName = regexp.MustCompile(`^[0-9a-f]{32,128}$`)

// readStaging lists dir, hashes its files (jobs at a time) and parses the
// Release of every distribution.
func readStaging(ctx context.Context, dir string, jobs int) (*staging, error) {
	st := &staging{dir: dir, files: map[string]*localFile{}, releases: map[string]*release{}}
	if err := st.walk(); err != nil {
		return nil, err
	}
	if err := st.hash(ctx, jobs); err != nil {
		return nil, err
	}
	for _, dist := range distRoots(st.keys()) {
		rel, err := st.readRelease(dist)
		if err != nil {
			return nil, err
		}
		st.releases[dist] = rel
	}
	if len(st.releases) == 0 {
		return nil, fmt.Errorf("staging %s has no dists/*/InRelease or Release: nothing to publish", dir)
	}
	return st, nil
}

func (st *staging) walk() error {
	return filepath.WalkDir(st.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("staging: %w", err)
		}
		rel, _ := filepath.Rel(st.dir, p)
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			if key == strings.TrimSuffix(stateDir, "/") {
				return fs.SkipDir // the target's own state is never staged
			}
			return nil
		}
		if strings.Contains(key, "/by-hash/") && !hexName.MatchString(path.Base(key)) {
			return nil
		}
		fi, err := os.Stat(p) // follows links: aptly may link pool files
		if err != nil {
			return fmt.Errorf("staging: %w", err)
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		st.files[key] = &localFile{key: key, path: p, size: fi.Size()}
		return nil
	})
}

func (st *staging) hash(ctx context.Context, jobs int) error {
	files := make([]*localFile, 0, len(st.files))
	for _, f := range st.files {
		files = append(files, f)
	}
	return parallel(ctx, jobs, len(files), func(ctx context.Context, i int) error {
		var err error
		files[i].md5, files[i].sha256, err = fileSums(files[i].path)
		return err
	})
}

func (st *staging) keys() []string {
	out := make([]string, 0, len(st.files))
	for k := range st.files {
		out = append(out, k)
	}
	return out
}

// readRelease prefers Release, the same text as InRelease without the
// signature.
func (st *staging) readRelease(dist string) (*release, error) {
	for _, name := range []string{"Release", "InRelease"} {
		if f := st.files["dists/"+dist+"/"+name]; f != nil {
			data, err := os.ReadFile(f.path)
			if err != nil {
				return nil, err
			}
			return parseRelease(dist, data)
		}
	}
	return nil, fmt.Errorf("staging dists/%s has no Release", dist)
}

// distRoots finds distributions among keys: a directory under dists/ with
// an InRelease, or dists/<name>/Release (a component's Release is deeper).
func distRoots(keys []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range keys {
		if !strings.HasPrefix(k, "dists/") {
			continue
		}
		dir, base := path.Split(strings.TrimPrefix(k, "dists/"))
		dir = strings.TrimSuffix(dir, "/")
		ok := base == "InRelease" && dir != "" ||
			base == "Release" && dir != "" && !strings.Contains(dir, "/")
		if ok && !seen[dir] {
			seen[dir] = true
			out = append(out, dir)
		}
	}
	return out
}

// isReleaseFile: the files that switch a distribution to a new state.
func isReleaseFile(key string, dists map[string]*release) bool {
	dir, base := path.Split(key)
	if base != "InRelease" && base != "Release" && base != "Release.gpg" {
		return false
	}
	return dists[strings.TrimSuffix(strings.TrimPrefix(dir, "dists/"), "/")] != nil
}
