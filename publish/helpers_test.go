package publish

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/repoctl/repoctl/internal/harness"
)

// recorder wraps a Target and records the calls Publish makes, in order.
type recorder struct {
	Target
	mu       sync.Mutex
	puts     []string
	deletes  []string
	gets     int
	lists    int
	afterPut func(key string, n int) // called after each successful Put, the nth
}

func (r *recorder) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, meta Meta) error {
	if err := r.Target.Put(ctx, key, body, size, meta); err != nil {
		return err
	}
	r.mu.Lock()
	r.puts = append(r.puts, key)
	hook, n := r.afterPut, len(r.puts)
	r.mu.Unlock()
	if hook != nil {
		hook(key, n)
	}
	return nil
}

func (r *recorder) Delete(ctx context.Context, keys []string) error {
	r.mu.Lock()
	r.deletes = append(r.deletes, keys...)
	r.mu.Unlock()
	return r.Target.Delete(ctx, keys)
}

func (r *recorder) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	r.mu.Lock()
	r.gets++
	r.mu.Unlock()
	return r.Target.Get(ctx, key)
}

func (r *recorder) List(ctx context.Context, prefix string) ([]Object, error) {
	r.mu.Lock()
	r.lists++
	r.mu.Unlock()
	return r.Target.List(ctx, prefix)
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.puts, r.deletes, r.gets, r.lists = nil, nil, 0, 0
}

// testTarget is a target under test: the recorder around it, and for S3
// the server, whose access log counts what really reached it.
type testTarget struct {
	*recorder
	s3   *harness.S3Server
	mark harness.Mark
}

// forTargets runs fn against a fresh file target and a fresh prefix of a
// real S3 server.
func forTargets(t *testing.T, fn func(t *testing.T, tt *testTarget)) {
	t.Run("file", func(t *testing.T) {
		fn(t, &testTarget{recorder: &recorder{Target: newFileTarget(t)}})
	})
	t.Run("s3", func(t *testing.T) {
		s := harness.S3(t)
		fn(t, &testTarget{recorder: &recorder{Target: newS3Target(t, s, "apt")}, s3: s})
	})
}

// start begins a measured step: recorder and access-log counts from here.
func (tt *testTarget) start() {
	tt.reset()
	if tt.s3 != nil {
		tt.mark = tt.s3.Mark()
	}
}

// serverCounts are the requests the S3 server saw since start (by method),
// nil for the file target.
func (tt *testTarget) serverCounts(t *testing.T) map[string]int {
	if tt.s3 == nil {
		return nil
	}
	return tt.s3.RequestCounts(tt.mark)
}

func publishOK(t *testing.T, dir string, tg Target, opts Options) *Report {
	t.Helper()
	rep, err := Publish(context.Background(), dir, tg, opts)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	return rep
}

// clock is an injectable Now.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) advance(d time.Duration) { c.now = c.now.Add(d) }

func newClock() *clock { return &clock{now: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)} }

// PutIfMatch forwards the optional Swapper ability of the wrapped target.
func (r *recorder) PutIfMatch(ctx context.Context, key string, body []byte, etag string) error {
	return r.Target.(Swapper).PutIfMatch(ctx, key, body, etag)
}
