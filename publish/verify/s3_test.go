package verify

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/repoctl/repoctl/internal/harness"
)

// upload copies the repository's files under prefix in the bucket.
func (r *testRepo) upload(t *testing.T, srv *harness.S3Server, prefix string) {
	t.Helper()
	c := srv.Client()
	err := filepath.WalkDir(r.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(r.dir, p)
		_, err = c.PutObject(context.Background(), &s3.PutObjectInput{
			Bucket: aws.String(srv.Bucket), Key: aws.String(prefix + filepath.ToSlash(rel)),
			Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))),
		})
		return err
	})
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
}

// Against a real S3 server, read anonymously as apt reads a public bucket
// (which may answer a missing key with 403 rather than 404: both are
// "missing").
func TestS3Bucket(t *testing.T) {
	srv := harness.S3(t)
	r := newRepo(t)
	r.upload(t, srv, "repo/")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := Options{Dists: []string{dist}, Full: true}
	rep, err := Repository(ctx, srv.PublicURL("repo"), r.keyring, opts)
	if err != nil {
		t.Fatalf("good repository in S3: %v", err)
	}
	if rep.PoolChecked != len(pool) || rep.Indexes != 2 {
		t.Fatalf("report %+v: want every pool file hashed and 2 indexes", rep)
	}
	gone := "pool/main/h/hello/hello_1.0-1~bookworm1_amd64.deb"
	if _, err := srv.Client().DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(srv.Bucket), Key: aws.String("repo/" + gone)}); err != nil {
		t.Fatal(err)
	}
	rep, err = Repository(ctx, srv.PublicURL("repo"), r.keyring, opts)
	wantProblem(t, rep, err, gone, "missing (HTTP")
}
