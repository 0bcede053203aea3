package main

// Bad input (issue 8 §4, issue 7's error list): every case exits with the
// documented code and a message naming the problem, and changes nothing:
// the repository, the snapshots and the bucket are as before, and the
// state directory holds no half-written file.

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// badDir is testdata/bad: recipes that must be refused.
var badDir = filepath.Join("..", "..", "testdata", "bad")

// badEnv is a working directory with a file:// target (the bad inputs
// never get as far as S3) and a repository holding one package.
type badEnv struct {
	t     *testing.T
	dir   string
	state string
	cfg   string
}

func newBadEnv(t *testing.T) *badEnv {
	t.Helper()
	requireTool(t, "dpkg-deb")
	dir := t.TempDir()
	b := &badEnv{t: t, dir: dir, state: filepath.Join(dir, "state")}
	b.cfg = filepath.Join(dir, "repoctl.yaml")
	cfg := fmt.Sprintf("target: file://%s/public\nsuites: [bookworm]\nsigning-key: bad\n", dir)
	if err := os.WriteFile(b.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	b.must("keys", "generate", "--name", "bad", "--email", "bad@example.org", "--no-passphrase")
	b.must("repo", "add", repoTestDeb(t, dir, "good", "1.0-1", "good"))
	b.must("snapshot", "create", "first")
	b.must("publish")
	return b
}

func (b *badEnv) cli(args ...string) (int, string, string) {
	b.t.Helper()
	return runCLI(b.t, append([]string{"--config", b.cfg, "--state", b.state}, args...)...)
}

func (b *badEnv) must(args ...string) string {
	b.t.Helper()
	code, out, errOut := b.cli(args...)
	if code != 0 {
		b.t.Fatalf("repoctl %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// fingerprint is what must not change: the repository, the snapshots, the
// published tree, and the pool and database files of the state directory.
func (b *badEnv) fingerprint() string {
	b.t.Helper()
	var sb strings.Builder
	for _, args := range [][]string{{"--json", "repo", "list"}, {"--json", "snapshot", "list"}} {
		code, out, _ := b.cli(args...)
		fmt.Fprintf(&sb, "%v %d %s\n", args, code, out)
	}
	for _, root := range []string{filepath.Join(b.dir, "public"), filepath.Join(b.state, "pool")} {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			data, _ := os.ReadFile(p)
			sum := sha256.Sum256(data)
			fmt.Fprintf(&sb, "%s %x\n", p, sum[:8])
			return nil
		})
	}
	return sb.String()
}

// expect runs args and checks the exit code, that the output contains
// every want, that nothing changed and that no half-written file is left.
func (b *badEnv) expect(name string, code int, args []string, want ...string) string {
	b.t.Helper()
	before := b.fingerprint()
	got, out, errOut := b.cli(args...)
	b.t.Logf("%s: exit %d: %s", name, got, lastLine(errOut))
	if got != code {
		b.t.Errorf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", name, got, code, out, errOut)
	}
	for _, w := range want {
		if !strings.Contains(out+errOut, w) {
			b.t.Errorf("%s: output does not contain %q:\n%s%s", name, w, out, errOut)
		}
	}
	if after := b.fingerprint(); after != before {
		b.t.Errorf("%s changed the repository, the snapshots or the published tree:\nbefore:\n%s\nafter:\n%s", name, before, after)
	}
	if l := leftovers(b.t, b.state); len(l) > 0 {
		b.t.Errorf("%s left half-written files in the state directory: %v", name, l)
	}
	return out + errOut
}

// rawDeb builds a .deb with dpkg-deb --nocheck, so that the control file
// may be wrong in ways dpkg-deb itself would refuse.
func rawDeb(t *testing.T, dir, file, control string) string {
	t.Helper()
	root := filepath.Join(dir, file+"-root")
	os.MkdirAll(filepath.Join(root, "DEBIAN"), 0o755)
	os.MkdirAll(filepath.Join(root, "usr/share/x"), 0o755)
	os.WriteFile(filepath.Join(root, "DEBIAN/control"), []byte(control), 0o644)
	os.WriteFile(filepath.Join(root, "usr/share/x/f"), []byte(file), 0o644)
	out := filepath.Join(dir, file)
	if b, err := exec.Command("dpkg-deb", "--nocheck", "--root-owner-group", "-Zgzip", "--build", root, out).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb --nocheck: %v\n%s", err, b)
	}
	return out
}

func TestBadDebs(t *testing.T) {
	b := newBadEnv(t)
	dir := t.TempDir()
	good := repoTestDeb(t, dir, "fine", "1.0-1", "fine")
	data, _ := os.ReadFile(good)

	truncated := filepath.Join(dir, "truncated.deb")
	os.WriteFile(truncated, data[:len(data)/2], 0o644)
	random := filepath.Join(dir, "random.deb")
	junk := make([]byte, 4096)
	rand.Read(junk)
	os.WriteFile(random, junk, 0o644)
	arOnly := filepath.Join(dir, "ar-header-only.deb")
	os.WriteFile(arOnly, []byte("!<arch>\n"), 0o644)

	const ctl = "Package: %s\nVersion: %s\nArchitecture: amd64\nMaintainer: T <t@example.invalid>\nDescription: x\n"
	noVersion := rawDeb(t, dir, "noversion.deb", "Package: noversion\nArchitecture: amd64\nMaintainer: T <t@example.invalid>\nDescription: x\n")
	upper := rawDeb(t, dir, "upper.deb", fmt.Sprintf(ctl, "Hello", "1.0-1"))
	spaces := rawDeb(t, dir, "spaces.deb", fmt.Sprintf(ctl, "spaces", "1.0 -1 beta"))
	slash := rawDeb(t, dir, "slash.deb", fmt.Sprintf(ctl, "../../evil", "1.0-1"))
	badArch := rawDeb(t, dir, "arch.deb", strings.Replace(fmt.Sprintf(ctl, "archy", "1.0-1"), "amd64", "amd64/../../x", 1))

	for _, c := range []struct {
		name string
		file string
		want string
	}{
		{"truncated", truncated, "truncated.deb"},
		{"random bytes", random, "random.deb"},
		{"ar header only", arOnly, "ar-header-only.deb"},
		{"no Version", noVersion, "Version"},
		{"uppercase name", upper, "Hello"},
		{"version with spaces", spaces, "1.0 -1 beta"},
		{"name with a path", slash, "evil"},
		{"architecture with a path", badArch, "amd64/../../x"},
	} {
		b.expect(c.name, 2, []string{"repo", "add", c.file}, c.want)
	}
	// One bad file among good ones: nothing is added.
	b.expect("bad among good", 2, []string{"repo", "add", good, truncated}, "truncated.deb")
	// The repository still works.
	b.must("repo", "add", good)
}

func TestBadRecipes(t *testing.T) {
	fixtures, err := filepath.Abs(badDir)
	if err != nil {
		t.Fatal(err)
	}
	b := newBadEnv(t)
	for _, c := range []struct {
		file string
		want []string
	}{
		{"traversal-name.yaml", []string{`sources[0].name: "../x"`}},
		{"patch-dotdot.yaml", []string{"patches[0].from", "build.install[0].copy", "no leading / or .."}},
		{"url-credentials.yaml", []string{"sources[0].url", "credentials"}},
	} {
		path := filepath.Join(fixtures, c.file)
		for _, cmd := range [][]string{{"recipe", "check", path}, {"build", "--recipe", path}, {"package", "--recipe", path}} {
			out := b.expect(c.file+" "+cmd[0], 2, cmd, c.want...)
			if strings.Contains(out, "secret") {
				t.Errorf("%s %s printed the URL's password:\n%s", cmd[0], c.file, out)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(b.state, "sources")); err == nil {
		entries, _ := os.ReadDir(filepath.Join(b.state, "sources"))
		if len(entries) > 0 {
			t.Errorf("a refused recipe put files in the source cache: %v", entries)
		}
	}
}

// Credentials in URLs given to repoctl (endpoint, target, public-url) are
// never printed, whatever fails.
func TestBadURLCredentialsRedacted(t *testing.T) {
	b := newBadEnv(t)
	for _, c := range []struct {
		name string
		env  string // NAME=VALUE set for the command
		args []string
		code int
	}{
		{"endpoint", "", []string{"publish", "--republish", "--to", "s3://bucket-x/apt", "--endpoint", "http://user:secret@127.0.0.1:1"}, -1},
		{"endpoint in env", "REPOCTL_ENDPOINT=http://user:secret@127.0.0.1:1", []string{"lock", "status"}, -1},
		{"target", "", []string{"publish", "--republish", "--to", "s3://user:secret@bucket-x/apt"}, 2},
		{"target lock status", "REPOCTL_TARGET=s3://user:secret@bucket-x/apt", []string{"lock", "status"}, 2},
		{"target with a bad URL", "REPOCTL_TARGET=s3://user:sec ret%zz@bucket-x/apt", []string{"lock", "break"}, 2},
		{"verify url", "", []string{"verify", "--dist", "bookworm", "http://user:secret@127.0.0.1:1/apt"}, -1},
		{"public-url", "REPOCTL_PUBLIC_URL=http://user:secret@127.0.0.1:1/apt", []string{"verify", "--dist", "bookworm"}, -1},
		{"hosts url", "", []string{"hosts", "sources", "--suite", "bookworm", "--url", "https://user:secret@apt.example.org/x"}, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			if k, v, ok := strings.Cut(c.env, "="); ok {
				t.Setenv(k, v)
				t.Setenv("REPOCTL_TARGET", os.Getenv("REPOCTL_TARGET")) // restored after
			}
			if c.name == "endpoint in env" {
				t.Setenv("REPOCTL_TARGET", "s3://bucket-x/apt")
			}
			code, out, errOut := runCLI(t, append([]string{"--config", b.cfg, "--state", b.state}, c.args...)...)
			t.Logf("exit %d: %s", code, lastLine(errOut))
			if c.code >= 0 && code != c.code {
				t.Errorf("exit %d, want %d: %s", code, c.code, errOut)
			}
			if code == 0 && c.name != "hosts url" {
				t.Errorf("exit 0 with credentials in a URL")
			}
			for i, line := range strings.Split(out+errOut, "\n") {
				if strings.Contains(line, "secret") {
					t.Errorf("line %d prints the password: %s", i+1, line)
				}
			}
		})
	}
}

// tarGz writes a .tar.gz with n entries made by entry(i).
func tarGz(t *testing.T, path string, n int, entry func(i int) (*tar.Header, []byte)) string {
	t.Helper()
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	for i := 0; i < n; i++ {
		h, body := entry(i)
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	tw.Close()
	gz.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// archiveRecipe writes a recipe whose only source is the archive at path
// (a local file, checked by its SHA-256).
func archiveRecipe(t *testing.T, archive string) string {
	t.Helper()
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	r := fmt.Sprintf("name: arch\nversion: \"1\"\nrevision: 1\nsources:\n  - name: up\n    path: %s\n    sha256: %s\n"+
		"build:\n  hardening: false\npackage:\n  name: arch\n  maintainer: T <t@example.com>\n  description: x\n  prefix: /opt/arch\n",
		archive, hex.EncodeToString(sum[:]))
	p := filepath.Join(filepath.Dir(archive), filepath.Base(archive)+".yaml")
	if err := os.WriteFile(p, []byte(r), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBadArchives(t *testing.T) {
	b := newBadEnv(t)
	dir := t.TempDir()
	hdr := func(name string, typ byte, size int) *tar.Header {
		return &tar.Header{Name: name, Typeflag: typ, Mode: 0o644, Size: int64(size), Format: tar.FormatPAX}
	}

	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, _ := zw.Create("up-1/configure")
	w.Write([]byte("#!/bin/sh\n"))
	zw.Close()
	zipFile := filepath.Join(dir, "up.zip")
	os.WriteFile(zipFile, zbuf.Bytes(), 0o644)
	// A zstd frame: magic, then a raw block; the format is told by the magic.
	zstdFile := filepath.Join(dir, "up.tar.zst")
	os.WriteFile(zstdFile, append([]byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58}, bytes.Repeat([]byte{0}, 600)...), 0o644)
	notTar := filepath.Join(dir, "up.tar")
	os.WriteFile(notTar, bytes.Repeat([]byte("not a tar archive\n"), 100), 0o644)

	// The tar bomb: more entries than extraction takes (200000), all
	// naming the same directory so that a broken limit costs no inodes.
	bomb := tarGz(t, filepath.Join(dir, "bomb.tar.gz"), 200001, func(i int) (*tar.Header, []byte) {
		return hdr("up/d/", tar.TypeDir, 0), nil
	})
	escape := tarGz(t, filepath.Join(dir, "escape.tar.gz"), 2, func(i int) (*tar.Header, []byte) {
		if i == 0 {
			return hdr("up/configure", tar.TypeReg, 3), []byte("x\n\n")
		}
		return hdr("up/../../../../tmp/repoctl-escaped", tar.TypeReg, 3), []byte("x\n\n")
	})
	link := tarGz(t, filepath.Join(dir, "link.tar.gz"), 2, func(i int) (*tar.Header, []byte) {
		if i == 0 {
			h := hdr("up/l", tar.TypeSymlink, 0)
			h.Linkname = "/etc"
			return h, nil
		}
		return hdr("up/l/repoctl-escaped", tar.TypeReg, 3), []byte("x\n\n")
	})
	device := tarGz(t, filepath.Join(dir, "device.tar.gz"), 1, func(i int) (*tar.Header, []byte) {
		h := hdr("up/null", tar.TypeChar, 0)
		h.Devmajor, h.Devminor = 1, 3
		return h, nil
	})

	for _, c := range []struct {
		name    string
		archive string
		code    int
		want    string
	}{
		{"zip", zipFile, 2, "unsupported compression zip"},
		{"zstd", zstdFile, 2, "unsupported compression zstd"},
		{"not a tar", notTar, 2, "not a tar archive"},
		{"tar bomb", bomb, 3, "more than 200000 entries"},
		{"entry escaping", escape, 3, "repoctl-escaped"},
		{"symlink escaping", link, 3, "symlink"},
		{"device", device, 3, "device"},
	} {
		r := archiveRecipe(t, c.archive)
		b.expect(c.name, c.code, []string{"build", "--recipe", r}, c.want)
	}
	for _, p := range []string{"/tmp/repoctl-escaped", "/etc/repoctl-escaped"} {
		if _, err := os.Stat(p); err == nil {
			os.Remove(p)
			t.Errorf("extraction wrote %s outside its directory", p)
		}
	}
}

func TestBadCommandLine(t *testing.T) {
	b := newBadEnv(t)
	blocker := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(blocker, nil, 0o600)
	missing := filepath.Join(t.TempDir(), "absent.yaml")
	deb := repoTestDeb(t, t.TempDir(), "later", "1.0-1", "x")

	b.expect("snapshot name collision", 2, []string{"snapshot", "create", "first"}, "already exists")
	b.expect("snapshot name with a path", 2, []string{"snapshot", "create", "../x"}, "../x")
	b.expect("unknown flag", 2, []string{"publish", "--frobnicate"}, "unknown flag")
	b.expect("unknown command", 2, []string{"frobnicate"}, "unknown command")
	b.expect("bad duration", 2, []string{"publish", "--lock-timeout", "soon"}, "lock-timeout")
	for _, c := range []struct {
		name, state string
	}{
		{"state under a file", filepath.Join(blocker, "state")},
		{"state in /proc", "/proc/self/status/state"},
		{"state as a URL", "s3://bucket/state"},
	} {
		before := b.fingerprint()
		code, out, errOut := runCLI(t, "--config", b.cfg, "--state", c.state, "repo", "add", deb)
		t.Logf("%s: exit %d: %s", c.name, code, lastLine(errOut))
		if code != 2 || !strings.Contains(errOut, c.state) {
			t.Errorf("%s: exit %d, want 2 naming %s\n%s%s", c.name, code, c.state, out, errOut)
		}
		if b.fingerprint() != before {
			t.Errorf("%s: something changed", c.name)
		}
	}
	code, _, errOut := runCLI(t, "--config", missing, "--state", b.state, "repo", "list")
	if code != 2 || !strings.Contains(errOut, missing) {
		t.Errorf("--config missing: exit %d, want 2 naming %s: %s", code, missing, errOut)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("suites: [bookworm]\njobs: many\n"), 0o600)
	code, _, errOut = runCLI(t, "--config", bad, "--state", b.state, "repo", "list")
	if code != 2 || !strings.Contains(errOut, "line 2") || !strings.Contains(errOut, "many") {
		t.Errorf("config with a wrong type: exit %d, want 2 naming line 2: %s", code, errOut)
	}
}
