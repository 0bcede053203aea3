package publish

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
)

// runTargetConformance checks the Target contract. Every target runs it:
// what Publish relies on is tested once, the same way, everywhere.
func runTargetConformance(t *testing.T, newTarget func(t *testing.T) Target) {
	t.Run("PutGetOverwrite", func(t *testing.T) { conformPutGet(t, newTarget(t)) })
	t.Run("GetMissing", func(t *testing.T) { conformGetMissing(t, newTarget(t)) })
	t.Run("ListPrefixSortedETag", func(t *testing.T) { conformList(t, newTarget(t)) })
	t.Run("ListPaginates", func(t *testing.T) { conformPagination(t, newTarget(t)) })
	t.Run("Delete", func(t *testing.T) { conformDelete(t, newTarget(t)) })
	t.Run("PutIfAbsent", func(t *testing.T) { conformPutIfAbsent(t, newTarget(t)) })
	t.Run("BadKeys", func(t *testing.T) { conformBadKeys(t, newTarget(t)) })
	t.Run("CancelledPutWritesNothing", func(t *testing.T) { conformCancelledPut(t, newTarget(t)) })
	t.Run("PutIfMatch", func(t *testing.T) { conformPutIfMatch(t, newTarget(t)) })
}

func put(t *testing.T, tg Target, key, body string) {
	t.Helper()
	if err := tg.Put(context.Background(), key, strings.NewReader(body), int64(len(body)), metaFor(key)); err != nil {
		t.Fatalf("Put(%s): %v", key, err)
	}
}

func get(t *testing.T, tg Target, key string) string {
	t.Helper()
	data, err := getAll(context.Background(), tg, key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	return string(data)
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func conformPutGet(t *testing.T, tg Target) {
	put(t, tg, "pool/main/a/a_1_amd64.deb", "first")
	if got := get(t, tg, "pool/main/a/a_1_amd64.deb"); got != "first" {
		t.Errorf("Get = %q, want %q", got, "first")
	}
	put(t, tg, "pool/main/a/a_1_amd64.deb", "second, longer")
	if got := get(t, tg, "pool/main/a/a_1_amd64.deb"); got != "second, longer" {
		t.Errorf("Get after overwrite = %q", got)
	}
	put(t, tg, "empty", "")
	if got := get(t, tg, "empty"); got != "" {
		t.Errorf("Get(empty) = %q", got)
	}
}

func conformGetMissing(t *testing.T, tg Target) {
	_, err := tg.Get(context.Background(), "dists/none/InRelease")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(missing) error = %v, want ErrNotFound", err)
	}
}

func conformList(t *testing.T, tg Target) {
	for _, k := range []string{"dists/b/Release", "dists/a/Release", "dists/a/main/Packages", "distsX", "pool/x.deb"} {
		put(t, tg, k, "body of "+k)
	}
	objs, err := tg.List(context.Background(), "dists/a")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"dists/a/Release", "dists/a/main/Packages"}
	if got := objectKeys(objs); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("List(dists/a) = %q, want %q", got, want)
	}
	for _, o := range objs {
		body := "body of " + o.Key
		if o.Size != int64(len(body)) || o.ETag != md5hex(body) || o.Modified.IsZero() {
			t.Errorf("List: %+v, want size %d, ETag %s, a time", o, len(body), md5hex(body))
		}
	}
	all, err := tg.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	keys := objectKeys(all)
	if len(keys) != 5 || !sort.StringsAreSorted(keys) {
		t.Errorf("List(\"\") = %q, want 5 keys, sorted", keys)
	}
}

// conformPagination puts more keys than an S3 listing returns in a page
// (1000) and expects all of them.
func conformPagination(t *testing.T, tg Target) {
	const n = 1001
	err := parallel(context.Background(), 32, n, func(ctx context.Context, i int) error {
		k := fmt.Sprintf("p/%04d", i)
		return tg.Put(ctx, k, strings.NewReader("x"), 1, Meta{})
	})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := tg.List(context.Background(), "p/")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != n || objs[0].Key != "p/0000" || objs[n-1].Key != fmt.Sprintf("p/%04d", n-1) {
		t.Fatalf("List(p/) returned %d objects, want %d", len(objs), n)
	}
}

func conformDelete(t *testing.T, tg Target) {
	put(t, tg, "pool/a/x.deb", "x")
	put(t, tg, "pool/a/y.deb", "y")
	if err := tg.Delete(context.Background(), []string{"pool/a/x.deb", "pool/a/absent.deb"}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := tg.Get(context.Background(), "pool/a/x.deb"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(deleted) error = %v, want ErrNotFound", err)
	}
	if got := get(t, tg, "pool/a/y.deb"); got != "y" {
		t.Errorf("the other object = %q", got)
	}
	if err := tg.Delete(context.Background(), nil); err != nil {
		t.Errorf("Delete(nil) = %v", err)
	}
}

func conformPutIfAbsent(t *testing.T, tg Target) {
	ctx := context.Background()
	if err := tg.PutIfAbsent(ctx, ".repoctl/lock", []byte("owner 1")); err != nil {
		t.Fatalf("first PutIfAbsent: %v", err)
	}
	err := tg.PutIfAbsent(ctx, ".repoctl/lock", []byte("owner 2"))
	if !errors.Is(err, ErrExists) {
		t.Fatalf("second PutIfAbsent error = %v, want ErrExists", err)
	}
	if got := get(t, tg, ".repoctl/lock"); got != "owner 1" {
		t.Errorf("lock = %q, want the first owner's", got)
	}
}

func conformBadKeys(t *testing.T, tg Target) {
	for _, k := range []string{"", "/abs", "../escape", "a/../../b", "a//b", "dir/"} {
		if err := tg.Put(context.Background(), k, strings.NewReader("x"), 1, Meta{}); err == nil {
			t.Errorf("Put(%q) succeeded, want an error", k)
		}
	}
}

// conformCancelledPut: an upload stopped midway leaves no object, the
// property that lets a killed publish leave the old repository whole.
func conformCancelledPut(t *testing.T, tg Target) {
	ctx, cancel := context.WithCancel(context.Background())
	body := &cancelAfter{r: bytes.NewReader(make([]byte, 1<<20)), n: 64 << 10, cancel: cancel}
	if err := tg.Put(ctx, "pool/big.deb", body, 1<<20, Meta{}); err == nil {
		t.Fatal("Put with a context cancelled midway succeeded")
	}
	if _, err := tg.Get(context.Background(), "pool/big.deb"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after a cancelled Put, Get error = %v, want ErrNotFound", err)
	}
	objs, err := tg.List(context.Background(), "")
	if err != nil || len(objs) != 0 {
		t.Errorf("after a cancelled Put, List = %v, %v; want nothing", objectKeys(objs), err)
	}
}

// cancelAfter cancels a context once n bytes have been read.
type cancelAfter struct {
	r      io.ReadSeeker
	n      int64
	read   int64
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += int64(n)
	if c.read >= c.n {
		c.cancel()
	}
	return n, err
}

func (c *cancelAfter) Seek(off int64, whence int) (int64, error) {
	c.read = 0
	return c.r.Seek(off, whence)
}

func objectKeys(objs []Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Key
	}
	return out
}

// conformPutIfMatch checks the optional Swapper ability; every target
// repoctl has implements it.
func conformPutIfMatch(t *testing.T, tg Target) {
	sw, ok := tg.(Swapper)
	if !ok {
		t.Fatalf("%T does not implement Swapper", tg)
	}
	ctx := context.Background()
	if err := sw.PutIfMatch(ctx, "k", []byte("new"), md5hex("old")); !errors.Is(err, ErrChanged) {
		t.Errorf("PutIfMatch on a missing key: %v, want ErrChanged", err)
	}
	put(t, tg, "k", "old")
	if err := sw.PutIfMatch(ctx, "k", []byte("new"), md5hex("other")); !errors.Is(err, ErrChanged) {
		t.Errorf("PutIfMatch with a stale ETag: %v, want ErrChanged", err)
	}
	if err := sw.PutIfMatch(ctx, "k", []byte("new"), md5hex("old")); err != nil {
		t.Errorf("PutIfMatch with the current ETag: %v", err)
	}
	if got := get(t, tg, "k"); got != "new" {
		t.Errorf("after PutIfMatch: %q", got)
	}
}
