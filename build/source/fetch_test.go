package source

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/internal/progress"
)

var tarball = func() []byte {
	t := &testing.T{}
	return compress(t, "gz", makeTar(t, dir("pkg-1.0/"), file("pkg-1.0/README", "hello\n")))
}()

// TestMismatch: other bytes than pinned are refused naming the source and
// both hashes; nothing is extracted and nothing is left in the cache.
func TestMismatch(t *testing.T) {
	srv := newServer(t)
	srv.files["/pkg.tar.gz"] = tarball
	want := strings.Repeat("ab", 32)
	r := testRecipe(t, recipe.Source{Name: "pkg", URL: srv.URL + "/pkg.tar.gz", SHA256: want})
	o := testOptions(t)
	work := t.TempDir()
	_, err := Prepare(context.Background(), r, o, work)
	if err == nil {
		t.Fatal("mismatch accepted")
	}
	for _, w := range []string{"source pkg", "expected " + want, "actual " + sum(tarball)} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if errs.Code(err) != errs.ExitVerify {
		t.Errorf("exit code %d, want %d", errs.Code(err), errs.ExitVerify)
	}
	if files := cacheFiles(t, o); len(files) != 0 {
		t.Errorf("left in the cache: %v", files)
	}
	if _, err := os.Stat(filepath.Join(work, "pkg")); err == nil {
		t.Error("extracted despite the mismatch")
	}
}

// TestRetry: transient failures are retried with backoff; a download that
// keeps failing ends in a clear error and leaves nothing behind.
func TestRetry(t *testing.T) {
	tests := []struct {
		name     string
		handler  func(n int64) http.HandlerFunc // n: 1-based request number
		wantErr  string
		requests int64
	}{
		{"500 then 200", func(n int64) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					http.Error(w, "try later", http.StatusInternalServerError)
					return
				}
				w.Write(tarball)
			}
		}, "", 2},
		{"always truncated", func(int64) http.HandlerFunc { return truncate }, "unexpected EOF (gave up after 4 attempts)", 4},
		{"404 is not retried", func(int64) http.HandlerFunc { return http.NotFound }, "404 Not Found", 1},
		{"timeout then 200", func(n int64) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					select { // longer than the client's timeout below
					case <-r.Context().Done():
					case <-time.After(5 * time.Second):
					}
					return
				}
				w.Write(tarball)
			}
		}, "", 2},
		{"reset then 200", func(n int64) http.HandlerFunc {
			if n < 3 {
				return reset
			}
			return func(w http.ResponseWriter, r *http.Request) { w.Write(tarball) }
		}, "", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			srv.override["/pkg.tar.gz"] = func(w http.ResponseWriter, r *http.Request) {
				tt.handler(srv.requests.Load())(w, r)
			}
			r := testRecipe(t, recipe.Source{Name: "pkg", URL: srv.URL + "/pkg.tar.gz", SHA256: sum(tarball)})
			o := testOptions(t)
			o.HTTP = &http.Client{Timeout: 300 * time.Millisecond}
			bars := &recorder{}
			o.Progress = bars
			p, err := Fetch(context.Background(), r, r.Sources[0], o)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			case tt.wantErr == "" && readFile(t, p) != string(tarball):
				t.Error("fetched bytes differ")
			case tt.wantErr != "" && len(cacheFiles(t, o)) != 0:
				t.Errorf("left in the cache: %v", cacheFiles(t, o))
			}
			if n := srv.requests.Load(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if tt.wantErr == "" && bars.added.Load() < int64(len(tarball)) {
				t.Errorf("progress saw %d bytes, want at least %d", bars.added.Load(), len(tarball))
			}
		})
	}
}

// recorder is a progress.Reporter counting what its bars are told.
type recorder struct{ added atomic.Int64 }

func (r *recorder) Bar(string, int64) progress.Bar { return r }
func (r *recorder) Notef(string, ...any)           {}
func (r *recorder) Add(n int64)                    { r.added.Add(n) }
func (r *recorder) Done()                          {}

// truncate promises the whole tarball, sends half and closes.
func truncate(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", strconv.Itoa(len(tarball)))
	w.Write(tarball[:len(tarball)/2])
	hijackClose(w, false)
}

// reset closes the connection before any response.
func reset(w http.ResponseWriter, r *http.Request) { hijackClose(w, true) }

// hijackClose closes the connection under the handler: with rst, abruptly.
func hijackClose(w http.ResponseWriter, rst bool) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		if tc, ok := conn.(*net.TCPConn); ok && rst {
			tc.SetLinger(0) // RST, like a dropped connection
		}
		conn.Close()
	}
}

// TestCacheAndMirror: a cached or mirrored source makes no HTTP request.
func TestCacheAndMirror(t *testing.T) {
	srv := newServer(t)
	srv.files["/pkg-1.0.tar.gz"] = tarball
	src := recipe.Source{Name: "pkg", URL: srv.URL + "/pkg-1.0.tar.gz", SHA256: sum(tarball)}
	r := testRecipe(t, src)

	t.Run("cache", func(t *testing.T) {
		o := testOptions(t)
		for i := 0; i < 2; i++ {
			if _, err := Fetch(context.Background(), r, src, o); err != nil {
				t.Fatal(err)
			}
		}
		if n := srv.requests.Swap(0); n != 1 {
			t.Errorf("%d requests for two fetches, want 1", n)
		}
		if files := cacheFiles(t, o); len(files) != 1 || filepath.Base(files[0]) != sum(tarball) {
			t.Errorf("cache holds %v, want one file named by its sha256", files)
		}
	})
	for _, name := range []string{"pkg-1.0.tar.gz", sum(tarball)} {
		t.Run("mirror/"+name, func(t *testing.T) {
			m := t.TempDir()
			os.WriteFile(filepath.Join(m, "pkg-1.0.tar.gz"), []byte("a different version"), 0o644)
			os.WriteFile(filepath.Join(m, name), tarball, 0o644) // replaces the wrong one when named alike
			o := testOptions(t)
			o.Mirrors = []string{t.TempDir(), m}
			p, err := Fetch(context.Background(), r, src, o)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Dir(p) != m {
				t.Errorf("fetched %s, want a file of the mirror %s", p, m)
			}
			if n := srv.requests.Swap(0); n != 0 {
				t.Errorf("%d HTTP requests with a mirror hit, want 0", n)
			}
		})
	}
}

// TestDebianSource resolves a pool path through a fake apt root whose
// sources point at a local server.
func TestDebianSource(t *testing.T) {
	srv := newServer(t)
	pool := "pool/main/p/pkg/pkg_1.0.orig.tar.gz"
	srv.files["/debian/"+pool] = tarball
	srv.files["/debian-security/"+pool] = []byte("security copy")
	apt := t.TempDir()
	os.MkdirAll(filepath.Join(apt, "sources.list.d"), 0o755)
	sources := "Types: deb\nURIs: " + srv.URL + "/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\n" +
		"Types: deb\nURIs: " + srv.URL + "/debian-security\nSuites: bookworm-security\nComponents: main\n"
	os.WriteFile(filepath.Join(apt, "sources.list.d", "debian.sources"), []byte(sources), 0o644)

	tests := []struct {
		archive, sha, origin, wantErr string
	}{
		{"", sum(tarball), "debian:main:" + pool, ""},
		{"security", sum([]byte("security copy")), "debian:security:" + pool, ""},
		{"main", sum([]byte("security copy")), "", "sha256 mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.archive, func(t *testing.T) {
			r := testRecipe(t, recipe.Source{Name: "pkg", Debian: pool, Archive: tt.archive, SHA256: tt.sha})
			o := testOptions(t)
			o.AptRoot = apt
			f, err := fetch(context.Background(), r, r.Sources[0], o.withDefaults())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.origin != tt.origin || f.sha256 != tt.sha {
				t.Errorf("origin %q sha %q, want %q %q", f.origin, f.sha256, tt.origin, tt.sha)
			}
		})
	}
}

// TestPathSources: a file is checked against its sha256; a directory is
// copied and reported unverified.
func TestPathSources(t *testing.T) {
	r := testRecipe(t)
	os.WriteFile(filepath.Join(r.Dir(), "pkg.tar.gz"), tarball, 0o644)
	os.MkdirAll(filepath.Join(r.Dir(), "devdir", "sub"), 0o755)
	os.WriteFile(filepath.Join(r.Dir(), "devdir", "sub", "a.txt"), []byte("dev"), 0o644)
	r.Sources = []recipe.Source{
		{Name: "file", Path: "pkg.tar.gz", SHA256: sum(tarball), StripComponents: 1},
		{Name: "dev", Path: "devdir"},
	}
	work := t.TempDir()
	p, err := Prepare(context.Background(), r, testOptions(t), work)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(p.Dirs["file"], "README")); got != "hello\n" {
		t.Errorf("file source README = %q", got)
	}
	if got := readFile(t, filepath.Join(p.Dirs["dev"], "sub", "a.txt")); got != "dev" {
		t.Errorf("dir source a.txt = %q", got)
	}
	want := []SourceInfo{{Name: "file", Origin: "path:pkg.tar.gz", SHA256: sum(tarball)}, {Name: "dev", Origin: "path:devdir"}}
	if len(p.Sources) != 2 || p.Sources[0] != want[0] || p.Sources[1] != want[1] {
		t.Errorf("provenance %+v, want %+v", p.Sources, want)
	}
	if len(p.Unverified) != 1 || p.Unverified[0] != "dev" {
		t.Errorf("unverified %v, want [dev]", p.Unverified)
	}

	r.Sources[0].SHA256 = strings.Repeat("0", 64)
	_, err = Prepare(context.Background(), r, testOptions(t), t.TempDir())
	if errs.Code(err) != errs.ExitVerify || !strings.Contains(err.Error(), "source file: sha256 mismatch") {
		t.Errorf("error %v (code %d), want a verify error naming the source", err, errs.Code(err))
	}
}
