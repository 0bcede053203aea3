package source

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ulikunitz/xz"

	"github.com/repoctl/repoctl/build/recipe"
)

func init() { retryBase = time.Millisecond } // keep retry tests fast

// entry is one member of a tarball built by a test.
type entry struct {
	name, body, link string
	typ              byte
	mode             int64
}

func file(name, body string) entry   { return entry{name: name, body: body, typ: tar.TypeReg} }
func dir(name string) entry          { return entry{name: name, typ: tar.TypeDir} }
func symlink(name, to string) entry  { return entry{name: name, link: to, typ: tar.TypeSymlink} }
func hardlink(name, to string) entry { return entry{name: name, link: to, typ: tar.TypeLink} }

func makeTar(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		if e.typ == tar.TypeXGlobalHeader { // as GitHub's archives start
			if err := tw.WriteHeader(&tar.Header{Name: e.name, Typeflag: e.typ, PAXRecords: map[string]string{"comment": "0123abcd"}}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: mode, Size: int64(len(e.body)), ModTime: time.Unix(1700000000, 0), Format: tar.FormatPAX}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("tar %s: %v", e.name, err)
		}
		if h.Size > 0 {
			tw.Write([]byte(e.body))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// compress returns data compressed as kind: "", gz, xz or bz2.
func compress(t *testing.T, kind string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	switch kind {
	case "":
		return data
	case "gz":
		w := gzip.NewWriter(&buf)
		w.Write(data)
		w.Close()
	case "xz":
		w, err := xz.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
		w.Close()
	case "bz2":
		if _, err := exec.LookPath("bzip2"); err != nil {
			missing(t, "bzip2 is needed to make a .bz2 test archive: %v", err)
		}
		cmd := exec.Command("bzip2", "-c")
		cmd.Stdin = bytes.NewReader(data)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return out
	default:
		t.Fatalf("unknown compression %q", kind)
	}
	return buf.Bytes()
}

// missing fails when CI=true (CI must not pass by skipping) and skips
// otherwise.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and "+format, args...)
	}
	t.Skipf(format, args...)
}

func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// server serves files by path on 127.0.0.1 and counts requests; a handler
// in override answers a path instead.
type server struct {
	*httptest.Server
	files    map[string][]byte
	override map[string]http.HandlerFunc
	requests atomic.Int64
}

func newServer(t *testing.T) *server {
	s := &server{files: map[string][]byte{}, override: map[string]http.HandlerFunc{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		if h, ok := s.override[r.URL.Path]; ok {
			h(w, r)
			return
		}
		data, ok := s.files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(s.Close)
	return s
}

// testRecipe is a recipe in a temporary directory holding sources.
func testRecipe(t *testing.T, sources ...recipe.Source) *recipe.Recipe {
	t.Helper()
	return &recipe.Recipe{Path: filepath.Join(t.TempDir(), "recipe.yaml"), Name: "t", Version: "1.0", Revision: 1, Sources: sources}
}

func testOptions(t *testing.T) Options {
	return Options{CacheDir: filepath.Join(t.TempDir(), "cache"), AptRoot: filepath.Join(t.TempDir(), "no-apt")}
}

// cacheFiles lists every file under the cache's sha256 directory.
func cacheFiles(t *testing.T, o Options) []string {
	t.Helper()
	var out []string
	filepath.Walk(o.CacheDir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
