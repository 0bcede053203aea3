package publish

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/repoctl/repoctl/internal/errs"
)

// tmpPrefix names the temporary files of in-flight writes; List skips them
// and they are never a published object.
const tmpPrefix = ".repoctl-tmp-"

// fileTarget publishes into a local directory (served by any web server).
// Writes go to a temporary file in the same directory and are renamed into
// place, so a reader sees the old or the new file, never a part.
type fileTarget struct {
	root string // absolute
	url  string
}

func openFileTarget(rest string) (Target, error) {
	dir := rest
	if dir == "" {
		return nil, errs.Usage(fmt.Errorf("target file://: no directory"))
	}
	abs, err := filepath.Abs(filepath.FromSlash(dir))
	if err != nil {
		return nil, errs.Usage(fmt.Errorf("target file://%s: %w", rest, err))
	}
	return &fileTarget{root: abs, url: "file://" + rest}, nil
}

func (f *fileTarget) String() string { return f.url }

func (f *fileTarget) path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return filepath.Join(f.root, filepath.FromSlash(key)), nil
}

func (f *fileTarget) List(ctx context.Context, prefix string) ([]Object, error) {
	// Walk only the deepest directory the prefix names.
	start := f.root
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		start = filepath.Join(f.root, filepath.FromSlash(prefix[:i]))
	}
	var out []Object
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == start {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), tmpPrefix) {
			return nil
		}
		rel, _ := filepath.Rel(f.root, p)
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		o, err := statObject(p, key)
		if err != nil {
			return err
		}
		out = append(out, o)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", f, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// statObject describes a file; its MD5 comes from the cache written with it
// (cachedMD5) or, for a file someone else wrote, from reading it.
func statObject(p, key string) (Object, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return Object{}, err
	}
	sum, err := cachedMD5(p, fi)
	if err != nil {
		return Object{}, err
	}
	return Object{Key: key, Size: fi.Size(), ETag: sum, Modified: fi.ModTime()}, nil
}

func (f *fileTarget) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := f.path(key)
	if err != nil {
		return nil, err
	}
	r, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("get %s/%s: %w", f, key, ErrNotFound)
	}
	return r, err
}

func (f *fileTarget) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, meta Meta) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	tmp, err := f.writeTemp(ctx, p, body, size)
	if err != nil {
		return fmt.Errorf("put %s/%s: %w", f, key, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("put %s/%s: %w", f, key, err)
	}
	return nil
}

func (f *fileTarget) PutIfAbsent(ctx context.Context, key string, body []byte) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	tmp, err := f.writeTemp(ctx, p, bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return fmt.Errorf("put %s/%s: %w", f, key, err)
	}
	defer os.Remove(tmp)
	// link(2) fails when the name exists: an atomic create-if-absent of a
	// file that is already complete.
	if err := os.Link(tmp, p); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("put %s/%s: %w", f, key, ErrExists)
		}
		return fmt.Errorf("put %s/%s: %w", f, key, err)
	}
	return nil
}

// writeTemp writes body to a new temporary file next to p, synced and with
// its MD5 cached, and returns its name.
func (f *fileTarget) writeTemp(ctx context.Context, p string, body io.Reader, size int64) (string, error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	tmp := filepath.Join(filepath.Dir(p), tmpPrefix+randomName())
	w, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return "", err
	}
	h := newMD5()
	n, err := io.Copy(io.MultiWriter(w, h), ctxReader{ctx, body})
	if err == nil && n != size {
		err = fmt.Errorf("wrote %d bytes, want %d", n, size)
	}
	if err == nil {
		err = w.Sync()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = storeMD5(tmp, hex.EncodeToString(h.Sum(nil)))
	}
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

func (f *fileTarget) Delete(ctx context.Context, keys []string) error {
	for _, key := range keys {
		p, err := f.path(key)
		if err != nil {
			return err
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("delete %s/%s: %w", f, key, err)
		}
		f.pruneDirs(filepath.Dir(p))
	}
	return nil
}

// pruneDirs removes directories left empty, up to the root, so a deleted
// pool/ package leaves no empty directories behind (S3 has none either).
func (f *fileTarget) pruneDirs(dir string) {
	for dir != f.root && strings.HasPrefix(dir, f.root+string(filepath.Separator)) {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

func randomName() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ctxReader stops a copy when ctx is cancelled, so a killed publish stops
// between chunks rather than after a whole large file.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
