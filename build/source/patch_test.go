package source

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/errs"
)

const (
	// addLine turns "hello" into "hello\nworld"; addMore needs addLine first.
	addLine = "--- a/README\n+++ b/README\n@@ -1 +1,2 @@\n hello\n+world\n"
	addMore = "--- a/README\n+++ b/README\n@@ -1,2 +1,3 @@\n hello\n world\n+again\n"
	// addMoreP0 is addMore for -p0.
	addMoreP0 = "--- README\n+++ README\n@@ -1,3 +1,4 @@\n hello\n world\n again\n+and p0\n"
	wrong     = "--- a/README\n+++ b/README\n@@ -1 +1 @@\n-goodbye\n+farewell\n"
)

func requirePatch(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/usr/bin/patch"); err != nil {
		missing(t, "GNU patch is needed: %v", err)
	}
}

// TestSeries: a quilt series in another source is applied in order, with a
// -pN option honoured, after a file patch next to the recipe.
func TestSeries(t *testing.T) {
	requirePatch(t)
	deb := makeTar(t, dir("debian/"), dir("debian/patches/"),
		file("debian/patches/series", "# comment\n02-more.patch\n\n03-p0.patch -p0\n"),
		file("debian/patches/02-more.patch", addMore),
		file("debian/patches/03-p0.patch", addMoreP0))
	srv := newServer(t)
	srv.files["/pkg.tar.gz"] = tarball
	srv.files["/deb.tar"] = deb
	r := testRecipe(t,
		recipe.Source{Name: "pkg", URL: srv.URL + "/pkg.tar.gz", SHA256: sum(tarball), StripComponents: 1,
			Patches: []recipe.Patch{{File: "01-world.patch"}, {Series: "deb:debian/patches/series"}}},
		recipe.Source{Name: "deb", URL: srv.URL + "/deb.tar", SHA256: sum(deb)})
	os.WriteFile(filepath.Join(r.Dir(), "01-world.patch"), []byte(addLine), 0o644)
	p, err := Prepare(context.Background(), r, testOptions(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(p.Dirs["pkg"], "README")); got != "hello\nworld\nagain\nand p0\n" {
		t.Errorf("README = %q", got)
	}
	want := []string{"pkg: 01-world.patch", "pkg: deb:debian/patches/02-more.patch", "pkg: deb:debian/patches/03-p0.patch"}
	if !slices.Equal(p.Patches, want) {
		t.Errorf("patches %q, want %q", p.Patches, want)
	}
}

// TestPatchFails: the error names the patch and shows patch's output,
// which names the failed hunk.
func TestPatchFails(t *testing.T) {
	requirePatch(t)
	tests := []struct {
		name    string
		patches []recipe.Patch
		files   map[string]string // next to the recipe; "src/..." is the path source
		want    []string
	}{
		{"hunk fails", []recipe.Patch{{File: "bad.patch"}}, map[string]string{"bad.patch": wrong},
			[]string{`patch "pkg: bad.patch" does not apply`, "Hunk #1 FAILED"}},
		{"applied twice", []recipe.Patch{{File: "p.patch"}, {File: "p.patch"}}, map[string]string{"p.patch": addLine},
			[]string{`patch "pkg: p.patch" does not apply`, "previously applied"}},
		{"from a missing file", []recipe.Patch{{From: "pkg:nope.patch"}}, nil,
			[]string{`patch "pkg: pkg:nope.patch"`, "no such file"}},
		{"series climbing out", []recipe.Patch{{Series: "pkg:series"}}, map[string]string{"src/series": "../../../etc/evil.patch\n"},
			[]string{"series pkg:series", `"../../../etc/evil.patch" climbs out`}},
		{"series with a bad option", []recipe.Patch{{Series: "pkg:series"}}, map[string]string{"src/series": "a.patch -R\n"},
			[]string{`line 1: option "-R": only -pN is supported`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRecipe(t, recipe.Source{Name: "pkg", Path: "src", Patches: tt.patches})
			os.MkdirAll(filepath.Join(r.Dir(), "src"), 0o755)
			os.WriteFile(filepath.Join(r.Dir(), "src", "README"), []byte("hello\n"), 0o644)
			for n, body := range tt.files {
				os.WriteFile(filepath.Join(r.Dir(), n), []byte(body), 0o644)
			}
			work := t.TempDir()
			_, err := Prepare(context.Background(), r, testOptions(t), work)
			if err == nil {
				t.Fatal("patching succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if errs.Code(err) != errs.ExitUsage {
				t.Errorf("exit code %d, want usage", errs.Code(err))
			}
			if _, err := os.Stat(filepath.Join(work, "pkg", "README.rej")); err == nil {
				t.Error("patch left a .rej file in the source")
			}
		})
	}
}
