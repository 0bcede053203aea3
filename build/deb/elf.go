package deb

import (
	"debug/elf"
	"encoding/hex"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
)

// elfFile is an executable or shared object found in the package tree.
type elfFile struct {
	Rel     string // path relative to the tree root, e.g. usr/local/x/sbin/nginx
	Machine elf.Machine
	BuildID string // hex, "" when the file has none
	Needed  []string
}

// findELF returns every ELF executable and shared object under root
// (regular files only; symlinks are shipped as links), sorted by path.
// Files under usr/lib/debug are debug symbols, not code to ship.
func findELF(root string) ([]elfFile, error) {
	var out []elfFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if strings.HasPrefix(rel, "usr/lib/debug/") {
			return nil
		}
		f, ok, err := readELF(p)
		if err != nil || !ok {
			return err
		}
		f.Rel = rel
		out = append(out, f)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Rel < out[j].Rel })
	return out, err
}

// readELF reports ok=false for files that are not ELF executables or
// shared objects (scripts, data, relocatable objects).
func readELF(path string) (elfFile, bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		return elfFile{}, false, nil // not ELF, or too short to be
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return elfFile{}, false, nil
	}
	needed, _ := f.ImportedLibraries()
	return elfFile{Machine: f.Machine, BuildID: buildID(f), Needed: needed}, true, nil
}

// buildID reads the GNU build-id note (type 3, owner "GNU").
func buildID(f *elf.File) string {
	s := f.Section(".note.gnu.build-id")
	if s == nil {
		return ""
	}
	data, err := s.Data()
	if err != nil || len(data) < 16 {
		return ""
	}
	order := f.ByteOrder
	nameSz := order.Uint32(data[0:4])
	descSz := order.Uint32(data[4:8])
	typ := order.Uint32(data[8:12])
	off := 12 + (nameSz+3)&^3
	if typ != 3 || int(off+descSz) > len(data) {
		return ""
	}
	return hex.EncodeToString(data[off : off+descSz])
}

// debArch maps the ELF machine of the shipped code to a Debian architecture.
func debArch(files []elfFile) (string, bool) {
	names := map[elf.Machine]string{
		elf.EM_X86_64:  "amd64",
		elf.EM_AARCH64: "arm64",
		elf.EM_386:     "i386",
		elf.EM_RISCV:   "riscv64",
	}
	for _, f := range files {
		if a, ok := names[f.Machine]; ok {
			return a, true
		}
	}
	return "", false
}
