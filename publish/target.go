// Package publish moves a rendered apt repository (the staging tree aptly
// writes: dists/<dist>/..., pool/...) to where fleet hosts read it: an S3
// bucket or a local directory. The transfer keeps the invariants of
// DESIGN.md: a client never sees a mix of old and new, a failed publish
// leaves the old repository valid, work is proportional to the change.
//
// What changed is found from one listing, with no request per object:
// every object is uploaded in a single PUT, so its S3 ETag is the MD5 of
// its content, and a staged file with the same size and MD5 is skipped.
// (A manifest of what was uploaded was the alternative; the listing cannot
// drift from the bucket, a manifest can.) The file target keeps each
// file's MD5 in an extended attribute for the same reason.
//
// The one object of publish's own, .repoctl/publish-state.json, records
// since when each superseded pool or by-hash object has been unreferenced,
// so that it is deleted only after the grace period, and then surely.
package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/internal/progress"
)

// Object is one stored object as a listing reports it.
type Object struct {
	Key      string // relative to the target's prefix, slash-separated
	Size     int64
	ETag     string // hex MD5 of the content (S3: single-part uploads; file: computed)
	Modified time.Time
}

// Meta is the HTTP metadata an object is served with.
type Meta struct {
	ContentType, CacheControl string
}

// ErrNotFound is returned by Get for a key that does not exist.
var ErrNotFound = errors.New("object not found")

// ErrExists is returned by PutIfAbsent for a key that already exists.
var ErrExists = errors.New("object already exists")

// Target is a place a repository is published to. Keys are slash-separated
// and relative to the target's prefix. All methods are safe for concurrent
// use; every write is atomic per object (a reader sees the old or the new
// content, never a part).
type Target interface {
	// List returns every object whose key starts with prefix, sorted by
	// key, following pagination to the end.
	List(ctx context.Context, prefix string) ([]Object, error)
	// Get opens an object; ErrNotFound when absent.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Put creates or replaces an object with size bytes of body.
	Put(ctx context.Context, key string, body io.ReadSeeker, size int64, meta Meta) error
	// Delete removes objects; absent keys are not an error.
	Delete(ctx context.Context, keys []string) error
	// PutIfAbsent creates an object only if no object has key; ErrExists
	// otherwise. Used for the release lock.
	PutIfAbsent(ctx context.Context, key string, body []byte) error
	// String is the target's URL with credentials redacted, for messages.
	String() string
}

// TargetOptions configure OpenTarget; only S3 targets use them.
type TargetOptions struct {
	Endpoint  string // S3-compatible endpoint URL; empty: AWS (or AWS_ENDPOINT_URL)
	Region    string
	PathStyle bool
	Progress  progress.Reporter
}

// OpenTarget opens "s3://bucket/prefix", "file:///abs/dir" or
// "file://./rel/dir". It does not contact the target: Check does.
func OpenTarget(ctx context.Context, rawURL string, opts TargetOptions) (Target, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, errs.Usage(fmt.Errorf("target %q: want s3://bucket/prefix or file:///dir", redact(rawURL)))
	}
	switch scheme {
	case "file":
		return openFileTarget(rest)
	case "s3":
		return openS3Target(ctx, rest, opts)
	}
	return nil, errs.Usage(fmt.Errorf("target %q: unknown scheme %q (want s3:// or file://)", redact(rawURL), scheme))
}

// redact hides user info (s3://KEY:SECRET@bucket) so a URL can be printed.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if i := strings.Index(raw, "@"); i >= 0 && err != nil {
			return "<redacted>@" + raw[i+1:]
		}
		return raw
	}
	u.User = url.User("REDACTED")
	return u.String()
}

// checkKey rejects keys that could escape the target's prefix or that S3
// and a directory would store differently.
func checkKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") {
		return fmt.Errorf("invalid object key %q", key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("invalid object key %q", key)
		}
	}
	return nil
}
