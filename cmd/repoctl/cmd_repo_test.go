package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/repo"
)

// repoTestDeb builds a real .deb with dpkg-deb.
func repoTestDeb(t *testing.T, dir, name, version, payload string) string {
	t.Helper()
	root := filepath.Join(dir, name+"-"+version+"-root")
	control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: amd64\nMaintainer: T <t@example.invalid>\nDescription: test\n", name, version)
	for path, body := range map[string]string{"DEBIAN/control": control, "usr/share/" + name + "/p": payload} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, path), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, name+"_"+version+"_amd64.deb")
	if b, err := exec.Command("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root, out).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb: %v\n%s", err, b)
	}
	return out
}

func TestRepoAndSnapshotCommands(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	cfg := writeConfig(t, "suites: [bookworm, trixie]\n")
	cli := func(args ...string) (int, string, string) {
		return runCLI(t, append([]string{"--config", cfg, "--state", state}, args...)...)
	}
	v1 := repoTestDeb(t, dir, "hello", "1.0-1", "1")
	v2 := repoTestDeb(t, dir, "hello", "2.0-1", "2")

	if code, out, errOut := cli("repo", "add", v1); code != 0 || !strings.Contains(out, "added hello 1.0-1 amd64 to bookworm") {
		t.Fatalf("repo add: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := cli("repo", "add", v1); code != 0 || !strings.Contains(out, "nothing added") {
		t.Errorf("re-add: exit %d %q", code, out)
	}
	if code, _, errOut := cli("snapshot", "create", "one"); code != 0 {
		t.Fatalf("snapshot create: %d %s", code, errOut)
	}
	if code, _, errOut := cli("snapshot", "create", "one"); code != 2 || !strings.Contains(errOut, "already exists") {
		t.Errorf("duplicate snapshot: exit %d %s", code, errOut)
	}
	// --keep 1 drops 1.0-1 from the repository; snapshot "one" keeps it.
	if code, _, errOut := cli("repo", "add", "--keep", "1", v2); code != 0 {
		t.Fatalf("repo add v2: %d %s", code, errOut)
	}
	code, out, _ := cli("--json", "repo", "list")
	var listed struct {
		Distribution string
		Packages     []repo.Package
	}
	if err := json.Unmarshal([]byte(out), &listed); err != nil || code != 0 {
		t.Fatalf("repo list --json: exit %d %v\n%s", code, err, out)
	}
	if listed.Distribution != "bookworm" || len(listed.Packages) != 1 || listed.Packages[0].Version != "2.0-1" {
		t.Errorf("repo list: %+v", listed)
	}
	if code, _, errOut := cli("repo", "add", v1); code != 2 || !strings.Contains(errOut, "--allow-downgrade") {
		t.Errorf("downgrade: exit %d %s", code, errOut)
	}
	if code, _, errOut := cli("snapshot", "create", "two"); code != 0 {
		t.Fatalf("snapshot create two: %d %s", code, errOut)
	}
	if code, out, _ := cli("snapshot", "diff", "one", "two"); code != 0 || !strings.Contains(out, "~ hello 1.0-1 -> 2.0-1 amd64") {
		t.Errorf("snapshot diff: exit %d %q", code, out)
	}
	code, out, _ = cli("--json", "snapshot", "list")
	var snaps []repo.Snapshot
	if err := json.Unmarshal([]byte(out), &snaps); err != nil || code != 0 || len(snaps) != 2 || snaps[0].Name != "one" {
		t.Errorf("snapshot list --json: exit %d %v %s", code, err, out)
	}
	if code, out, _ := cli("snapshot", "list", "--dist", "trixie"); code != 0 || strings.Contains(out, "one") {
		t.Errorf("trixie snapshot list: exit %d %q", code, out)
	}
	if code, _, errOut := cli("snapshot", "diff", "one", "nope"); code != 2 || !strings.Contains(errOut, "nope") {
		t.Errorf("diff with a missing snapshot: exit %d %s", code, errOut)
	}
	if code, out, errOut := cli("snapshot", "drop", "one"); code != 0 || !strings.Contains(out, "freed 1 pool files") {
		t.Errorf("snapshot drop: exit %d %q %s", code, out, errOut)
	}
	if code, _, _ := cli("snapshot", "drop", "one"); code != 2 {
		t.Errorf("dropping a missing snapshot: exit %d, want 2", code)
	}
	bad := filepath.Join(dir, "bad.deb")
	os.WriteFile(bad, []byte("junk"), 0o644)
	if code, _, errOut := cli("repo", "add", bad); code != 2 || !strings.Contains(errOut, bad) {
		t.Errorf("corrupt deb: exit %d %s", code, errOut)
	}
}

func TestRepoCommandUsage(t *testing.T) {
	cfg := writeConfig(t, "suites: [bookworm]\n")
	state := t.TempDir()
	for _, args := range [][]string{
		{"repo", "add"},
		{"repo", "add", "x.deb", "--dist", "bad/dist"},
		{"repo", "add", "x.deb", "--keep", "-1"},
		{"snapshot", "diff", "a"},
		{"snapshot", "create", "a", "b"},
	} {
		code, _, errOut := runCLI(t, append([]string{"--config", cfg, "--state", state}, args...)...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut)
		}
	}
}
