package harness

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
)

const (
	lrucachePool = "pool/main/l/lua-resty-lrucache/lua-resty-lrucache_0.15.orig.tar.gz"
	lrucacheSum  = "adcbb1a95cc2ba2a484351bd1116619a4fb42f0856da220d2897876d472c6ce1"
)

func TestDebianFile(t *testing.T) {
	t.Setenv("REPOCTL_CACHE", t.TempDir()) // a cold cache: really download
	path := DebianFile(t, "main", lrucachePool, lrucacheSum)
	if sum, err := fileSHA256(path); err != nil || sum != lrucacheSum {
		t.Fatalf("%s: sha256 %s, %v", path, sum, err)
	}
	before, _ := os.Stat(path)
	again := DebianFile(t, "main", lrucachePool, lrucacheSum)
	after, _ := os.Stat(again)
	if again != path || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("second DebianFile call did not reuse the cached file %s", path)
	}
}

func TestDebianFileMismatch(t *testing.T) {
	t.Setenv("REPOCTL_CACHE", t.TempDir())
	wrong := strings.Repeat("0", 64)
	msg := fatalOf(t, func(tb testing.TB) { DebianFile(tb, "main", lrucachePool, wrong) })
	if !strings.Contains(msg, "expected "+wrong) || !strings.Contains(msg, "got "+lrucacheSum) {
		t.Errorf("mismatch message %q must name the expected and the actual SHA-256", msg)
	}
}

// fatalOf runs f with a testing.TB whose Fatal or Skip ends f, not the test, and
// returns the fatal message ("" when f did not fail).
func fatalOf(t *testing.T, f func(testing.TB)) string {
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(rec)
	}()
	<-done
	return rec.msg
}

type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *fatalRecorder) Skipf(format string, args ...any) {
	r.msg = "skip: " + fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *fatalRecorder) Fatal(args ...any) {
	r.msg = fmt.Sprint(args...)
	runtime.Goexit()
}
