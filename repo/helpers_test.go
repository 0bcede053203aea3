package repo

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/internal/errs"
)

// buildDeb makes a real .deb with dpkg-deb: name/version/arch with one
// payload file, so different payloads give different bytes.
func buildDeb(t testing.TB, dir, name, version, arch, payload string) string {
	t.Helper()
	root, err := os.MkdirTemp(dir, "root")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(root)
	control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: Test <test@example.invalid>\nDescription: test package %s\n", name, version, arch, name)
	mustWrite(t, filepath.Join(root, "DEBIAN", "control"), control)
	mustWrite(t, filepath.Join(root, "usr", "share", name, "payload"), payload)
	out := filepath.Join(dir, canonicalFilename(name, version, arch))
	cmd := exec.Command("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb: %v\n%s", err, b)
	}
	return out
}

// craftDeb writes an ar .deb by hand with any control text, for the
// malformed packages dpkg-deb refuses to build.
func craftDeb(t testing.TB, path, control string) string {
	t.Helper()
	var ar bytes.Buffer
	ar.WriteString(arMagic)
	member := func(name string, data []byte) {
		fmt.Fprintf(&ar, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", name, 0, 0, 0, "100644", len(data))
		ar.Write(data)
		if len(data)%2 == 1 {
			ar.WriteByte('\n')
		}
	}
	member("debian-binary", []byte("2.0\n"))
	member("control.tar.gz", tarGz(t, map[string]string{"./control": control}))
	member("data.tar.gz", tarGz(t, map[string]string{"./usr/share/x": "x"}))
	mustWrite(t, path, ar.String())
	return path
}

func tarGz(t testing.TB, files map[string]string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func mustWrite(t testing.TB, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func fileSHA256(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil))
}

func openTest(t testing.TB) *Repo {
	t.Helper()
	r, err := Open(Options{Dir: filepath.Join(t.TempDir(), "aptly")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func mustAdd(t testing.TB, r *Repo, dist string, debs ...string) []Package {
	t.Helper()
	added, err := r.Add(context.Background(), debs, AddOptions{Distribution: dist})
	if err != nil {
		t.Fatal(err)
	}
	return added
}

// dbDump is every key and value in the database, to prove "nothing changed".
func dbDump(r *Repo) map[string]string {
	out := map[string]string{}
	r.db.ProcessByPrefix(nil, func(k, v []byte) error {
		out[string(k)] = string(v)
		return nil
	})
	return out
}

func wantUsage(t testing.TB, err error, contains ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got nil")
	}
	if errs.Code(err) != errs.ExitUsage {
		t.Errorf("want a usage error (exit 2), got exit %d: %v", errs.Code(err), err)
	}
	for _, s := range contains {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

func sameMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}
