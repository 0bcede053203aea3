package repo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/aptly-dev/aptly/deb"
	"github.com/aptly-dev/aptly/utils"
)

// candidate is a .deb read and checked, not yet in the database.
type candidate struct {
	path   string
	stanza deb.Stanza
	sums   utils.ChecksumInfo
}

func (c *candidate) name() string    { return c.stanza["Package"] }
func (c *candidate) version() string { return c.stanza["Version"] }
func (c *candidate) arch() string    { return c.stanza["Architecture"] }
func (c *candidate) filename() string {
	return canonicalFilename(c.name(), c.version(), c.arch())
}

// readDeb checks that path is a whole, well-formed binary package and reads
// its control stanza and checksums. Every error names the file.
func readDeb(path string) (c *candidate, err error) {
	// Deferred in this order so that a recovered aptly panic is named too.
	defer func() {
		if err != nil {
			err = fmt.Errorf("%s: %w", path, err)
		}
	}()
	defer recoverInto(&err)
	if err := checkAr(path); err != nil {
		return nil, err
	}
	st, err := deb.GetControlFileFromDeb(path)
	if err != nil {
		return nil, err
	}
	if err := checkControl(st); err != nil {
		return nil, err
	}
	if err := checkData(path); err != nil {
		return nil, err
	}
	sums, err := utils.ChecksumsForFile(path)
	if err != nil {
		return nil, err
	}
	return &candidate{path: path, stanza: st, sums: sums}, nil
}

// checkData reads the whole data archive, so that a package whose payload
// is cut or corrupt is refused here rather than by dpkg on a host.
func checkData(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = deb.GetContentsFromDeb(f, path)
	return err
}

const arMagic = "!<arch>\n"

// checkAr walks the ar container: magic, then members whose declared sizes
// must all fit in the file (a truncated download or copy fails here), and
// the members a .deb needs in the order dpkg requires.
func checkAr(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	magic := make([]byte, len(arMagic))
	if _, err := io.ReadFull(f, magic); err != nil || string(magic) != arMagic {
		return errors.New("not a Debian package (not an ar archive)")
	}
	names, err := arMembers(f, fi.Size())
	if err != nil {
		return err
	}
	return checkMembers(names)
}

// arMembers lists member names, checking each header and size.
func arMembers(f *os.File, size int64) ([]string, error) {
	var names []string
	off := int64(len(arMagic))
	hdr := make([]byte, 60)
	for off < size {
		if _, err := f.ReadAt(hdr, off); err != nil {
			return nil, fmt.Errorf("truncated: ar header at offset %d cut short", off)
		}
		if string(hdr[58:60]) != "`\n" {
			return nil, fmt.Errorf("corrupt: bad ar header at offset %d", off)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(hdr[48:58])), 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("corrupt: bad member size at offset %d", off)
		}
		off += 60
		if off+n > size {
			return nil, fmt.Errorf("truncated: member %q needs %d bytes, file has %d", strings.TrimSpace(string(hdr[:16])), n, size-off)
		}
		names = append(names, strings.TrimSuffix(strings.TrimSpace(string(hdr[:16])), "/"))
		off += n + n%2
	}
	return names, nil
}

// checkMembers wants debian-binary, control.tar*, data.tar* in that order.
func checkMembers(names []string) error {
	if len(names) < 3 || names[0] != "debian-binary" ||
		!strings.HasPrefix(names[1], "control.tar") || !strings.HasPrefix(names[2], "data.tar") {
		return fmt.Errorf("not a Debian binary package: members %v, want debian-binary, control.tar.*, data.tar.*", names)
	}
	return nil
}

// sameBytes reports whether two checksums describe the same file.
func sameBytes(a, b utils.ChecksumInfo) bool {
	return a.SHA256 != "" && a.SHA256 == b.SHA256 && a.Size == b.Size
}
