package deb

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the "deb" packager
)

// outputs collects files written under temporary names in the output
// directory; commit renames them all at the end, discard removes them, so
// a failure never leaves a .deb (or half of a pair) under a final name.
type outputs struct {
	dir   string
	temps map[string]string // final path -> temporary path
}

func newOutputs(dir string) *outputs { return &outputs{dir: dir, temps: map[string]string{}} }

// create opens a temporary file that commit will rename to final.
func (o *outputs) create(final string) (*os.File, error) {
	f, err := os.CreateTemp(o.dir, ".tmp-"+filepath.Base(final)+"-*")
	if err != nil {
		return nil, err
	}
	o.temps[final] = f.Name()
	return f, nil
}

func (o *outputs) commit() error {
	for final, tmp := range o.temps {
		if err := os.Rename(tmp, final); err != nil {
			return err
		}
		delete(o.temps, final)
	}
	return nil
}

func (o *outputs) discard() {
	for _, tmp := range o.temps {
		os.Remove(tmp)
	}
}

// writeDeb packages info as <dir>/<name>_<version>_<arch>.deb (committed
// later) and returns the final path and the file's SHA-256.
func (o *outputs) writeDeb(info *nfpm.Info) (string, string, error) {
	pkgr, err := nfpm.Get("deb")
	if err != nil {
		return "", "", err
	}
	final := filepath.Join(o.dir, fmt.Sprintf("%s_%s_%s.deb", info.Name, info.Version, info.Arch))
	f, err := o.create(final)
	if err != nil {
		return "", "", err
	}
	h := sha256.New()
	if err := pkgr.Package(info, io.MultiWriter(f, h)); err != nil {
		f.Close()
		return "", "", fmt.Errorf("nfpm: %s: %w", info.Name, err)
	}
	return final, hex.EncodeToString(h.Sum(nil)), closeFile(f)
}

// writeFile writes data as final (committed later).
func (o *outputs) writeFile(final string, data []byte) error {
	f, err := o.create(final)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return closeFile(f)
}

// closeFile makes the file world-readable (CreateTemp uses 0600) and closes it.
func closeFile(f *os.File) error {
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
