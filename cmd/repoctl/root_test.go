package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/internal/errs"
)

// runCLI runs the command line in-process and returns exit code, stdout, stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	app := newApp(&out, &errb)
	root := newRootCmd(app)
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	err := root.ExecuteContext(context.Background())
	code := errs.Code(err)
	if err != nil && isCobraUsageError(err) {
		code = errs.ExitUsage
	}
	if err != nil {
		errb.WriteString(err.Error())
	}
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"version", []string{"version"}, 0, "repoctl"},
		{"version json", []string{"--json", "version"}, 0, `"go":`},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"unknown flag", []string{"version", "--nope"}, 2, "unknown flag"},
		{"missing config", []string{"--config", filepath.Join(dir, "absent.yaml"), "version"}, 2, "absent.yaml"},
		{"completion bash", []string{"completion", "bash"}, 0, "bash completion"},
		{"completion bad shell", []string{"completion", "tcsh"}, 2, "tcsh"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, c.code, errOut)
			}
			if !strings.Contains(out+errOut, c.want) {
				t.Errorf("output does not contain %q: %q %q", c.want, out, errOut)
			}
		})
	}
}

func TestStateDirNotWritable(t *testing.T) {
	parent := t.TempDir()
	blocker := filepath.Join(parent, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	app := &App{State: filepath.Join(blocker, "state")}
	_, err := app.StateDir()
	if errs.Code(err) != errs.ExitUsage || !strings.Contains(err.Error(), blocker) {
		t.Fatalf("want a usage error naming %s, got %v", blocker, err)
	}
}
