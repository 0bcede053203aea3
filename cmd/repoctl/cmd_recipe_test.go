package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/internal/errs"
)

func TestRecipeCheck(t *testing.T) {
	fixtures := filepath.Join("..", "..", "testdata", "recipes")
	good := filepath.Join(fixtures, "good.yaml")
	bad := filepath.Join(fixtures, "bad-sources.yaml")
	tests := []struct {
		name    string
		args    []string
		code    int
		wantOut []string
	}{
		{"good", []string{"recipe", "check", good}, errs.ExitOK, []string{"ok " + good}},
		{"production recipe", []string{"recipe", "check", filepath.Join("..", "..", "recipes", "openresty-realtime.yaml")}, errs.ExitOK, []string{"ok "}},
		{"bad", []string{"recipe", "check", good, bad}, errs.ExitUsage, []string{
			"ok " + good,
			bad + ":8: sources[1].url: \"ftp://example.org/b.tar.gz\": scheme must be https or http",
			bad + ":28: sources[7].sha256: missing",
		}},
		{"missing file", []string{"recipe", "check", "nope.yaml"}, errs.ExitUsage, []string{"nope.yaml: cannot read recipe"}},
		{"no file", []string{"recipe", "check"}, errs.ExitUsage, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, stderr)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestRecipeCheckJSON(t *testing.T) {
	bad := filepath.Join("..", "..", "testdata", "recipes", "bad-refs.yaml")
	code, out, _ := runCLI(t, "recipe", "check", "--json", bad)
	if code != errs.ExitUsage {
		t.Errorf("exit %d, want %d", code, errs.ExitUsage)
	}
	var reports []recipeReport
	if err := json.Unmarshal([]byte(out), &reports); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(reports) != 1 || reports[0].OK || len(reports[0].Problems) != 11 {
		t.Fatalf("reports %+v, want one bad file with 11 problems", reports)
	}
	p := reports[0].Problems[0]
	if p.File != bad || p.Line != 7 || p.Field != "sources[0].subdir" {
		t.Errorf("first problem %+v, want %s line 7 sources[0].subdir", p, bad)
	}
}
