package verify

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"io"
	"path"
	"strings"

	"github.com/ulikunitz/xz"
)

// compressions verify can read, in the order it prefers them for parsing.
var compressions = []string{"", ".gz", ".xz", ".bz2"}

// stem is an index path without its compression suffix: apt needs one
// variant of an index, and tolerates the others being absent.
func stem(p string) (string, string) {
	for _, ext := range []string{".gz", ".xz", ".bz2", ".lzma", ".zst"} {
		if s, ok := strings.CutSuffix(p, ext); ok {
			return s, ext
		}
	}
	return p, ""
}

// indexes checks every index the Release lists: each variant present must
// have the listed size and SHA-256 (and so must its by-hash copy), at
// least one variant of each must be present, and Packages are parsed.
func (v *verifier) indexes(ctx context.Context, prefix string, rel *release) {
	groups := map[string][]indexEntry{}
	var order []string
	for _, e := range rel.SHA256 {
		s, _ := stem(e.Path)
		if _, ok := groups[s]; !ok {
			order = append(order, s)
		}
		groups[s] = append(groups[s], e)
	}
	bar := v.opts.Progress.Bar("verify "+prefix+" indexes", int64(len(rel.SHA256)))
	defer bar.Done()
	for _, s := range order {
		good := map[string][]byte{} // compression suffix -> verified content
		present := 0
		for _, e := range groups[s] {
			if ctx.Err() != nil {
				return
			}
			data, ok, found := v.index(ctx, prefix, e, rel.AcquireByHash)
			bar.Add(1)
			if found {
				present++
			}
			if ok {
				_, ext := stem(e.Path)
				good[ext] = data
			}
		}
		if present == 0 {
			v.problem(prefix+s, "listed in Release, but no variant of it is published")
		}
		if path.Base(s) == "Packages" {
			v.packagesFrom(prefix+s, good)
		}
	}
}

// index fetches one listed index and checks it. found is false when the
// object is absent (allowed for a compressed variant); ok when it matches.
func (v *verifier) index(ctx context.Context, prefix string, e indexEntry, byHash bool) (data []byte, ok, found bool) {
	object := prefix + e.Path
	data, err := v.f.get(ctx, object)
	if isMissing(err) {
		return nil, false, false
	}
	v.mu.Lock()
	v.report.Indexes++
	v.mu.Unlock()
	if err != nil {
		v.problem(object, "%v", err)
		return nil, false, true
	}
	ok = v.matches(object, data, e)
	if byHash {
		v.byHash(ctx, prefix, e)
	}
	return data, ok, true
}

// byHash checks the by-hash copy apt fetches instead of the index itself
// when Acquire-By-Hash is on: it must exist and hold the same bytes.
func (v *verifier) byHash(ctx context.Context, prefix string, e indexEntry) {
	dir := path.Dir(e.Path)
	object := prefix + "by-hash/SHA256/" + e.Hash
	if dir != "." {
		object = prefix + dir + "/by-hash/SHA256/" + e.Hash
	}
	data, err := v.f.get(ctx, object)
	if err != nil {
		v.problem(object, "by-hash copy of %s: %v", e.Path, err)
		return
	}
	v.matches(object, data, e)
}

func (v *verifier) matches(object string, data []byte, e indexEntry) bool {
	if int64(len(data)) != e.Size {
		v.problem(object, "size %d, Release says %d", len(data), e.Size)
		return false
	}
	if got := sha256Hex(data); got != e.Hash {
		v.problem(object, "SHA256 %s, Release says %s", got, e.Hash)
		return false
	}
	return true
}

// packagesFrom parses the first readable verified variant of a Packages
// index; when none verified, the pool cannot be checked through it (the
// index problem is already reported).
func (v *verifier) packagesFrom(object string, good map[string][]byte) {
	for _, ext := range compressions {
		data, ok := good[ext]
		if !ok {
			continue
		}
		r, err := decompress(ext, data)
		if err != nil {
			v.problem(object+ext, "cannot decompress: %v", err)
			continue
		}
		v.packages(object+ext, r)
		return
	}
}

func decompress(ext string, data []byte) (io.Reader, error) {
	r := bytes.NewReader(data)
	switch ext {
	case ".gz":
		return gzip.NewReader(r)
	case ".xz":
		return xz.NewReader(r)
	case ".bz2":
		return bzip2.NewReader(r), nil
	}
	return r, nil
}
