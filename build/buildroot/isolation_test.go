package buildroot

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const sentinel = "REPOCTL_SIGNING_PASSPHRASE=sentinel-must-not-leak"

// TestRootIsolation: inside a session, the build user cannot write /root,
// read a root-only secret, use a setuid binary, reach the network, or see
// repoctl's environment.
func TestRootIsolation(t *testing.T) {
	t.Setenv("REPOCTL_SIGNING_PASSPHRASE", "sentinel-must-not-leak")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "sentinel-aws")
	s := session(t, testRoot(t, "bookworm", "gcc", "libc6-dev", "make"))
	if err := os.WriteFile(s.Path("/secret.key"), []byte("PRIVATE"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := s.RunAsRoot(context.Background(), "/", nil, &out, "/bin/sh", "-c",
		"cp /usr/bin/id /usr/local/bin/suid-id && chmod 4755 /usr/local/bin/suid-id")
	if err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	denied := map[string]string{
		"write /root":        "echo x > /root/pwn",
		"read a 0600 secret": "cat /secret.key",
		"write /etc":         "echo x >> /etc/passwd",
	}
	for what, script := range denied {
		got, err := run(t, s, script)
		if err == nil || !strings.Contains(got, "Permission denied") {
			t.Errorf("%s: the build user could (%q, %v)", what, got, err)
		}
	}
	expect(t, s, "id -u", "64000")
	expect(t, s, "/usr/local/bin/suid-id -u", "64000") // nosuid: not 0
	expect(t, s, "grep -c : /proc/net/dev", "1")       // only lo: no network
	env, _ := run(t, s, "env")
	for _, leak := range []string{"sentinel", "AWS_"} {
		if strings.Contains(env, leak) {
			t.Errorf("the build's environment has %q:\n%s", leak, env)
		}
	}
	expect(t, s, "echo $HOME", BuildHome)
	// hidepid: the shell sees no process of another user (init, repoctl,
	// the host); other builds running as the build user may be visible.
	expect(t, s, `n=0; for p in /proc/[0-9]*; do [ "$(stat -c %u "$p")" = 64000 ] || n=$((n+1)); done; echo $n`, "0")
	expect(t, s, "test -e /proc/1 && echo visible || echo hidden", "hidden")
}

func expect(t *testing.T, s *Root, script, want string) {
	t.Helper()
	got, err := run(t, s, script)
	if err != nil || strings.TrimSpace(got) != want {
		t.Errorf("%s: got %q (%v), want %q", script, got, err, want)
	}
}

// TestRunNilEnvIsEmpty: a nil env means empty, not repoctl's.
func TestRunNilEnvIsEmpty(t *testing.T) {
	t.Setenv("REPOCTL_SIGNING_PASSPHRASE", "sentinel-must-not-leak")
	s := session(t, testRoot(t, "bookworm", "gcc", "libc6-dev", "make"))
	var out bytes.Buffer
	if err := s.Run(context.Background(), "/", nil, &out, "/usr/bin/env"); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("env with a nil environment printed:\n%s", out.String())
	}
}

// TestCancelKillsGroup: cancelling kills the command's children too. If
// only the shell died, its sleeping children would hold the output pipe
// and Run would return only after WaitDelay (5 s).
func TestCancelKillsGroup(t *testing.T) {
	s := session(t, testRoot(t, "bookworm", "gcc", "libc6-dev", "make"))
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	var out bytes.Buffer
	err := s.Run(ctx, "/", s.Env(), &out, "/bin/sh", "-c", "sleep 300 & sleep 300 & wait")
	took := time.Since(start)
	if err == nil {
		t.Fatal("a cancelled command returned no error")
	}
	if took > 3*time.Second {
		t.Errorf("Run returned %s after the cancel: the process group was not killed", took)
	}
	if pids := rootProcs(s.Dir); len(pids) > 0 {
		t.Errorf("processes still running in the root: %v", pids)
	}
	noMountsBelow(t, s.Dir)
}

// TestFailedRunUnmounts: a failing command, on a session or on the cached
// root itself, leaves nothing mounted.
func TestFailedRunUnmounts(t *testing.T) {
	r := testRoot(t, "bookworm", "gcc", "libc6-dev", "make")
	s := session(t, r)
	if _, err := run(t, s, "exit 3"); err == nil {
		t.Error("exit 3: no error")
	}
	noMountsBelow(t, s.Dir)
	if err := r.Run(context.Background(), "/", r.Env(), nil, "/bin/false"); err == nil {
		t.Error("false: no error")
	}
	if left := mountsUnder(r.Dir); len(left) > 0 {
		t.Errorf("mounts left on the cached root: %v", left)
	}
	if err := r.Run(context.Background(), "/", r.Env(), nil, "no-such-command"); err == nil {
		t.Error("a missing command: no error")
	}
}

// TestMissingDepIsUsage: a package the suite lacks is named, with the
// suite, as a usage error.
func TestMissingDepIsUsage(t *testing.T) {
	testRoot(t, "bookworm", "gcc", "libc6-dev", "make")
	_, err := Ensure(context.Background(), "bookworm", []string{"make", "no-such-package-xyz", "libnosuch-dev"}, Options{})
	if err == nil {
		t.Fatal("no error for packages that do not exist")
	}
	for _, want := range []string{"no-such-package-xyz", "libnosuch-dev", "bookworm"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
	if code := errsCode(err); code != 2 {
		t.Errorf("exit code %d, want 2 (usage): %v", code, err)
	}
}

// TestHostIsolation: on the host, RunIsolated's user writes only its own
// tree: not /root, not a fake state directory, and cannot read a 0600
// signing key there; nor does it see repoctl's environment.
func TestHostIsolation(t *testing.T) {
	needRoot(t)
	t.Setenv("REPOCTL_SIGNING_PASSPHRASE", "sentinel-must-not-leak")
	h, err := LookupHostUser(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	base := openTempDir(t)
	mustWrite(t, base+"/state/keys/secret.asc", "PRIVATE KEY", 0o600)
	os.Chmod(base+"/state/keys", 0o755) // even readable dirs do not help
	tree := base + "/build"
	mustWrite(t, tree+"/Makefile", "all:\n\techo built > out\n", 0o644)
	if err := h.Own(tree); err != nil {
		t.Fatal(err)
	}
	hrun := func(script string) (string, error) {
		var out bytes.Buffer
		err := h.Run(context.Background(), tree, h.Env(tree), &out, "sh", "-c", script)
		return out.String(), err
	}
	if out, err := hrun("make && cat out && id -u"); err != nil || !strings.Contains(out, "built") || strings.HasSuffix(strings.TrimSpace(out), "\n0") {
		t.Fatalf("building in its own tree: %q, %v", out, err)
	}
	for _, script := range []string{"echo x > /root/pwn", "cat " + base + "/state/keys/secret.asc", "echo x > " + base + "/state/keys/new"} {
		if out, err := hrun(script); err == nil || !strings.Contains(out, "Permission denied") {
			t.Errorf("%s: the build user could (%q, %v)", script, out, err)
		}
	}
	if out, _ := hrun("env"); strings.Contains(out, "sentinel") {
		t.Errorf("environment leaked: %s", out)
	}
}

// TestHostCancelKillsGroup is TestCancelKillsGroup on the host.
func TestHostCancelKillsGroup(t *testing.T) {
	needRoot(t)
	h, err := LookupHostUser(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	var out bytes.Buffer
	err = h.Run(ctx, "/", h.Env("/"), &out, "sh", "-c", "sleep 300 & sleep 300 & wait")
	if err == nil || time.Since(start) > 3*time.Second {
		t.Errorf("cancel: err %v after %s: want an error well before WaitDelay", err, time.Since(start))
	}
	// SIGKILL is sent to the group at once; their exit takes a moment.
	// Zombies (dead, not yet reaped by init) do not count.
	deadline := time.Now().Add(2 * time.Second)
	for {
		out, _ := exec.Command("pgrep", "-r", "R,S,D,T", "-u", h.Name, "-x", "sleep").Output()
		if len(out) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("sleep still running as %s 2 s after the cancel: %s", h.Name, out)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestUnknownSuiteIsUsage: a suite the host's mirror does not have is a
// usage error naming it, found before any debootstrap.
func TestUnknownSuiteIsUsage(t *testing.T) {
	needRoot(t)
	_, err := Ensure(context.Background(), "nosuchsuite", []string{"make"}, Options{CacheDir: t.TempDir()})
	if errsCode(err) != 2 || !strings.Contains(err.Error(), `"nosuchsuite"`) {
		t.Errorf("Ensure(nosuchsuite) = %v, want a usage error naming the suite", err)
	}
}
