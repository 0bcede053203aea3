package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/repoctl/repoctl/internal/errs"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfigErrors(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string // substrings of the error
	}{
		{"unknown key", "target: file:///x\nbogus: 1\n", []string{"repoctl.yaml", "line 2", "bogus"}},
		{"wrong type", "jobs: many\n", []string{"repoctl.yaml", "line 1", "many"}},
		{"bad duration", "grace: soon\n", []string{"line 1", "soon"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, "repoctl.yaml", c.body)
			_, err := LoadConfig(p, true, nil)
			if err == nil {
				t.Fatal("want an error")
			}
			if errs.Code(err) != errs.ExitUsage {
				t.Errorf("exit code %d, want %d", errs.Code(err), errs.ExitUsage)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	if _, err := LoadConfig(missing, true, nil); errs.Code(err) != errs.ExitUsage {
		t.Errorf("named missing config: got %v, want a usage error", err)
	}
	cfg, err := LoadConfig(missing, false, nil)
	if err != nil {
		t.Fatalf("default config path missing must be fine: %v", err)
	}
	if cfg.Target != DefaultConfig().Target {
		t.Errorf("defaults not applied: %+v", cfg)
	}
}

func TestLoadConfigFileThenEnv(t *testing.T) {
	p := writeFile(t, "repoctl.yaml", "target: s3://bucket/apt\njobs: 4\ngrace: 2h\nsuites: [bookworm]\npath-style: true\n")
	env := []string{"REPOCTL_JOBS=8", "REPOCTL_SUITES=bookworm, trixie", "HOME=/root", "REPOCTL_LOCK_TIMEOUT=30s"}
	cfg, err := LoadConfig(p, true, env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Target != "s3://bucket/apt" || !cfg.PathStyle || cfg.Grace != 2*time.Hour {
		t.Errorf("file values not read: %+v", cfg)
	}
	if cfg.Jobs != 8 {
		t.Errorf("REPOCTL_JOBS did not override the file: jobs=%d", cfg.Jobs)
	}
	if strings.Join(cfg.Suites, ",") != "bookworm,trixie" {
		t.Errorf("suites = %q", cfg.Suites)
	}
	if cfg.LockTimeout != 30*time.Second {
		t.Errorf("lock-timeout = %v", cfg.LockTimeout)
	}
	if cfg.Keep != DefaultConfig().Keep {
		t.Errorf("unset key lost its default: keep=%d", cfg.Keep)
	}
}

func TestLoadConfigBadEnv(t *testing.T) {
	_, err := LoadConfig(filepath.Join(t.TempDir(), "none.yaml"), false, []string{"REPOCTL_JOBS=lots"})
	if err == nil || !strings.Contains(err.Error(), "REPOCTL_JOBS") {
		t.Fatalf("want an error naming REPOCTL_JOBS, got %v", err)
	}
}
