package harness

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func fleetForTest(t *testing.T) *FleetRoot {
	skipShortWithoutImage(t)
	return Fleet(t, "")
}

// skipShortWithoutImage skips under -short when the fleet image is not
// cached yet: building it runs debootstrap (~30 s); using it takes 0.2 s.
func skipShortWithoutImage(t *testing.T) {
	if !testing.Short() {
		return
	}
	_, suite, err1 := hostMirror("")
	arch, err2 := hostArch()
	if err1 != nil || err2 != nil {
		t.Skip("-short: no fleet image can be located")
	}
	if _, err := os.Stat(filepath.Join(CacheDir(), "fleet", suite+"-"+arch+".tar")); err != nil {
		t.Skip("-short: the fleet image is not cached and building it runs debootstrap")
	}
}

// aptProblems are apt's warning and error lines: apt-get update exits 0
// when a source fails (FACTS §5).
var aptProblems = regexp.MustCompile(`(?m)^(W|E): .*$`)

func TestFleetInstallsFromSignedRepo(t *testing.T) {
	f := fleetForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if data, err := f.ReadFile("/etc/apt/sources.list"); err == nil && len(strings.TrimSpace(string(data))) > 0 {
		t.Fatalf("fleet root must start with no apt sources, has:\n%s", data)
	}
	repo := newTestRepo(t, "harness", f.Arch)
	srv := httptest.NewServer(http.FileServer(http.Dir(repo.Dir)))
	defer srv.Close()
	repo.install(t, f, srv.URL)
	out, err := f.Run(ctx, "apt-get", "update")
	if err != nil {
		t.Fatal(err)
	}
	if p := aptProblems.FindAllString(out, -1); len(p) > 0 {
		t.Fatalf("apt-get update of a good signed repo warned: %q\n%s", p, out)
	}
	if out, err = f.Run(ctx, "apt-get", "install", "-y", testPkg); err != nil {
		t.Fatal(err)
	}
	got, err := f.ReadFile("/usr/share/" + testPkg + "/hello.txt")
	if err != nil || string(got) != "hello from the harness\n" {
		t.Fatalf("installed file = %q, %v\n%s", got, err, out)
	}
	if out, err := f.Shell(ctx, "dpkg-query -W -f '${Status} ${Version}' "+testPkg); err != nil || out != "install ok installed 1.0-1" {
		t.Errorf("dpkg-query = %q, %v", out, err)
	}
}

func TestFleetRejectsTamperedInRelease(t *testing.T) {
	f := fleetForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	repo := newTestRepo(t, "harness", f.Arch)
	repo.tamper(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(repo.Dir)))
	defer srv.Close()
	repo.install(t, f, srv.URL)
	out, _ := f.Run(ctx, "apt-get", "update")
	if p := aptProblems.FindAllString(out, -1); len(p) == 0 || !strings.Contains(out, "BADSIG") {
		t.Fatalf("apt-get update of a tampered InRelease printed no W:/E: line with BADSIG:\n%s", out)
	}
	if _, err := f.Run(ctx, "apt-get", "install", "-y", testPkg); err == nil {
		t.Fatal("apt-get install succeeded from a repository with a bad signature")
	}
}

// TestFleetCleanup checks that a root's daemons are killed and its mounts
// and files removed when its test ends.
func TestFleetCleanup(t *testing.T) {
	skipShortWithoutImage(t)
	RequireRoot(t) // as Fleet does, so the subtest cannot skip alone
	var dir string
	var pid int
	t.Run("root", func(t *testing.T) {
		f := fleetForTest(t)
		dir = f.Dir
		// A daemon as a test would leave it: detached, its own session.
		out, err := f.Shell(context.Background(), "setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $!")
		if err != nil {
			t.Fatal(err)
		}
		if pid, err = strconv.Atoi(strings.TrimSpace(out)); err != nil {
			t.Fatalf("pid %q: %v", out, err)
		}
		if len(mountsUnder(dir)) < 3 || len(rootProcs(dir)) == 0 {
			t.Fatalf("want /proc, /dev/pts, /dev/shm mounted and sleep running; mounts %q, procs %v",
				mountsUnder(dir), rootProcs(dir))
		}
	})
	if dir == "" {
		t.Fatal("the subtest made no fleet root")
	}
	if m := mountsUnder(dir); len(m) > 0 {
		t.Errorf("mounts left after cleanup: %q", m)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("root %s not removed: %v", dir, err)
	}
	if stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil && !strings.Contains(string(stat), ") Z ") {
		t.Errorf("daemon %d still running after cleanup: %s", pid, stat)
	}
}

func TestFleetUseHostSources(t *testing.T) {
	f := fleetForTest(t)
	f.UseHostSources()
	host, _ := os.ReadFile("/etc/apt/sources.list.d/debian.sources")
	got, err := f.ReadFile("/etc/apt/sources.list.d/debian.sources")
	if len(host) > 0 && (err != nil || string(got) != string(host)) {
		t.Errorf("root's debian.sources = %q, %v; want the host's", got, err)
	}
	if _, err := f.Run(context.Background(), "apt-get", "--print-uris", "-qq", "update"); err != nil {
		t.Errorf("apt-get --print-uris update with the host's sources: %v", err)
	}
}

func TestFleetRunDoesNotWaitForDaemons(t *testing.T) {
	f := fleetForTest(t)
	start := time.Now()
	// The background sleep inherits the output pipe and keeps it open.
	out, err := f.Shell(context.Background(), "sleep 300 & echo started")
	if err != nil || strings.TrimSpace(out) != "started" {
		t.Fatalf("Shell = %q, %v", out, err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("Run waited %s for a daemon holding its output", d)
	}
	if _, err := f.Run(context.Background(), "no-such-command"); err == nil || !strings.Contains(err.Error(), "not found in the root") {
		t.Errorf("Run of a missing command: %v", err)
	}
}

func TestSweepStaleRoots(t *testing.T) {
	RequireRoot(t)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", fleetPrefix, dead.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	dir, _ = filepath.EvalSymlinks(dir)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeRoot(dir) })
	sweepStaleRoots()
	if m := mountsUnder(dir); len(m) > 0 {
		t.Errorf("mounts of a dead binary's root left: %q", m)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("dead binary's root %s not removed: %v", dir, err)
	}
}
