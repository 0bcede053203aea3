package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/build/compile"
)

// tinyProject writes a one-file C project with a configure script and a
// recipe building it; it returns the recipe path.
func tinyProject(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("cc"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("cc is required (CI=true)")
		}
		t.Skip("cc not installed")
	}
	dir := t.TempDir()
	files := map[string]string{
		"src/configure": "#!/bin/sh\nfor a; do case $a in --prefix=*) echo \"PREFIX=${a#--prefix=}\" > config.mk;; esac; done\n",
		"src/Makefile":  "include config.mk\nhi: hi.c\n\t$(CC) -o hi hi.c\ninstall: hi\n\tmkdir -p $(DESTDIR)$(PREFIX)/bin && cp hi $(DESTDIR)$(PREFIX)/bin/\n",
		"src/hi.c":      "int main(void) { return 0; }\n",
		"tiny.yaml": "name: tiny\nversion: \"1\"\nrevision: 1\nsources:\n  - name: tiny\n    path: src\n" +
			"build:\n  hardening: false\n  configure: [--prefix=/opt/tiny]\n" +
			"package:\n  name: tiny\n  maintainer: T <t@example.com>\n  description: tiny\n  prefix: /opt/tiny\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "tiny.yaml")
}

func TestBuildCommand(t *testing.T) {
	recipePath := tinyProject(t)
	state := filepath.Join(t.TempDir(), "state")
	cfg := emptyConfig(t)
	code, out, errOut := runCLI(t, "--config", cfg, "--state", state, "build", "--recipe", recipePath, "--make-jobs", "1")
	if code != 0 || !strings.Contains(out, "staging root: "+filepath.Join(state, "builds")) || strings.Contains(out, "cached") {
		t.Fatalf("first build: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "--config", cfg, "--state", state, "--json", "build", "--recipe", recipePath)
	var res compile.Result
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("json build: exit %d\n%s\n%s", code, out, errOut)
	}
	if !res.Cached || res.Provenance.Recipe != "tiny" {
		t.Errorf("second build not cached or without provenance: %+v", res)
	}
	if _, err := os.Stat(filepath.Join(res.StagingDir, "opt/tiny/bin/hi")); err != nil {
		t.Errorf("staged binary: %v", err)
	}
	code, out, _ = runCLI(t, "--config", cfg, "--state", state, "build", "--recipe", recipePath, "--rebuild")
	if code != 0 || strings.Contains(out, "cached") {
		t.Errorf("--rebuild did not compile: exit %d %s", code, out)
	}
}

func TestBuildCommandBadRecipe(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "absent.yaml")
	code, _, errOut := runCLI(t, "--config", emptyConfig(t), "--state", t.TempDir(), "build", "--recipe", missing)
	if code != 2 || !strings.Contains(errOut, "absent.yaml") {
		t.Errorf("missing recipe: exit %d, %q; want 2 naming the file", code, errOut)
	}
}

// emptyConfig is a config file with only the defaults, so the developer's
// ./repoctl.yaml does not leak into the test.
func emptyConfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "repoctl.yaml")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
