package repo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/repoctl/repoctl/internal/harness"
	"github.com/repoctl/repoctl/publish"
	"github.com/repoctl/repoctl/publish/verify"
)

// runner is one CI job: an empty disk of its own, the shared etcd, and
// the release sequence repoctl runs (lock, add, snapshot, render, publish,
// record).
type runner struct {
	t   *testing.T
	dir string // the runner's local state: pool, tmp, staging
	db  string
	tg  publish.Target
}

func (rn runner) release(deb, snap string) (*RenderResult, *publish.Report, error) {
	t := rn.t
	t.Helper()
	ctx := context.Background()
	lock, err := publish.AcquireLock(ctx, rn.tg, publish.LockOptions{Wait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release(ctx)
	r := openWith(t, Options{Dir: filepath.Join(rn.dir, "aptly"), DB: rn.db})
	defer r.Close()
	if deb != "" {
		mustAdd(t, r, "bookworm", deb)
		if _, err := r.CreateSnapshot("bookworm", snap); err != nil {
			t.Fatal(err)
		}
	}
	staging, err := os.MkdirTemp(rn.dir, "staging-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(staging)
	res, err := r.RenderTree(ctx, snap, RenderOptions{Architectures: []string{"amd64"}, Signer: testSigner(t)}, staging)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := publish.Publish(ctx, staging, rn.tg, publish.Options{})
	if err != nil {
		return res, rep, err
	}
	return res, rep, r.RecordPublished(rn.tg.String(), "bookworm", snap)
}

// TestEphemeralRunnersShareEtcd is issue 8 §2: runner A releases v1;
// runner B, with an empty disk and the same etcd, releases v2. The
// published index lists both, v1's file is not uploaded again, and the
// repository reads back clean over HTTP as apt would.
func TestEphemeralRunnersShareEtcd(t *testing.T) {
	e := harness.Etcd(t)
	s3 := harness.S3(t)
	for _, kv := range s3.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	ctx := context.Background()
	tg, err := publish.OpenTarget(ctx, "s3://"+s3.Bucket+"/apt", publish.TargetOptions{Endpoint: s3.Endpoint, Region: s3.Region, PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	db := e.URL + "/shared"
	debs := t.TempDir()
	v1 := buildDeb(t, debs, "hello", "1.0-1", "amd64", strings.Repeat("one", 1000))
	v2 := buildDeb(t, debs, "hello", "2.0-1", "amd64", strings.Repeat("two", 1000))
	v1Key := "apt/pool/main/h/hello/" + filepath.Base(v1)
	v2Key := "apt/pool/main/h/hello/" + filepath.Base(v2)

	a := runner{t: t, dir: t.TempDir(), db: db, tg: tg}
	if _, _, err := a.release(v1, "r1"); err != nil {
		t.Fatalf("runner A: %v", err)
	}
	// Runner A's disk is gone; B starts from nothing but etcd.
	os.RemoveAll(a.dir)
	mark := s3.Mark()
	b := runner{t: t, dir: t.TempDir(), db: db, tg: tg}
	res, rep, err := b.release(v2, "r2")
	if err != nil {
		t.Fatalf("runner B: %v", err)
	}
	st, _ := os.Stat(v1)
	want := MissingFile{Key: "pool/main/h/hello/" + filepath.Base(v1), Size: st.Size(), SHA256: fileSHA256(t, v1)}
	if len(res.Missing) != 1 || res.Missing[0].Key != want.Key || res.Missing[0].Size != want.Size || res.Missing[0].SHA256 != want.SHA256 {
		t.Errorf("runner B: missing %+v, want exactly %+v", res.Missing, want)
	}
	var puts []string
	for _, r := range s3.Requests(mark) {
		if r.Method == "PUT" && !r.Anonymous {
			puts = append(puts, r.Key)
		}
	}
	joined := strings.Join(puts, " ")
	if strings.Contains(joined, v1Key) || !strings.Contains(joined, v2Key) {
		t.Errorf("runner B uploaded %v: want %s and not %s", puts, v2Key, v1Key)
	}
	t.Logf("runner B: %d PUTs (%d uploaded, %d unchanged): %v", len(puts), rep.Uploaded, rep.Skipped, puts)

	keyring, err := os.ReadFile(testSigner(t).keyring)
	if err != nil {
		t.Fatal(err)
	}
	vr, err := verify.Repository(ctx, s3.PublicURL("apt"), keyring, verify.Options{Dists: []string{"bookworm"}, Full: true})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if vr.Packages != 2 || vr.PoolFiles != 2 || vr.PoolChecked != 2 {
		t.Errorf("verify read %d packages, %d pool files (%d hashed), want 2 of each", vr.Packages, vr.PoolFiles, vr.PoolChecked)
	}

	// The history is shared too: a third runner sees both releases, and
	// re-publishing r1 (a rollback) from an empty disk uploads no pool file.
	c := runner{t: t, dir: t.TempDir(), db: db, tg: tg}
	r := openWith(t, Options{Dir: filepath.Join(c.dir, "aptly"), DB: db})
	if h, err := r.Published(tg.String(), "bookworm"); err != nil || strings.Join(h, ",") != "r1,r2" {
		t.Errorf("runner C: history %v, %v; want r1,r2", h, err)
	}
	r.Close()
	mark = s3.Mark()
	if _, _, err := c.release("", "r1"); err != nil {
		t.Fatalf("runner C, rollback to r1: %v", err)
	}
	for _, r := range s3.Requests(mark) {
		if r.Method == "PUT" && strings.Contains(r.Key, "/pool/") {
			t.Errorf("rollback from an empty disk uploaded %s", r.Key)
		}
	}
}

// TestMissingPoolFileNotOnTargetRefused: a runner with an empty disk that
// publishes to a target lacking the older files must fail, not publish
// indexes that point at nothing.
func TestMissingPoolFileNotOnTargetRefused(t *testing.T) {
	e := harness.Etcd(t)
	db := e.URL + "/refuse"
	debs := t.TempDir()
	v1 := buildDeb(t, debs, "hello", "1.0-1", "amd64", "one")
	v2 := buildDeb(t, debs, "hello", "2.0-1", "amd64", "two")
	tgA, err := publish.OpenTarget(context.Background(), "file://"+t.TempDir(), publish.TargetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	tgB, err := publish.OpenTarget(context.Background(), "file://"+empty, publish.TargetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := (runner{t: t, dir: t.TempDir(), db: db, tg: tgA}).release(v1, "r1"); err != nil {
		t.Fatal(err)
	}
	_, _, err = (runner{t: t, dir: t.TempDir(), db: db, tg: tgB}).release(v2, "r2")
	if err == nil || !strings.Contains(err.Error(), "neither staged nor published") || !strings.Contains(err.Error(), filepath.Base(v1)) {
		t.Fatalf("publish to a target without v1: %v; want a refusal naming %s", err, filepath.Base(v1))
	}
	if _, err := os.Stat(filepath.Join(empty, "dists")); err == nil {
		t.Error("the refused publish wrote dists/")
	}
}
