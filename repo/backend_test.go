package repo

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/repoctl/repoctl/internal/harness"
)

var prefixSeq atomic.Int64

// forEachBackend runs f once with the database in goleveldb and once in
// etcd (a server of the test's own, each subtest under a prefix of its
// own). Without an etcd binary the etcd half fails under CI=true and is
// skipped elsewhere.
func forEachBackend(t *testing.T, f func(t *testing.T, opts Options)) {
	t.Helper()
	t.Run("goleveldb", func(t *testing.T) {
		f(t, Options{Dir: filepath.Join(t.TempDir(), "aptly")})
	})
	t.Run("etcd", func(t *testing.T) {
		e := harness.Etcd(t)
		db := fmt.Sprintf("%s/t%d", e.URL, prefixSeq.Add(1))
		f(t, Options{Dir: filepath.Join(t.TempDir(), "aptly"), DB: db})
	})
}

// openWith opens opts and closes it when the test ends.
func openWith(t testing.TB, opts Options) *Repo {
	t.Helper()
	r, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// BenchmarkEtcdAddOneTo1000 is BenchmarkAddOneTo1000 with the database in
// etcd on loopback.
func BenchmarkEtcdAddOneTo1000(b *testing.B) {
	e := harness.Etcd(b)
	r := openWith(b, Options{Dir: filepath.Join(b.TempDir(), "aptly"), DB: e.URL + "/bench"})
	start := time.Now()
	mustAdd(b, r, "bookworm", thousandDebs(b)...)
	b.Logf("add 1000 packages into etcd: %v", time.Since(start).Round(time.Millisecond))
	dir := b.TempDir()
	debs := make([]string, b.N)
	for i := range debs {
		debs[i] = buildDeb(b, dir, "hello", "1."+strconv.Itoa(i), "amd64", strconv.Itoa(i))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.Add(context.Background(), debs[i:i+1], AddOptions{Distribution: "bookworm", Keep: 2}); err != nil {
			b.Fatal(err)
		}
		if _, err := r.CreateSnapshot("bookworm", "s"+strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEtcdRender1000FreshRunner renders a 1000-package snapshot on a
// runner whose pool is empty (every file is reported missing, none copied).
func BenchmarkEtcdRender1000FreshRunner(b *testing.B) {
	e := harness.Etcd(b)
	db := e.URL + "/bench"
	a := openWith(b, Options{Dir: filepath.Join(b.TempDir(), "aptly"), DB: db})
	mustAdd(b, a, "bookworm", thousandDebs(b)...)
	if _, err := a.CreateSnapshot("bookworm", "bench"); err != nil {
		b.Fatal(err)
	}
	a.Close()
	r := openWith(b, Options{Dir: filepath.Join(b.TempDir(), "aptly"), DB: db})
	opts := RenderOptions{Architectures: []string{"amd64"}, Signer: testSigner(b)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := r.RenderTree(context.Background(), "bench", opts, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Missing) != 1000 {
			b.Fatalf("%d missing, want 1000", len(res.Missing))
		}
	}
}
