package source

import (
	"archive/tar"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/internal/errs"
)

func writeArchive(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "archive")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExtractRefuses: hostile or unsupported archives are refused, naming
// the entry, and nothing escapes the destination.
func TestExtractRefuses(t *testing.T) {
	many := []entry{dir("top/")}
	for i := 0; i < 20; i++ {
		many = append(many, file("top/f"+strings.Repeat("x", i), ""))
	}
	tests := []struct {
		name    string
		data    func(t *testing.T) []byte
		maxSize int64
		want    string
	}{
		{"dotdot", func(t *testing.T) []byte { return makeTar(t, file("top/../../evil", "x")) }, 0, `entry "top/../../evil": path with ..: refused`},
		{"absolute", func(t *testing.T) []byte { return makeTar(t, file("/etc/evil", "x")) }, 0, `entry "/etc/evil": absolute path: refused`},
		{"escaping symlink", func(t *testing.T) []byte { return makeTar(t, dir("top/"), symlink("top/link", "../../etc")) }, 0, `entry "top/link": symlink to "../../etc" escapes the tree: refused`},
		{"absolute symlink", func(t *testing.T) []byte { return makeTar(t, symlink("top/link", "/etc/passwd")) }, 0, `symlink to absolute path "/etc/passwd": refused`},
		{"write through symlink", func(t *testing.T) []byte {
			return makeTar(t, symlink("top/here", "."), file("top/here/x", "x"))
		}, 0, `entry "top/here/x": goes through symlink "top/here": refused`},
		{"hardlink out", func(t *testing.T) []byte { return makeTar(t, hardlink("top/h", "../etc/passwd")) }, 0, `entry "top/h": hard link to "../etc/passwd" outside the extracted tree: refused`},
		{"char device", func(t *testing.T) []byte { return makeTar(t, entry{name: "top/null", typ: tar.TypeChar}) }, 0, `entry "top/null": device or fifo file: refused`},
		{"block device", func(t *testing.T) []byte { return makeTar(t, entry{name: "top/sda", typ: tar.TypeBlock}) }, 0, "device or fifo file: refused"},
		{"fifo", func(t *testing.T) []byte { return makeTar(t, entry{name: "top/fifo", typ: tar.TypeFifo}) }, 0, "device or fifo file: refused"},
		{"too many entries", func(t *testing.T) []byte { return makeTar(t, many...) }, 0, "more than 10 entries: refused (tar bomb?)"},
		{"too big", func(t *testing.T) []byte {
			return makeTar(t, file("top/a", strings.Repeat("a", 600)), file("top/b", strings.Repeat("b", 600)))
		}, 1000, "archive unpacks to more than 1000 bytes: refused"},
		{"zstd", func(t *testing.T) []byte { return []byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0} }, 0, "unsupported compression zstd"},
		{"zip", func(t *testing.T) []byte { return []byte("PK\x03\x04rest of a zip") }, 0, "unsupported compression zip"},
		{"not an archive", func(t *testing.T) []byte { return []byte("just text\n") }, 0, "not a tar archive"},
		{"gzip of garbage", func(t *testing.T) []byte { return compress(t, "gz", []byte(strings.Repeat("garbage", 100))) }, 0, "reading tar archive"},
	}
	defer func(n int) { maxEntries = n }(maxEntries)
	maxEntries = 10
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			dest := filepath.Join(parent, "dest")
			max := tt.maxSize
			if max == 0 {
				max = DefaultMaxSize
			}
			err := extract(writeArchive(t, tt.data(t)), dest, layout{}, max)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
			if c := errs.Code(err); c != errs.ExitUsage && c != errs.ExitVerify {
				t.Errorf("exit code %d: want usage or verify", c)
			}
			for _, outside := range []string{"evil", "etc", "x"} {
				if _, err := os.Lstat(filepath.Join(parent, outside)); err == nil {
					t.Errorf("%s was written outside the destination", outside)
				}
			}
		})
	}
}

// TestExtractFormats: each compression is told by its magic bytes (the file
// is named "archive" with no extension), and strip-components and subdir
// select what is kept.
func TestExtractFormats(t *testing.T) {
	tarball := makeTar(t,
		entry{name: "pax_global_header", typ: tar.TypeXGlobalHeader},
		dir("pkg-1.0/"), file("pkg-1.0/README", "readme"),
		entry{name: "pkg-1.0/configure", body: "#!/bin/sh\n", typ: tar.TypeReg, mode: 0o755},
		dir("pkg-1.0/debian/modules/purge/"), file("pkg-1.0/debian/modules/purge/config", "ngx_addon_name=purge"),
		symlink("pkg-1.0/debian/modules/purge/cfg", "config"),
		hardlink("pkg-1.0/debian/modules/purge/config2", "pkg-1.0/debian/modules/purge/config"),
		file("pkg-1.0/debian/control", "Source: pkg"),
	)
	tests := []struct {
		compression string
		l           layout
		want        map[string]string // path -> content
		absent      []string
	}{
		{"", layout{}, map[string]string{"pkg-1.0/README": "readme"}, nil},
		{"gz", layout{strip: 1}, map[string]string{"README": "readme", "configure": "#!/bin/sh\n", "debian/modules/purge/cfg": "ngx_addon_name=purge"}, []string{"pkg-1.0", "pax_global_header"}},
		{"xz", layout{strip: 1, subdir: "debian/modules/purge"}, map[string]string{"config": "ngx_addon_name=purge", "config2": "ngx_addon_name=purge", "cfg": "ngx_addon_name=purge"}, []string{"README", "control", "debian"}},
		{"bz2", layout{strip: 1}, map[string]string{"debian/control": "Source: pkg"}, nil},
		{"gz", layout{strip: 2}, map[string]string{"modules/purge/config": "ngx_addon_name=purge", "modules/purge/config2": "ngx_addon_name=purge", "control": "Source: pkg"}, []string{"README", "configure", "debian"}},
	}
	for _, tt := range tests {
		t.Run(tt.compression+"/"+tt.l.subdir, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "dest")
			if err := extract(writeArchive(t, compress(t, tt.compression, tarball)), dest, tt.l, DefaultMaxSize); err != nil {
				t.Fatal(err)
			}
			for p, want := range tt.want {
				got, err := os.ReadFile(filepath.Join(dest, p))
				if err != nil {
					t.Errorf("%s: %v", p, err)
					continue
				}
				if string(got) != want {
					t.Errorf("%s = %q, want %q", p, got, want)
				}
			}
			if tt.l.strip == 1 && tt.l.subdir == "" {
				if st, err := os.Stat(filepath.Join(dest, "configure")); err != nil || st.Mode().Perm() != 0o755 {
					t.Errorf("configure lost its executable bit: %v %v", st, err)
				}
			}
			for _, p := range tt.absent {
				if _, err := os.Lstat(filepath.Join(dest, p)); err == nil {
					t.Errorf("%s extracted, want it left out", p)
				}
			}
		})
	}
}
