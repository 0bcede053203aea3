package repo

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAptReadsRenderedTree points a real apt (private state, no system
// change) at a rendered tree with Signed-By and By-Hash forced on: the
// tree is accepted only if signatures, Release hashes and by-hash files
// all agree; then apt downloads a package and checks its hash.
func TestAptReadsRenderedTree(t *testing.T) {
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("apt-get not installed")
	}
	r := openTest(t)
	s := addAndSnapshot(t, r, "bookworm", 2)
	signer := testSigner(t)
	out := t.TempDir()
	if err := r.Render(context.Background(), s.Name, RenderOptions{Architectures: []string{"amd64"}, Signer: signer}, out); err != nil {
		t.Fatal(err)
	}
	aptDir := t.TempDir()
	for _, d := range []string{"state/lists/partial", "cache/archives/partial", "parts", "prefs", "dl"} {
		os.MkdirAll(filepath.Join(aptDir, d), 0o755)
	}
	sources := filepath.Join(aptDir, "repoctl.sources")
	mustWrite(t, sources, "Types: deb\nURIs: file://"+out+"\nSuites: bookworm\nComponents: main\nArchitectures: amd64\nSigned-By: "+signer.keyring+"\nBy-Hash: force\n")
	apt := func(args ...string) (string, error) {
		opts := []string{"-o", "Dir::State=" + aptDir + "/state", "-o", "Dir::Cache=" + aptDir + "/cache",
			"-o", "Dir::Etc::SourceList=/dev/null", "-o", "Dir::Etc::SourceParts=" + aptDir + "/parts",
			"-o", "Dir::Etc::Preferences=/dev/null", "-o", "Dir::Etc::PreferencesParts=" + aptDir + "/prefs",
			"-o", "APT::Architecture=amd64", "-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=root"}
		cmd := exec.Command("apt-get", append(opts, args...)...)
		cmd.Dir = aptDir + "/dl"
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	os.Rename(sources, filepath.Join(aptDir, "parts", "repoctl.sources"))
	update := func() (string, error) {
		got, err := apt("update", "-o", "APT::Update::Error-Mode=any")
		if err == nil && (strings.Contains(got, "W:") || strings.Contains(got, "E:")) {
			err = errors.New("warnings")
		}
		return got, err
	}
	if got, err := update(); err != nil {
		t.Fatalf("apt-get update: %v\n%s", err, got)
	}
	if got, err := apt("download", "pkg1"); err != nil {
		t.Fatalf("apt-get download: %v\n%s", err, got)
	}
	if _, err := os.Stat(filepath.Join(aptDir, "dl", "pkg1_1.0-1~bookworm1_amd64.deb")); err != nil {
		t.Errorf("apt-get download: %v", err)
	}
	// The same apt refuses a tampered InRelease: the check above means something.
	inRelease := filepath.Join(out, "dists/bookworm/InRelease")
	b, _ := os.ReadFile(inRelease)
	os.WriteFile(inRelease, []byte(strings.Replace(string(b), "Suite: bookworm", "Suite: bookworn", 1)), 0o644)
	os.RemoveAll(filepath.Join(aptDir, "state/lists"))
	os.MkdirAll(filepath.Join(aptDir, "state/lists/partial"), 0o755)
	if got, err := update(); err == nil {
		t.Errorf("apt-get update accepted a tampered InRelease:\n%s", got)
	}
}
