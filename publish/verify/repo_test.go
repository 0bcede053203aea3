package verify

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/repoctl/repoctl/internal/harness"
)

// testRepo is a real signed repository on disk, made as a publisher
// would: pool files, Packages (plain and .gz, .xz listed but absent),
// by-hash copies, Release, InRelease and Release.gpg signed by gpg.
type testRepo struct {
	dir     string
	keyring []byte // binary public keyring (gpg --export)
	gnupg   string
	date    time.Time
}

const (
	dist     = "bookworm"
	packages = "dists/bookworm/main/binary-amd64/Packages"
)

var pool = map[string]string{
	"pool/main/h/hello/hello_1.0-1~bookworm1_amd64.deb":     "hello 1.0 payload",
	"pool/main/h/hello/hello_1.1-1~bookworm1_amd64.deb":     "hello 1.1 payload, a little longer",
	"pool/main/o/openresty-realtime/orr_1.27.1.2_amd64.deb": "openresty payload",
}

// gnupg makes a temporary GNUPGHOME with one fresh ed25519 signing key;
// removeGnupg stops its agent and removes it.
func gnupg(t *testing.T) string {
	t.Helper()
	harness.Require(t, "gpg", "gpgconf")
	home, err := os.MkdirTemp("", "gpg") // short: gpg-agent's socket path is limited
	if err != nil {
		t.Fatal(err)
	}
	gpg(t, home, nil, "--passphrase", "", "--quick-gen-key", "repoctl verify test <t@repoctl.invalid>", "ed25519", "sign", "0")
	return home
}

func removeGnupg(home string) {
	exec.Command("gpgconf", "--homedir", home, "--kill", "gpg-agent").Run()
	os.RemoveAll(home)
}

func gpg(t *testing.T, home string, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("gpg", append([]string{"--homedir", home, "--batch", "--yes", "--pinentry-mode", "loopback"}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("gpg %v: %v\n%s", args, err, errb.String())
	}
	return out.Bytes()
}

var (
	templateOnce sync.Once
	template     *testRepo
)

// TestMain removes the template repository and its key after all tests:
// tests re-sign copies of it, so it lives as long as the test binary.
func TestMain(m *testing.M) {
	code := m.Run()
	if template != nil {
		removeGnupg(template.gnupg)
		os.RemoveAll(template.dir)
	}
	os.Exit(code)
}

// newRepo copies a repository built once per test binary (key generation
// is the slow part) into a directory of the test's own, to damage freely.
func newRepo(t *testing.T) *testRepo {
	t.Helper()
	templateOnce.Do(func() { template = buildRepo(t) })
	if template == nil {
		t.Fatal("building the template repository failed in an earlier test")
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(template.dir)); err != nil {
		t.Fatal(err)
	}
	r := *template
	r.dir = dir
	return &r
}

func buildRepo(t *testing.T) *testRepo {
	home := gnupg(t)
	dir, err := os.MkdirTemp("", "verify-repo")
	if err != nil {
		t.Fatal(err)
	}
	r := &testRepo{dir: dir, gnupg: home, date: time.Now().UTC().Truncate(time.Second)}
	var idx strings.Builder
	for _, name := range sortedKeys(pool) {
		r.write(t, name, []byte(pool[name]))
		fmt.Fprintf(&idx, "Package: %s\nVersion: 1\nArchitecture: amd64\nFilename: %s\nSize: %d\nSHA256: %s\nDescription: test\n\n",
			filepath.Base(filepath.Dir(name)), name, len(pool[name]), sha256Hex([]byte(pool[name])))
	}
	plain := []byte(idx.String())
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	r.write(t, packages, plain)
	r.write(t, packages+".gz", gz.Bytes())
	for _, data := range [][]byte{plain, gz.Bytes()} {
		r.write(t, "dists/bookworm/main/binary-amd64/by-hash/SHA256/"+sha256Hex(data), data)
	}
	// Packages.xz is listed but not published: apt tolerates that.
	r.writeRelease(t, r.releaseText(map[string][]byte{
		"main/binary-amd64/Packages": plain, "main/binary-amd64/Packages.gz": gz.Bytes(),
		"main/binary-amd64/Packages.xz": []byte("never published"),
	}, ""))
	r.keyring = gpg(t, home, nil, "--export")
	return r
}

func (r *testRepo) releaseText(files map[string][]byte, extra string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Origin: repoctl\nLabel: repoctl\nSuite: %s\nCodename: %s\nDate: %s\n%sArchitectures: amd64\nComponents: main\nAcquire-By-Hash: yes\nSHA256:\n",
		dist, dist, r.date.Format(time.RFC1123), extra)
	for _, name := range sortedKeys(files) {
		fmt.Fprintf(&b, " %s %d %s\n", sha256Hex(files[name]), len(files[name]), name)
	}
	return []byte(b.String())
}

// writeRelease writes Release and signs it both ways, as aptly does.
func (r *testRepo) writeRelease(t *testing.T, text []byte) {
	r.write(t, "dists/bookworm/Release", text)
	r.write(t, "dists/bookworm/InRelease", gpg(t, r.gnupg, text, "--clearsign"))
	r.write(t, "dists/bookworm/Release.gpg", gpg(t, r.gnupg, text, "--armor", "--detach-sign"))
}

func (r *testRepo) write(t *testing.T, name string, data []byte) {
	t.Helper()
	p := filepath.Join(r.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (r *testRepo) read(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(r.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// flipByte changes one byte in the middle of a file, keeping its size.
func (r *testRepo) flipByte(t *testing.T, name string, at int) {
	t.Helper()
	data := r.read(t, name)
	if at < 0 {
		at = len(data) / 2
	}
	data[at] ^= 0x01
	r.write(t, name, data)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
