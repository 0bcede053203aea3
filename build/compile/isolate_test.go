package compile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/repoctl/repoctl/build/recipe"
)

// probeRecipe is a tiny project whose configure records who runs it, with
// which environment, and whether it could write outside its tree.
func probeRecipe(t *testing.T, dir string) *recipe.Recipe {
	t.Helper()
	src := filepath.Join(dir, "probe")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"configure": "#!/bin/sh\nset -e\n{ echo uid=$(id -u); env | sort; } > info.txt\n" +
			"if touch " + filepath.Join(dir, "escaped") + " 2>/dev/null; then echo ESCAPED >> info.txt; fi\n",
		"Makefile": "all:\n\tcp info.txt out.txt\ninstall:\n\tmkdir -p $(DESTDIR)/opt/probe\n\tcp out.txt $(DESTDIR)/opt/probe/info.txt\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "probe.yaml")
	body := fmt.Sprintf("name: probe\nversion: \"1.0\"\nrevision: 1\nbuild-depends: [make]\nsources:\n  - name: probe\n    path: %s\nbuild:\n  hardening: false\n  env:\n    FROM_RECIPE: \"yes\"\npackage:\n  name: probe\n  maintainer: Test <test@example.com>\n  description: test\n  prefix: /opt/probe\n", src)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := recipe.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestIsolatedBuilds: a host build (as root) and a build
// in a suite root both run the recipe's code as an unprivileged user,
// without repoctl's secrets in the environment (the recipe's env is
// there), unable to write outside the build tree, and the staged files
// come back owned by root.
func TestIsolatedBuilds(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("isolation changes user only as root")
	}
	for _, tc := range []struct {
		name string
		opts func(*testing.T) Options
	}{
		{"host", func(*testing.T) Options { return Options{} }},
		{"trixie-root", func(t *testing.T) Options { return Options{Suite: "trixie", Roots: needRoots(t, "trixie")} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts(t)
			dir := t.TempDir()
			if err := os.Chmod(dir, 0o711); err != nil { // the build user must get through to its tree
				t.Fatal(err)
			}
			r := probeRecipe(t, dir)
			t.Setenv("REPOCTL_SIGNING_PASSPHRASE", "secret-passphrase")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "secret-aws-key")
			o.StateDir = filepath.Join(dir, "state")
			res, err := Build(context.Background(), r, o)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(res.StagingDir, "opt/probe/info.txt")
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			info := string(data)
			if strings.Contains(info, "uid=0\n") || !strings.Contains(info, "FROM_RECIPE=yes") {
				t.Errorf("configure ran as root or without the recipe's env:\n%s", info)
			}
			for _, bad := range []string{"secret-passphrase", "secret-aws-key", "REPOCTL_", "AWS_", "ESCAPED"} {
				if strings.Contains(info, bad) {
					t.Errorf("the build saw or did %s:\n%s", bad, info)
				}
			}
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if sys := st.Sys().(*syscall.Stat_t); sys.Uid != 0 {
				t.Errorf("%s is owned by uid %d, want root", p, sys.Uid)
			}
		})
	}
}
