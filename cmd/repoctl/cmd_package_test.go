package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/repoctl/repoctl/build/compile"
	"github.com/repoctl/repoctl/build/deb"
	"github.com/repoctl/repoctl/build/deb/debtest"
	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/internal/progress"
)

// TestRunPackage runs the command with the recipe loader and the build
// replaced by the fake staging root: the .deb lands in <state>/debs, the
// build gets the state dir and the suite, --json prints deb.Result.
func TestRunPackage(t *testing.T) {
	r, built := debtest.Fixture(t)
	t.Chdir(t.TempDir()) // the signing hook writes the development key's public half to ./keys
	var out bytes.Buffer
	app := newApp(&out, &bytes.Buffer{})
	app.State, app.JSON, app.Progress = t.TempDir(), true, progress.Discard
	cfg := DefaultConfig()
	app.Config = &cfg
	o := packageOptions{Suite: "trixie", BuildNumber: 3}
	o.Recipe = "recipe.yaml"
	o.load = func(p string) (*recipe.Recipe, error) {
		if p != "recipe.yaml" {
			t.Errorf("loaded %q, want the --recipe file", p)
		}
		return r, nil
	}
	o.build = func(_ context.Context, _ *recipe.Recipe, co compile.Options) (*compile.Result, error) {
		if co.StateDir == "" || co.Suite != "trixie" {
			t.Errorf("compile options StateDir %q Suite %q", co.StateDir, co.Suite)
		}
		return built, nil
	}
	if err := runPackage(context.Background(), app, o); err != nil {
		t.Fatal(err)
	}
	var res deb.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("--json output %q: %v", out.String(), err)
	}
	if res.Version != "1.22.1-1~trixie3" {
		t.Errorf("version %q, want 1.22.1-1~trixie3", res.Version)
	}
	if _, err := os.Stat(res.Path); err != nil || filepath.Dir(res.Path) != filepath.Join(app.State, "debs") {
		t.Errorf("printed path %s (%v), want a file in <state>/debs", res.Path, err)
	}
}

func TestRunPackageBadBuildNumber(t *testing.T) {
	app := newApp(&bytes.Buffer{}, &bytes.Buffer{})
	err := runPackage(context.Background(), app, packageOptions{Suite: "bookworm", BuildNumber: 0})
	if errs.Code(err) != errs.ExitUsage {
		t.Errorf("--build-number 0: %v (exit %d), want a usage error", err, errs.Code(err))
	}
}
