package repo

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
)

// privateCopy copies c into the state directory and checks the copy is
// the file that was checked. aptly's pool hardlinks what it imports when it
// can: importing the caller's own file would let a later rebuild that
// rewrites it in place change a package in the pool. The copy also closes
// the window between checking the file and importing it.
func (r *Repo) privateCopy(c *candidate) (string, error) {
	tmpDir := filepath.Join(r.dir, "tmp")
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return "", err
	}
	dst, err := os.CreateTemp(tmpDir, "import-*.deb")
	if err != nil {
		return "", err
	}
	src, err := os.Open(c.path)
	if err != nil {
		dst.Close()
		os.Remove(dst.Name())
		return "", err
	}
	defer src.Close()
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(dst, h), src)
	err = errors.Join(err, dst.Close())
	if err == nil && hex.EncodeToString(h.Sum(nil)) != c.sums.SHA256 {
		err = usagef("%s changed while it was being added; nothing was added", c.path)
	}
	if err != nil {
		os.Remove(dst.Name())
		return "", err
	}
	return dst.Name(), nil
}
