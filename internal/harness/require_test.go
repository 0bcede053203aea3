package harness

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestRequireFailsOnCISkipsElsewhere(t *testing.T) {
	const tool = "repoctl-no-such-tool"
	t.Setenv("CI", "true")
	if msg := fatalOf(t, func(tb testing.TB) { Require(tb, "sh", tool) }); !strings.HasPrefix(msg, "CI=true") || !strings.Contains(msg, tool) {
		t.Errorf("with CI=true, Require must fail naming %s; got %q", tool, msg)
	}
	t.Setenv("CI", "")
	if msg := fatalOf(t, func(tb testing.TB) { Require(tb, tool) }); !strings.HasPrefix(msg, "skip: ") {
		t.Errorf("without CI, Require must skip; got %q", msg)
	}
	if msg := fatalOf(t, func(tb testing.TB) { Require(tb, "sh") }); msg != "" {
		t.Errorf("Require(sh) stopped the test: %q", msg)
	}
}

func TestCacheDir(t *testing.T) {
	t.Setenv("REPOCTL_CACHE", "/x/y")
	if d := CacheDir(); d != "/x/y" {
		t.Errorf("CacheDir with REPOCTL_CACHE = %q", d)
	}
	t.Setenv("REPOCTL_CACHE", "")
	t.Setenv("XDG_CACHE_HOME", "/c")
	if d := CacheDir(); d != filepath.Join("/c", "repoctl") {
		t.Errorf("CacheDir = %q, want /c/repoctl", d)
	}
}
