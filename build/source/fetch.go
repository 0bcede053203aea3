package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/debarchive"
	"github.com/repoctl/repoctl/internal/errs"
)

// fetched is a source's verified bytes and where they came from.
type fetched struct {
	path       string
	origin     string // URL, "debian:<archive>:<pool path>" or "path:<path>"
	sha256     string // "" for a directory
	signingKey string // fingerprint, when a signature was verified
	dir        bool   // a local directory: development only, unverified
}

// Fetch returns the local path of s's verified bytes (from a mirror, the
// cache or a download): their SHA-256 matched and, when s has a signature,
// the signature verified. A directory path source is returned as is.
func Fetch(ctx context.Context, r *recipe.Recipe, s recipe.Source, opts Options) (string, error) {
	f, err := fetch(ctx, r, s, opts.withDefaults())
	return f.path, err
}

func fetch(ctx context.Context, r *recipe.Recipe, s recipe.Source, o Options) (fetched, error) {
	if s.Kind() == recipe.KindPath {
		return fetchPath(r, s)
	}
	f := fetched{sha256: strings.ToLower(s.SHA256)}
	u, err := locate(s, o)
	if err != nil {
		return f, err
	}
	f.origin = u
	if s.Kind() == recipe.KindDebian {
		f.origin = fmt.Sprintf("debian:%s:%s", archiveOf(s), s.Debian)
	}
	if f.path, err = obtain(ctx, s, u, f.sha256, o); err != nil {
		return f, err
	}
	if s.Signature != "" {
		if err := verifySignature(ctx, r, s, f.path, o); err != nil {
			return f, err
		}
		f.signingKey = strings.ToUpper(s.SigningKey)
	}
	return f, nil
}

func archiveOf(s recipe.Source) string {
	if s.Archive == "" {
		return debarchive.Main
	}
	return s.Archive
}

// locate returns the URL to download s from: its url, or its pool path in
// the archive the host's apt sources name.
func locate(s recipe.Source, o Options) (string, error) {
	if s.Kind() == recipe.KindURL {
		return s.URL, nil
	}
	entries, err := debarchive.Load(o.AptRoot)
	if err != nil {
		return "", fmt.Errorf("source %s: %w", s.Name, err)
	}
	u, err := debarchive.PoolURL(entries, archiveOf(s), s.Debian)
	if err != nil {
		return "", errs.Usage(fmt.Errorf("source %s: %w", s.Name, err))
	}
	return u, nil
}

// fetchPath checks a local file against its sha256; a directory is
// accepted unverified (development only, as docs/recipes.md says).
func fetchPath(r *recipe.Recipe, s recipe.Source) (fetched, error) {
	p := r.Resolve(s.Path)
	f := fetched{path: p, origin: "path:" + s.Path}
	st, err := os.Stat(p)
	if err != nil {
		return f, errs.Usage(fmt.Errorf("source %s: path %w", s.Name, err))
	}
	if st.IsDir() {
		f.dir = true
		return f, nil
	}
	got, err := fileSHA256(p)
	if err != nil {
		return f, fmt.Errorf("source %s: %w", s.Name, err)
	}
	f.sha256 = strings.ToLower(s.SHA256)
	if got != f.sha256 {
		return f, mismatch(s.Name, p, f.sha256, got)
	}
	return f, nil
}

// obtain returns a path holding bytes whose SHA-256 is want: from a mirror,
// else the cache, else downloaded into the cache. A download that does not
// match is deleted: nothing unverified is ever cached.
func obtain(ctx context.Context, s recipe.Source, u, want string, o Options) (string, error) {
	if p := fromMirrors(o, basename(u), want); p != "" {
		o.Progress.Notef("source %s: from mirror %s", s.Name, p)
		return p, nil
	}
	dir := filepath.Join(o.CacheDir, "sha256")
	cached := filepath.Join(dir, want)
	if got, err := fileSHA256(cached); err == nil {
		if got == want {
			return cached, nil
		}
		// Someone changed the cache behind our back: drop it and refetch.
		o.Progress.Notef("source %s: cached %s has sha256 %s; fetching again", s.Name, cached, got)
		os.Remove(cached)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("source cache: %w", err)
	}
	tmp, got, err := download(ctx, o, "source "+s.Name, u, dir, o.MaxSize)
	if err != nil {
		return "", err
	}
	if got != want {
		os.Remove(tmp)
		return "", mismatch(s.Name, u, want, got)
	}
	if err := os.Rename(tmp, cached); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("source cache: %w", err)
	}
	return cached, nil
}

// fromMirrors looks in every mirror directory for a file named like the
// download or named by its sha256, and returns the first whose content
// matches.
func fromMirrors(o Options, base, want string) string {
	for _, m := range o.Mirrors {
		for _, c := range []string{filepath.Join(m, base), filepath.Join(m, want), filepath.Join(m, "sha256", want)} {
			got, err := fileSHA256(c)
			if err != nil {
				continue
			}
			if got == want {
				return c
			}
			o.Progress.Notef("mirror file %s has sha256 %s, not %s: ignored", c, got, want)
		}
	}
	return ""
}

func basename(u string) string {
	if pu, err := url.Parse(u); err == nil && pu.Path != "" {
		return path.Base(pu.Path)
	}
	return path.Base(u)
}

func mismatch(name, where, want, got string) error {
	return errs.Verify(fmt.Errorf("source %s: sha256 mismatch for %s: expected %s, actual %s", name, where, want, got))
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s: not a regular file", p)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
