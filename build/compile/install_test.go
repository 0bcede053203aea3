package compile

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/build/recipe"
)

func TestInstallSteps(t *testing.T) {
	src, staging := t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(src, "lib/resty"), 0o755)
	os.WriteFile(filepath.Join(src, "lib/resty/core.lua"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(src, "tool"), []byte("#!/bin/sh\n"), 0o755)
	os.Symlink("resty/core.lua", filepath.Join(src, "lib/core-link.lua"))
	dirs := map[string]string{"s": src}
	ok := []recipe.InstallStep{
		{Copy: "s:lib", To: "/p/lualib"},
		{Copy: "s:tool", To: "/p/bin/tool"},
		{Mkdir: "/p/logs"},
	}
	if err := installSteps(io.Discard, ok, dirs, staging); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(staging, "p/bin/tool")); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("file copy lost its mode: %v %v", st, err)
	}
	if l, err := os.Readlink(filepath.Join(staging, "p/lualib/core-link.lua")); err != nil || l != "resty/core.lua" {
		t.Errorf("symlink not kept: %q %v", l, err)
	}
	for _, p := range []string{"p/lualib/resty/core.lua", "p/logs"} {
		if _, err := os.Stat(filepath.Join(staging, p)); err != nil {
			t.Error(err)
		}
	}
	bad := [][]recipe.InstallStep{
		{{Copy: "s:../../etc/passwd", To: "/x"}},
		{{Copy: "s:tool", To: "/../../escape"}},
		{{Mkdir: "/../../escape"}},
		{{Copy: "nosuch:lib", To: "/x"}},
	}
	for _, steps := range bad {
		if err := installSteps(io.Discard, steps, dirs, staging); err == nil {
			t.Errorf("%+v: want an error", steps[0])
		}
	}
}

// A copy step whose source became a symlink out of the source tree (the
// build runs as another user and may change its tree) copies nothing.
func TestCopyStepRefusesLinkOut(t *testing.T) {
	src, staging, outside := t.TempDir(), t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(src, "lib")); err != nil {
		t.Fatal(err)
	}
	steps := []recipe.InstallStep{{Copy: "s:lib", To: "/opt/x/lib"}}
	err := installSteps(io.Discard, steps, map[string]string{"s": src}, staging)
	if err == nil || !strings.Contains(err.Error(), "leads out of") {
		t.Fatalf("got %v, want a refusal", err)
	}
	if _, err := os.Stat(filepath.Join(staging, "opt/x/lib/secret")); err == nil {
		t.Error("the file outside the sources was copied")
	}
}
