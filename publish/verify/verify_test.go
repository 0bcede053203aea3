package verify

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ulikunitz/xz"

	"github.com/repoctl/repoctl/internal/errs"
)

// serve serves the repository on 127.0.0.1 for the test's duration.
func (r *testRepo) serve(t *testing.T) string {
	srv := httptest.NewServer(http.FileServer(http.Dir(r.dir)))
	t.Cleanup(srv.Close)
	return srv.URL
}

func run(t *testing.T, r *testRepo, keyring []byte, opts Options) (*Report, error) {
	t.Helper()
	opts.Dists = []string{dist}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := Repository(ctx, r.serve(t), keyring, opts)
	if rep == nil {
		t.Fatalf("no report: %v", err)
	}
	return rep, err
}

// wantProblem fails unless the report names object with a reason
// containing reason, and the error is a verification failure naming it.
func wantProblem(t *testing.T, rep *Report, err error, object, reason string) {
	t.Helper()
	if errs.Code(err) != errs.ExitVerify {
		t.Fatalf("error %v: want a verification failure (exit 3)", err)
	}
	for _, p := range rep.Problems {
		if p.Object == object && strings.Contains(p.Reason, reason) {
			if !strings.Contains(err.Error(), p.String()) {
				t.Fatalf("error does not list %q:\n%v", p, err)
			}
			return
		}
	}
	t.Fatalf("no problem %q on %s; problems: %v", reason, object, rep.Problems)
}

func TestGoodRepository(t *testing.T) {
	r := newRepo(t)
	rep, err := run(t, r, r.keyring, Options{Full: true})
	if err != nil {
		t.Fatalf("good repository: %v", err)
	}
	if rep.Packages != len(pool) || rep.PoolFiles != len(pool) || rep.PoolChecked != len(pool) {
		t.Fatalf("report %+v: want %d packages, pool files and hashed pool files", rep, len(pool))
	}
	// Packages and Packages.gz; Packages.xz is listed but absent, which apt tolerates.
	if rep.Indexes != 2 || len(rep.Signers) != 1 || len(rep.Warnings) != 0 {
		t.Fatalf("report %+v: want 2 indexes, 1 signer, no warnings", rep)
	}
	want := Release{Dist: dist, Origin: "repoctl", Label: "repoctl", Suite: dist, Codename: dist, Date: r.date,
		Architectures: []string{"amd64"}, Components: []string{"main"}, AcquireByHash: true}
	if len(rep.Releases) != 1 || !reflect.DeepEqual(rep.Releases[0], want) {
		t.Fatalf("releases %+v, want %+v", rep.Releases, want)
	}
}

func TestSampleHashesOnlySome(t *testing.T) {
	r := newRepo(t)
	rep, err := run(t, r, r.keyring, Options{Sample: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.PoolChecked != 1 || rep.PoolFiles != len(pool) {
		t.Fatalf("hashed %d of %d pool files, want 1 of %d", rep.PoolChecked, rep.PoolFiles, len(pool))
	}
}

func TestInReleaseTampered(t *testing.T) {
	r := newRepo(t)
	// A byte of the signed text (Origin: repoctl -> Origin: repocul).
	data := r.read(t, "dists/bookworm/InRelease")
	at := strings.Index(string(data), "Origin: repoctl") + len("Origin: repoc")
	r.flipByte(t, "dists/bookworm/InRelease", at)
	rep, err := run(t, r, r.keyring, Options{})
	wantProblem(t, rep, err, "dists/bookworm/InRelease", "bad signature")
}

func TestPackagesTampered(t *testing.T) {
	r := newRepo(t)
	r.flipByte(t, packages, -1)
	rep, err := run(t, r, r.keyring, Options{})
	wantProblem(t, rep, err, packages, "SHA256")
}

func TestPoolFileTampered(t *testing.T) {
	r := newRepo(t)
	name := "pool/main/h/hello/hello_1.1-1~bookworm1_amd64.deb"
	r.flipByte(t, name, -1)
	rep, err := run(t, r, r.keyring, Options{Full: true})
	wantProblem(t, rep, err, name, "SHA256")
}

// Every problem is reported, not only the first.
func TestPoolFilesMissing(t *testing.T) {
	r := newRepo(t)
	gone := []string{"pool/main/h/hello/hello_1.0-1~bookworm1_amd64.deb", "pool/main/o/openresty-realtime/orr_1.27.1.2_amd64.deb"}
	for _, name := range gone {
		if err := os.Remove(filepath.Join(r.dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := run(t, r, r.keyring, Options{})
	for _, name := range gone {
		wantProblem(t, rep, err, name, "missing (HTTP 404)")
	}
	if len(rep.Problems) != len(gone) {
		t.Errorf("problems %v: want exactly the missing files", rep.Problems)
	}
}

func TestReleaseGpgMismatch(t *testing.T) {
	r := newRepo(t)
	// A valid signature by the right key, over other text.
	r.write(t, "dists/bookworm/Release.gpg", gpg(t, r.gnupg, []byte("other text\n"), "--armor", "--detach-sign"))
	rep, err := run(t, r, r.keyring, Options{})
	wantProblem(t, rep, err, "dists/bookworm/Release.gpg", "bad signature")
	if len(rep.Problems) != 1 {
		t.Fatalf("problems %v: want only Release.gpg's", rep.Problems)
	}
}

func TestReleaseDiffersFromInRelease(t *testing.T) {
	r := newRepo(t)
	text := r.read(t, "dists/bookworm/Release")
	other := []byte(strings.Replace(string(text), "Label: repoctl", "Label: other", 1))
	r.write(t, "dists/bookworm/Release", other)
	r.write(t, "dists/bookworm/Release.gpg", gpg(t, r.gnupg, other, "--armor", "--detach-sign"))
	rep, err := run(t, r, r.keyring, Options{})
	wantProblem(t, rep, err, "dists/bookworm/Release", "differs from the text signed in InRelease")
}

func TestWrongKeyring(t *testing.T) {
	r := newRepo(t)
	other := gnupg(t)
	t.Cleanup(func() { removeGnupg(other) })
	rep, err := run(t, r, gpg(t, other, nil, "--export"), Options{})
	wantProblem(t, rep, err, "dists/bookworm/InRelease", "not in the keyring")
	wantProblem(t, rep, err, "dists/bookworm/Release.gpg", "not in the keyring")
}

func TestByHashMissing(t *testing.T) {
	r := newRepo(t)
	gz := r.read(t, packages+".gz")
	object := "dists/bookworm/main/binary-amd64/by-hash/SHA256/" + sha256Hex(gz)
	if err := os.Remove(filepath.Join(r.dir, object)); err != nil {
		t.Fatal(err)
	}
	rep, err := run(t, r, r.keyring, Options{})
	wantProblem(t, rep, err, object, "missing")
}

func TestNoVariantOfIndex(t *testing.T) {
	r := newRepo(t)
	for _, ext := range []string{"", ".gz"} {
		if err := os.Remove(filepath.Join(r.dir, packages+ext)); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := run(t, r, r.keyring, Options{})
	wantProblem(t, rep, err, packages, "no variant of it is published")
}

func TestExpired(t *testing.T) {
	r := newRepo(t)
	files := map[string][]byte{
		"main/binary-amd64/Packages": r.read(t, packages), "main/binary-amd64/Packages.gz": r.read(t, packages+".gz"),
	}
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC1123)
	r.writeRelease(t, r.releaseText(files, "Valid-Until: "+past+"\n"))
	rep, err := run(t, r, r.keyring, Options{})
	wantProblem(t, rep, err, "dists/bookworm/InRelease", "expired")
}

func TestFutureDateAndNoByHashOnlyWarn(t *testing.T) {
	r := newRepo(t)
	files := map[string][]byte{"main/binary-amd64/Packages": r.read(t, packages)}
	r.date = time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	text := strings.Replace(string(r.releaseText(files, "")), "Acquire-By-Hash: yes\n", "", 1)
	r.writeRelease(t, []byte(text))
	rep, err := run(t, r, r.keyring, Options{})
	if err != nil {
		t.Fatalf("warnings must not fail: %v", err)
	}
	if len(rep.Warnings) != 2 {
		t.Fatalf("warnings %v: want the future Date and the missing Acquire-By-Hash", rep.Warnings)
	}
}

func TestNoDists(t *testing.T) {
	_, err := Repository(context.Background(), "http://127.0.0.1:1", nil, Options{})
	if errs.Code(err) != errs.ExitUsage {
		t.Fatalf("err %v: want a usage error", err)
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	rep, err := Repository(context.Background(), url, nil, Options{Dists: []string{dist}})
	wantProblem(t, rep, err, "dists/bookworm/InRelease", "connect")
}

// A repository publishing only Packages.xz: verify must read the pool
// through it.
func TestOnlyXZIndex(t *testing.T) {
	r := newRepo(t)
	var xzb bytes.Buffer
	w, err := xz.NewWriter(&xzb)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(r.read(t, packages))
	w.Close()
	for _, ext := range []string{"", ".gz"} {
		os.Remove(filepath.Join(r.dir, packages+ext))
	}
	r.write(t, packages+".xz", xzb.Bytes())
	r.write(t, "dists/bookworm/main/binary-amd64/by-hash/SHA256/"+sha256Hex(xzb.Bytes()), xzb.Bytes())
	r.writeRelease(t, r.releaseText(map[string][]byte{"main/binary-amd64/Packages.xz": xzb.Bytes()}, ""))
	rep, err := run(t, r, r.keyring, Options{Full: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Packages != len(pool) || rep.PoolChecked != len(pool) {
		t.Fatalf("report %+v: want every package read from Packages.xz and hashed", rep)
	}
}
