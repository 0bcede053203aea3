package harness

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// WriteFile writes data to path inside the root, creating parent
// directories, with mode exactly. It goes through os.Root, so a symlink
// inside the root cannot redirect the write to the host. Failing to write
// fails the test.
func (f *FleetRoot) WriteFile(path string, data []byte, mode os.FileMode) {
	f.t.Helper()
	root, err := os.OpenRoot(f.Dir)
	if err != nil {
		f.t.Fatal(err)
	}
	defer root.Close()
	rel := strings.TrimPrefix(filepath.Clean("/"+path), "/")
	if err := root.MkdirAll(filepath.Dir(rel), 0o755); err != nil {
		f.t.Fatalf("fleet WriteFile %s: %v", path, err)
	}
	if err := root.WriteFile(rel, data, mode); err != nil {
		f.t.Fatalf("fleet WriteFile %s: %v", path, err)
	}
	if err := root.Chmod(rel, mode); err != nil { // WriteFile's mode is cut by the umask
		f.t.Fatalf("fleet WriteFile %s: %v", path, err)
	}
}

// ReadFile reads path inside the root (through os.Root, as WriteFile).
// A missing file is an error, not a failure: tests check for absence.
func (f *FleetRoot) ReadFile(path string) ([]byte, error) {
	root, err := os.OpenRoot(f.Dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.ReadFile(strings.TrimPrefix(filepath.Clean("/"+path), "/"))
}

// signedBy finds Signed-By keyring paths in apt source files.
var signedBy = regexp.MustCompile(`(?mi)(?:^Signed-By:\s*|signed-by=)(/[^\s\]]+)`)

// UseHostSources copies the host's apt sources, the keyrings they name
// and resolv.conf into the root: for a test that must install from the
// Debian mirror (dependencies of the package under test).
func (f *FleetRoot) UseHostSources() {
	f.t.Helper()
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*")
	files = append(files, "/etc/apt/sources.list", "/etc/resolv.conf")
	for _, src := range files {
		data, err := os.ReadFile(src)
		if err != nil {
			continue // sources.list is often absent
		}
		if strings.HasPrefix(src, "/etc/apt/") {
			for _, m := range signedBy.FindAllStringSubmatch(string(data), -1) {
				f.copyHostFile(m[1])
			}
		}
		f.WriteFile(src, data, 0o644)
	}
}

// copyHostFile copies a host file into the same path of the root, unless
// the root has it already (debootstrap installs debian-archive-keyring).
func (f *FleetRoot) copyHostFile(path string) {
	f.t.Helper()
	if _, err := f.ReadFile(path); err == nil {
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		f.t.Fatalf("UseHostSources: keyring named by the host's sources: %v", err)
	}
	f.WriteFile(path, data, 0o644)
}
