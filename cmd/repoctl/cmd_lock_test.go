package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/repoctl/repoctl/publish"
)

func TestLockCmd(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, "target: file://"+dir+"\n")
	code, out, errOut := runCLI(t, "--config", cfg, "lock", "status")
	if code != 0 || !strings.Contains(out, "unlocked") {
		t.Fatalf("status: exit %d, %q %q", code, out, errOut)
	}
	tg, err := publish.OpenTarget(context.Background(), "file://"+dir, publish.TargetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	held, err := publish.AcquireLock(context.Background(), tg, publish.LockOptions{Owner: "ci-job-7", TTL: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	code, out, _ = runCLI(t, "--config", cfg, "lock", "status")
	if code != 0 || !strings.Contains(out, "ci-job-7") || !strings.Contains(out, "STALE") {
		t.Fatalf("status of a stale lock: exit %d, %q", code, out)
	}
	code, out, errOut = runCLI(t, "--config", cfg, "lock", "break", "--id", "other")
	if code == 0 {
		t.Fatalf("break --id other: exit 0, %q", out)
	}
	code, out, errOut = runCLI(t, "--config", cfg, "lock", "break", "--id", held.Info().ID)
	if code != 0 || !strings.Contains(out, "broke the lock of ci-job-7") {
		t.Fatalf("break: exit %d, %q %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, "--config", cfg, "--json", "lock", "status")
	if code != 0 || strings.TrimSpace(out) != `{"locked":false}` {
		t.Fatalf("status --json after break: exit %d, %q", code, out)
	}
}
