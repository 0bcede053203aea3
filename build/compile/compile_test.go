package compile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/build/source"
)

// fixture is a recipe over testdata/hello (a tiny C project with its own
// configure) in a temporary directory, with a patch file next to it.
type fixture struct {
	dir, recipePath, runLog, state string
}

const helloPatch = `--- a/hello.c
+++ b/hello.c
@@ -7,6 +7,6 @@
 
 int main(void)
 {
-	printf("hello\n");
+	printf("hello, patched\n");
 	return 0;
 }
`

func newFixture(t *testing.T, configure ...string) *fixture {
	t.Helper()
	if _, err := exec.LookPath("cc"); err != nil {
		needTool(t, "cc (build-essential)")
	}
	f := &fixture{dir: t.TempDir()}
	f.state = filepath.Join(f.dir, "state")
	f.runLog = filepath.Join(f.dir, "runs.log")
	f.recipePath = filepath.Join(f.dir, "hello.yaml")
	abs, _ := filepath.Abs("testdata")
	if err := os.WriteFile(filepath.Join(f.dir, "hello.patch"), []byte(helloPatch), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--prefix=/opt/hello"}, configure...)
	body := fmt.Sprintf(`name: hello
version: "1.0"
revision: 1
sources:
  - name: hello
    path: %s/hello
    patches:
      - file: hello.patch
  - name: extra
    path: %s/extra
build:
  hardening: false
  env:
    RUN_LOG: %s
  configure: [%s]
  modules:
    - source: extra
  install:
    - copy: extra:lib
      to: /opt/hello/lualib
    - mkdir: /opt/hello/logs
package:
  name: hello
  maintainer: Test <test@example.com>
  description: test
  prefix: /opt/hello
`, abs, abs, f.runLog, strings.Join(args, ", "))
	if err := os.WriteFile(f.recipePath, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func needTool(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required (CI=true)", what)
	}
	t.Skipf("%s not installed", what)
}

func (f *fixture) load(t *testing.T) *recipe.Recipe {
	t.Helper()
	r, err := recipe.Load(f.recipePath)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) options() Options {
	return Options{StateDir: f.state, Jobs: 2, Suite: "bookworm", HostAsCaller: true, // configure writes RUN_LOG outside its tree
		Source: source.Options{CacheDir: filepath.Join(f.dir, "cache")}}
}

func (f *fixture) runs(t *testing.T) int {
	data, err := os.ReadFile(f.runLog)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(data), "configure\n")
}

func TestBuildStagesAndCaches(t *testing.T) {
	f := newFixture(t)
	r := f.load(t)
	res, err := Build(context.Background(), r, f.options())
	if err != nil {
		t.Fatal(err)
	}
	if res.Cached {
		t.Error("first build reported as cached")
	}
	out, err := exec.Command(filepath.Join(res.StagingDir, "opt/hello/bin/hello")).Output()
	if err != nil || string(out) != "hello, patched\n" {
		t.Errorf("staged binary printed %q, %v: want the patched greeting", out, err)
	}
	for _, p := range []string{"opt/hello/lualib/a.lua", "opt/hello/lualib/sub/b.lua", "opt/hello/logs"} {
		if _, err := os.Stat(filepath.Join(res.StagingDir, p)); err != nil {
			t.Errorf("install steps: %v", err)
		}
	}
	mods, _ := os.ReadFile(filepath.Join(res.StagingDir, "opt/hello/modules.txt"))
	if want := filepath.Join(f.state, "builds", res.Key, "src", "extra"); strings.TrimSpace(string(mods)) != want {
		t.Errorf("--add-module got %q, want the absolute module dir %q", mods, want)
	}
	checkProvenance(t, res, r)
	logs, _ := filepath.Glob(filepath.Join(res.LogDir, "*.log"))
	if len(logs) != 5 {
		t.Errorf("want 5 step logs (prepare, configure, make, install, install-steps), got %v", logs)
	}

	again, err := Build(context.Background(), r, Options{StateDir: f.state, Jobs: 1, Suite: "bookworm", HostAsCaller: true,
		prepare: func(context.Context, *recipe.Recipe, source.Options, string) (*source.Prepared, error) {
			t.Error("cached build prepared its sources")
			return nil, errors.New("must not be called")
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Cached || again.Key != res.Key || again.StagingDir != res.StagingDir {
		t.Errorf("second build (other -j) not served from the cache: %+v", again)
	}
	if again.Provenance.BuildKey != res.Key || len(again.Provenance.Sources) != 2 {
		t.Errorf("cached build lost its provenance: %+v", again.Provenance)
	}
	if n := f.runs(t); n != 1 {
		t.Errorf("configure ran %d times, want 1", n)
	}
}

func checkProvenance(t *testing.T, res *Result, r *recipe.Recipe) {
	t.Helper()
	p := res.Provenance
	if p.Recipe != "hello" || p.BuildKey != res.Key || len(p.RecipeHash) != 64 || p.Suite != "bookworm" {
		t.Errorf("provenance header: %+v", p)
	}
	if len(p.Patches) != 1 || !strings.Contains(p.Patches[0], "hello.patch") {
		t.Errorf("provenance patches: %q", p.Patches)
	}
	if len(p.Configure) != 2 || p.Configure[0] != "--prefix=/opt/hello" {
		t.Errorf("provenance configure: %q", p.Configure)
	}
	if !strings.HasPrefix(p.Compiler, "cc ") && !strings.Contains(p.Compiler, "gcc") && !strings.Contains(p.Compiler, "clang") {
		t.Errorf("provenance compiler: %q", p.Compiler)
	}
	if p.SourceDateEpoch <= 0 {
		t.Errorf("source date epoch not computed: %d", p.SourceDateEpoch)
	}
}

func TestBuildStepFailures(t *testing.T) {
	cases := []struct {
		name, arg, step string
		inTail          []string
	}{
		{"configure", "--fail", "configure", []string{"the thing is missing", "checking for thing 99"}},
		{"make", "--break-make", "make", []string{"broken on purpose"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.arg)
			_, err := Build(context.Background(), f.load(t), f.options())
			var se *stepError
			if !errors.As(err, &se) {
				t.Fatalf("want a step error, got %v", err)
			}
			msg := err.Error()
			if se.step != c.step || !strings.Contains(msg, "build step "+c.step) {
				t.Errorf("error does not name step %s: %s", c.step, msg)
			}
			if !strings.Contains(msg, se.log) || !strings.HasSuffix(se.log, "-"+c.step+".log") {
				t.Errorf("error does not give the log path: %s", msg)
			}
			for _, w := range c.inTail {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks the log tail line %q:\n%s", w, msg)
				}
			}
			if n := strings.Count(se.tail, "\n") + 1; n > tailLines {
				t.Errorf("tail has %d lines, want at most %d", n, tailLines)
			}
			if strings.Contains(msg, "checking for thing 10 ") {
				t.Errorf("tail is not limited to the last %d lines", tailLines)
			}
			assertNotFinished(t, f)
		})
	}
}

// assertNotFinished checks a failed build left no staging root or marker
// that a later build could take for a finished one.
func assertNotFinished(t *testing.T, f *fixture) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(f.state, "builds", "*", "staging"))
	marks, _ := filepath.Glob(filepath.Join(f.state, "builds", "*", markerFile))
	if len(left) > 0 || len(marks) > 0 {
		t.Errorf("failed build left %v %v", left, marks)
	}
}

func TestBuildInstallStepFailureLeavesNothing(t *testing.T) {
	f := newFixture(t)
	data, _ := os.ReadFile(f.recipePath)
	os.WriteFile(f.recipePath, []byte(strings.Replace(string(data), "copy: extra:lib", "copy: extra:nosuch", 1)), 0o644)
	_, err := Build(context.Background(), f.load(t), f.options())
	var se *stepError
	if !errors.As(err, &se) || se.step != "install-steps" || !strings.Contains(err.Error(), "nosuch") {
		t.Fatalf("want an install-steps error naming the missing path, got %v", err)
	}
	assertNotFinished(t, f)
	if tmp, _ := filepath.Glob(filepath.Join(f.state, "builds", "*", "staging*")); len(tmp) > 0 {
		t.Errorf("temporary staging root left behind: %v", tmp)
	}
}
