package publish

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

func newMD5() hash.Hash { return md5.New() }

// fileSums reads a file once and returns its hex MD5 (compared with the
// target's ETag) and SHA-256 (checked against the Release and Packages).
func fileSums(p string) (md5sum, sha string, err error) {
	r, err := os.Open(p)
	if err != nil {
		return "", "", err
	}
	defer r.Close()
	m, s := md5.New(), sha256.New()
	if _, err := io.Copy(io.MultiWriter(m, s), r); err != nil {
		return "", "", err
	}
	return hex.EncodeToString(m.Sum(nil)), hex.EncodeToString(s.Sum(nil)), nil
}

// fileMD5 reads a file and returns its hex MD5.
func fileMD5(p string) (string, error) {
	r, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer r.Close()
	h := md5.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// The file target caches each file's MD5 in an extended attribute
// "md5 size mtime", so listing a directory of N files reads N attributes,
// not N files. A file changed since (other size or mtime) or written by
// someone else is read and hashed instead.
const md5Attr = "user.repoctl.md5"

func cachedMD5(p string, fi fs.FileInfo) (string, error) {
	if v, ok := getAttr(p, md5Attr); ok {
		f := strings.Fields(v)
		if len(f) == 3 && f[1] == strconv.FormatInt(fi.Size(), 10) &&
			f[2] == strconv.FormatInt(fi.ModTime().UnixNano(), 10) {
			return f[0], nil
		}
	}
	sum, err := fileMD5(p)
	if err != nil {
		return "", err
	}
	storeMD5(p, sum) // best effort: a read-only tree is still listable
	return sum, nil
}

// storeMD5 records sum for p as it is now; a file system without user
// extended attributes only loses the cache.
func storeMD5(p, sum string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	setAttr(p, md5Attr, fmt.Sprintf("%s %d %d", sum, fi.Size(), fi.ModTime().UnixNano()))
	return nil
}
