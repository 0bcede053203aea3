package publish

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ErrChanged is returned by PutIfMatch when the object is no longer the
// one the caller read.
var ErrChanged = errors.New("object changed meanwhile")

// Swapper is an optional ability of a Target (checked with a type
// assertion): replace an object only while its MD5 is still etag. Of two
// processes replacing the same stale lock, exactly one succeeds.
type Swapper interface {
	PutIfMatch(ctx context.Context, key string, body []byte, etag string) error
}

// PutIfMatch uses S3's conditional write (If-Match: ETag, FACTS §4).
func (t *s3Target) PutIfMatch(ctx context.Context, key string, body []byte, etag string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	sum := md5.Sum(body)
	_, err := t.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(t.bucket), Key: aws.String(t.prefix + key),
		Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
		ContentMD5:   aws.String(base64.StdEncoding.EncodeToString(sum[:])),
		ContentType:  aws.String("application/json"),
		CacheControl: aws.String("no-store"),
		IfMatch:      aws.String(`"` + etag + `"`),
	})
	switch {
	case err == nil:
		return nil
	case httpStatus(err) == http.StatusPreconditionFailed, httpStatus(err) == http.StatusNotFound,
		apiCode(err) == "ConditionalRequestConflict":
		return fmt.Errorf("put %s/%s: %w", t, key, ErrChanged)
	}
	return t.classify(ctx, "put", key, err)
}

// PutIfMatch compares and replaces under an flock(2) on a file in the
// target's root: a directory target is shared by processes of one host.
func (f *fileTarget) PutIfMatch(ctx context.Context, key string, body []byte, etag string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	unlock, err := flockDir(f.root)
	if err != nil {
		return fmt.Errorf("put %s/%s: %w", f, key, err)
	}
	defer unlock()
	cur, err := fileMD5(p)
	if errors.Is(err, os.ErrNotExist) || err == nil && cur != etag {
		return fmt.Errorf("put %s/%s: %w", f, key, ErrChanged)
	}
	if err != nil {
		return err
	}
	return f.Put(ctx, key, bytes.NewReader(body), int64(len(body)), Meta{})
}

func flockDir(root string) (func(), error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	lf, err := os.OpenFile(filepath.Join(root, tmpPrefix+"swap.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
		lf.Close()
		return nil, err
	}
	return func() { syscall.Flock(int(lf.Fd()), syscall.LOCK_UN); lf.Close() }, nil
}
