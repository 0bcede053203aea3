package harness

import (
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// The S3 server the tests run against, pinned: its access-log format and
// its answers (403 for anonymous lists, 412 for conditional writes) are
// what the tests and FACTS rely on.
const (
	versitygwModule  = "github.com/versity/versitygw"
	versitygwVersion = "v1.8.0"
)

// versitygwBinary returns the path of versitygw at the pinned version,
// building it into CacheDir()/bin on first use (~75 s). A file lock keeps
// parallel test binaries from building it twice.
func versitygwBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(CacheDir(), "bin")
	path := filepath.Join(bin, "versitygw")
	if versitygwOK(path) {
		return path
	}
	unlock := lockFile(t, filepath.Join(bin, ".versitygw.lock"))
	defer unlock()
	if versitygwOK(path) { // built by another binary while we waited
		return path
	}
	Require(t, "go")
	start := time.Now()
	cmd := exec.Command("go", "install", versitygwModule+"/cmd/versitygw@"+versitygwVersion)
	cmd.Dir = t.TempDir() // outside any module, so go.mod plays no part
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install versitygw@%s: %v\n%s", versitygwVersion, err, out)
	}
	if !versitygwOK(path) {
		t.Fatalf("go install put no versitygw %s at %s", versitygwVersion, path)
	}
	t.Logf("built versitygw %s in %s", versitygwVersion, time.Since(start).Round(time.Second))
	return path
}

// versitygwOK reports whether path is a versitygw binary of the pinned
// version, read from the module information Go embeds in it.
func versitygwOK(path string) bool {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return false
	}
	return info.Main.Path == versitygwModule && info.Main.Version == versitygwVersion
}
