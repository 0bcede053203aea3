package source

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/ulikunitz/xz"

	"github.com/repoctl/repoctl/internal/errs"
)

// maxEntries bounds the entries of one archive (a tar bomb of empty files
// costs inodes, not bytes); tests lower it.
var maxEntries = 200000

// layout says which part of an archive to keep and where.
type layout struct {
	strip  int    // leading path components dropped
	subdir string // after stripping, keep only this directory's contents
}

// extract unpacks the tar archive at src (plain, gzip, xz or bzip2, told
// apart by magic bytes) into dest, refusing anything that could write
// outside dest and stopping at maxSize unpacked bytes.
func extract(src, dest string, l layout, maxSize int64) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := decompress(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return err
	}
	defer root.Close()
	x := &extractor{root: root, layout: l, maxSize: maxSize, links: map[string]bool{}}
	return x.run(tar.NewReader(r))
}

// decompress picks the decompressor from the first bytes, not the name.
func decompress(br *bufio.Reader) (io.Reader, error) {
	head, _ := br.Peek(512)
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return gzip.NewReader(br)
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}):
		return xz.NewReader(br)
	case bytes.HasPrefix(head, []byte("BZh")):
		return bzip2.NewReader(br), nil
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return br, nil
	}
	for _, u := range []struct {
		magic []byte
		name  string
	}{
		{[]byte{0x28, 0xb5, 0x2f, 0xfd}, "zstd"},
		{[]byte("LZIP"), "lzip"},
		{[]byte{0x5d, 0x00, 0x00}, "lzma"},
		{[]byte("PK\x03\x04"), "zip"},
		{[]byte("7z\xbc\xaf\x27\x1c"), "7z"},
	} {
		if bytes.HasPrefix(head, u.magic) {
			return nil, errs.Usage(fmt.Errorf("unsupported compression %s: want a tar archive, plain or compressed with gzip, xz or bzip2", u.name))
		}
	}
	return nil, errs.Usage(errors.New("not a tar archive (plain, gzip, xz or bzip2): unrecognised first bytes"))
}

type extractor struct {
	root    *os.Root
	layout  layout
	maxSize int64
	total   int64
	entries int
	links   map[string]bool // symlinks created so far: never written through
}

func (x *extractor) run(tr *tar.Reader) error {
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errs.Verify(fmt.Errorf("reading tar archive: %w", err))
		}
		if x.entries++; x.entries > maxEntries {
			return errs.Verify(fmt.Errorf("more than %d entries: refused (tar bomb?)", maxEntries))
		}
		if err := x.entry(h, tr); err != nil {
			return errs.Verify(fmt.Errorf("entry %q: %w", h.Name, err))
		}
	}
}

func (x *extractor) entry(h *tar.Header, r io.Reader) error {
	switch h.Typeflag {
	case tar.TypeXGlobalHeader: // pax comment (GitHub archives carry the commit)
		return nil
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return errors.New("device or fifo file: refused")
	case tar.TypeDir, tar.TypeReg, tar.TypeSymlink, tar.TypeLink:
	default:
		return fmt.Errorf("unsupported entry type %q: refused", h.Typeflag)
	}
	rel, keep, err := x.place(h.Name)
	if err != nil || !keep {
		return err
	}
	if err := x.notThroughLink(rel); err != nil {
		return err
	}
	switch h.Typeflag {
	case tar.TypeDir:
		return x.root.MkdirAll(rel, 0o755)
	case tar.TypeReg:
		return x.file(rel, h, r)
	case tar.TypeSymlink:
		return x.symlink(rel, h.Linkname)
	default:
		return x.hardlink(rel, h.Linkname)
	}
}

// place maps an archive name to its path under dest (after strip and
// subdir), or keep=false when the layout drops it. Absolute names and ".."
// components are refused wherever they are.
func (x *extractor) place(name string) (string, bool, error) {
	if strings.HasPrefix(name, "/") {
		return "", false, errors.New("absolute path: refused")
	}
	var parts []string
	for _, p := range strings.Split(name, "/") {
		switch p {
		case "..":
			return "", false, errors.New("path with ..: refused")
		case "", ".":
		default:
			parts = append(parts, p)
		}
	}
	if len(parts) <= x.layout.strip {
		return "", false, nil
	}
	rel := path.Join(parts[x.layout.strip:]...)
	if sd := path.Clean(x.layout.subdir); x.layout.subdir != "" && sd != "." {
		switch {
		case rel == sd:
			return ".", true, nil
		case strings.HasPrefix(rel, sd+"/"):
			return strings.TrimPrefix(rel, sd+"/"), true, nil
		default:
			return "", false, nil
		}
	}
	return rel, true, nil
}

// notThroughLink refuses an entry whose path (or a parent) is a symlink the
// archive made: writing through it could land anywhere.
func (x *extractor) notThroughLink(rel string) error {
	for p := rel; p != "." && p != "/"; p = path.Dir(p) {
		if x.links[p] {
			return fmt.Errorf("goes through symlink %q: refused", p)
		}
	}
	return nil
}

func (x *extractor) file(rel string, h *tar.Header, r io.Reader) error {
	if x.total += h.Size; x.total > x.maxSize {
		return fmt.Errorf("archive unpacks to more than %d bytes: refused (tar bomb?)", x.maxSize)
	}
	if err := x.root.MkdirAll(path.Dir(rel), 0o755); err != nil {
		return err
	}
	perm := os.FileMode(0o644)
	if h.Mode&0o111 != 0 {
		perm = 0o755
	}
	x.root.Remove(rel) // a later entry replaces an earlier one, as tar does
	f, err := x.root.OpenFile(rel, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return err
	}
	_, err = io.CopyN(f, r, h.Size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return x.root.Chtimes(rel, h.ModTime, h.ModTime)
}

func (x *extractor) symlink(rel, target string) error {
	if path.IsAbs(target) {
		return fmt.Errorf("symlink to absolute path %q: refused", target)
	}
	if escapes(path.Join(path.Dir(rel), target)) {
		return fmt.Errorf("symlink to %q escapes the tree: refused", target)
	}
	if err := x.root.MkdirAll(path.Dir(rel), 0o755); err != nil {
		return err
	}
	x.root.Remove(rel)
	x.links[rel] = true
	return x.root.Symlink(target, rel)
}

// hardlink links rel to another entry of the same (kept) tree.
func (x *extractor) hardlink(rel, target string) error {
	old, keep, err := x.place(target)
	if err != nil || !keep {
		return fmt.Errorf("hard link to %q outside the extracted tree: refused", target)
	}
	if err := x.notThroughLink(old); err != nil {
		return err
	}
	if err := x.root.MkdirAll(path.Dir(rel), 0o755); err != nil {
		return err
	}
	x.root.Remove(rel)
	return x.root.Link(old, rel)
}

func escapes(p string) bool {
	c := path.Clean(p)
	return c == ".." || strings.HasPrefix(c, "../") || path.IsAbs(c)
}
