package deb

import (
	"context"
	"testing"

	"github.com/repoctl/repoctl/build/compile"
	"github.com/repoctl/repoctl/build/deb/debtest"
	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/progress"
)

const testPrefix = debtest.Prefix

var (
	need      = debtest.Need
	fixture   = func(t *testing.T) (*recipe.Recipe, *compile.Result) { return debtest.Fixture(t) }
	fakeNginx = func(t *testing.T, out string) { debtest.FakeNginx(t, out) }
)

// packageFixture packages the fixture into a new directory.
func packageFixture(t *testing.T, r *recipe.Recipe, built *compile.Result, mod func(*Options)) *Result {
	t.Helper()
	opts := Options{Suite: "bookworm", Build: 1, OutDir: t.TempDir(), Progress: progress.Discard}
	if mod != nil {
		mod(&opts)
	}
	res, err := Package(context.Background(), r, built, opts)
	if err != nil {
		t.Fatalf("Package: %v", err)
	}
	return res
}
