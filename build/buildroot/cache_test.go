package buildroot

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestLockExcludes: while one holder has the exclusive lock, another
// (exclusive or shared) waits, and gives up with ctx; shared locks mix.
func TestLockExcludes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.lock")
	a, err := takeLock(context.Background(), p, syscall.LOCK_EX, nil)
	if err != nil {
		t.Fatal(err)
	}
	waited := false
	for _, how := range []int{syscall.LOCK_EX, syscall.LOCK_SH} {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, err := takeLock(ctx, p, how, func() { waited = true })
		cancel()
		if err == nil {
			t.Fatalf("lock %d taken while another holds it exclusively", how)
		}
	}
	if !waited {
		t.Error("a waiting taker was not told it waits")
	}
	a.release()
	s1, err1 := takeLock(context.Background(), p, syscall.LOCK_SH, nil)
	s2, err2 := takeLock(context.Background(), p, syscall.LOCK_SH, nil)
	if err1 != nil || err2 != nil {
		t.Fatalf("two shared locks: %v %v", err1, err2)
	}
	s1.release()
	s2.release()
}

// TestSweepDeadScratch: the scratch directory of a killed repoctl is
// unmounted and removed; a live process's is left alone.
func TestSweepDeadScratch(t *testing.T) {
	needRoot(t)
	cache := t.TempDir()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(cache, sessionPrefix+strconv.Itoa(cmd.Process.Pid)+"-1")
	live := filepath.Join(cache, sessionPrefix+strconv.Itoa(os.Getpid())+"-2")
	for _, d := range []string{dead, live} {
		if err := os.MkdirAll(filepath.Join(d, "root"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mount("tmpfs", filepath.Join(dead, "root"), "tmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	sweepSessions(cache)
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("dead session %s not removed (%v); mounts: %v", dead, err, mountsUnder(dead))
		unmountTree(dead)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("live session removed: %v", err)
	}
}

// TestRefresh: a root older than MaxAge gets apt-get update and upgrade
// and a new refresh time.
func TestRefresh(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: apt-get update against the mirror")
	}
	r := testRoot(t, "bookworm", "gcc", "libc6-dev", "make")
	before, err := readStamp(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := Ensure(context.Background(), "bookworm", nil, Options{MaxAge: time.Nanosecond, Log: testLog(t)}); err != nil {
		t.Fatal(err)
	}
	after, err := readStamp(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if !after.Refreshed.After(before.Refreshed) || !after.Created.Equal(before.Created) {
		t.Errorf("refresh: stamp went from %+v to %+v", before, after)
	}
	t.Logf("MEASURE refresh (update, dist-upgrade, clean): %s", time.Since(start))
}
