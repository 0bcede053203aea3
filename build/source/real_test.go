package source

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/debarchive"
)

// TestRealDebianPool fetches a small real pool file through the host's own
// apt sources, verifies and extracts it.
func TestRealDebianPool(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test downloads from the host's Debian archive")
	}
	if _, err := debarchive.Load(debarchive.DefaultRoot); err != nil {
		missing(t, "the host has no apt sources: %v", err)
	}
	r := testRecipe(t, recipe.Source{
		Name:            "lrucache",
		Debian:          "pool/main/l/lua-resty-lrucache/lua-resty-lrucache_0.15.orig.tar.gz",
		SHA256:          "adcbb1a95cc2ba2a484351bd1116619a4fb42f0856da220d2897876d472c6ce1",
		StripComponents: 1,
	})
	o := Options{CacheDir: filepath.Join(t.TempDir(), "cache")}
	p, err := Prepare(context.Background(), r, o, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(p.Dirs["lrucache"], "lib", "resty", "lrucache.lua")); err != nil {
		t.Errorf("lib/resty/lrucache.lua not extracted: %v", err)
	}
	want := "debian:main:pool/main/l/lua-resty-lrucache/lua-resty-lrucache_0.15.orig.tar.gz"
	if p.Sources[0].Origin != want {
		t.Errorf("origin %q, want %q", p.Sources[0].Origin, want)
	}
}
