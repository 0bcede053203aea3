package publish

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/repoctl/repoctl/internal/harness"
)

func TestFileTargetConformance(t *testing.T) {
	runTargetConformance(t, func(t *testing.T) Target { return newFileTarget(t) })
}

func TestS3TargetConformance(t *testing.T) {
	runTargetConformance(t, func(t *testing.T) Target {
		s := harness.S3(t)
		return newS3Target(t, s, "repo")
	})
}

func newFileTarget(t testing.TB) Target {
	t.Helper()
	tg, err := OpenTarget(context.Background(), "file://"+t.TempDir(), TargetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// s3Env points the SDK's standard credential chain at the test server and
// nowhere else (no profile files, no instance metadata).
func s3Env(t testing.TB, access, secret, region string) {
	t.Setenv("AWS_ACCESS_KEY_ID", access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", region)
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
}

// newS3Target opens s3://bucket/prefix through OpenTarget, the way the CLI
// does, with the server's credentials in the environment.
func newS3Target(t testing.TB, s *harness.S3Server, prefix string) Target {
	t.Helper()
	s3Env(t, s.AccessKey, s.SecretKey, s.Region)
	tg, err := OpenTarget(context.Background(), "s3://"+s.Bucket+"/"+prefix,
		TargetOptions{Endpoint: s.Endpoint, Region: s.Region, PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// TestFileTargetETagFollowsEdits: the MD5 cached with a file is not
// trusted once the file changed behind repoctl's back.
func TestFileTargetETagFollowsEdits(t *testing.T) {
	dir := t.TempDir()
	tg, err := OpenTarget(context.Background(), "file://"+dir, TargetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	put(t, tg, "pool/a.deb", "aaaa")
	p := filepath.Join(dir, "pool", "a.deb")
	if v, ok := getAttr(p, md5Attr); ok && !strings.HasPrefix(v, md5hex("aaaa")) {
		t.Fatalf("cached %q", v)
	}
	if err := os.WriteFile(p, []byte("bbbb"), 0o644); err != nil { // same size, in place
		t.Fatal(err)
	}
	future := time.Now().Add(time.Hour)
	os.Chtimes(p, future, future)
	objs, err := tg.List(context.Background(), "pool/")
	if err != nil || len(objs) != 1 || objs[0].ETag != md5hex("bbbb") {
		t.Fatalf("List after an edit = %+v, %v; want the new MD5", objs, err)
	}
}
