package deb

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/build/compile"
	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/internal/progress"
)

// TestBadInput expects a usage error naming the culprit, and nothing at all
// left in the output directory.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(r *recipe.Recipe, b *compile.Result)
		want   string // in the error message
	}{
		{"files glob matches nothing", func(r *recipe.Recipe, _ *compile.Result) {
			r.Package.Files = []recipe.File{{Src: "extra/*.conf", Dst: "/etc/nginx-realtime/conf.d/"}}
		}, `"extra/*.conf" matches no file`},
		{"conffile not shipped", func(r *recipe.Recipe, _ *compile.Result) {
			r.Package.Conffiles = []string{"/etc/nginx-realtime/missing.conf"}
		}, "/etc/nginx-realtime/missing.conf is not a regular file shipped"},
		{"missing staging root", func(_ *recipe.Recipe, b *compile.Result) {
			b.StagingDir = filepath.Join(b.StagingDir, "nope")
		}, "staging/nope does not exist"},
		{"no nginx under the prefix", func(r *recipe.Recipe, _ *compile.Result) {
			r.Package.Prefix = "/usr/local/elsewhere"
		}, "no nginx binary at /usr/local/elsewhere/sbin/nginx"},
		{"version with +", func(r *recipe.Recipe, _ *compile.Result) {
			r.Version = "1.22.1+dfsg"
		}, `version "1.22.1+dfsg"`},
		{"dropping every alternative", func(r *recipe.Recipe, _ *compile.Result) {
			r.Package.DropAlternatives = []string{"zlib1g"}
		}, "drop-alternatives removes every alternative"},
		{"conf-dir outside /etc", func(r *recipe.Recipe, _ *compile.Result) {
			r.Package.ConfDir = "/srv/conf"
		}, "package.conf-dir"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, built := fixture(t)
			tc.break_(r, built)
			out := t.TempDir()
			_, err := Package(context.Background(), r, built, Options{Suite: "bookworm", OutDir: out, Progress: progress.Discard})
			if err == nil {
				t.Fatal("Package succeeded")
			}
			if errs.Code(err) != errs.ExitUsage || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q (exit %d); want exit %d and %q", err, errs.Code(err), errs.ExitUsage, tc.want)
			}
			if left, _ := os.ReadDir(out); len(left) != 0 {
				t.Errorf("output directory not empty after a failure: %v", left)
			}
		})
	}
}

// TestFailureLeavesNothing makes the signer fail after the data and control
// archives exist: the temporary .deb must be removed too.
func TestFailureLeavesNothing(t *testing.T) {
	r, built := fixture(t)
	out := t.TempDir()
	fail := func(io.Reader) ([]byte, error) { return nil, errors.New("signer unavailable") }
	_, err := Package(context.Background(), r, built, Options{Suite: "bookworm", OutDir: out, SignFn: fail})
	if err == nil || !strings.Contains(err.Error(), "signer unavailable") {
		t.Fatalf("error %v; want the signer's", err)
	}
	if left, _ := os.ReadDir(out); len(left) != 0 {
		t.Errorf("output directory not empty after a failure: %v", left)
	}
}
