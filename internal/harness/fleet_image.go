package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/repoctl/repoctl/internal/debarchive"
)

// fleetImage returns the cached tarball of a minimal root of suite for
// this machine's architecture, CacheDir()/fleet/<suite>-<arch>.tar,
// building it with debootstrap when it is missing (~30 s here). Delete the
// file to refresh it (new packages from the mirror); nothing else expires it.
func fleetImage(t testing.TB, suite, arch, mirror string) string {
	t.Helper()
	dir := filepath.Join(CacheDir(), "fleet")
	tarball := filepath.Join(dir, suite+"-"+arch+".tar")
	if _, err := os.Stat(tarball); err == nil {
		return tarball
	}
	unlock := lockFile(t, tarball+".lock")
	defer unlock()
	if _, err := os.Stat(tarball); err == nil {
		return tarball // built by another test binary while we waited
	}
	start := time.Now()
	if err := buildFleetImage(dir, tarball, suite, arch, mirror); err != nil {
		t.Fatalf("build fleet image %s: %v", tarball, err)
	}
	took := time.Since(start).Round(100 * time.Millisecond)
	info := fmt.Sprintf("suite: %s\narch: %s\nmirror: %s\nbuilt: %s\ntook: %s\n",
		suite, arch, mirror, time.Now().UTC().Format(time.RFC3339), took)
	os.WriteFile(tarball+".info", []byte(info), 0o644)
	t.Logf("built fleet image %s (debootstrap + tar) in %s", tarball, took)
	return tarball
}

// buildFleetImage debootstraps into a scratch dir next to the tarball and
// writes the tarball under a temporary name first, so a killed build never
// leaves a truncated image behind.
func buildFleetImage(dir, tarball, suite, arch, mirror string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	scratch, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return err
	}
	// debootstrap mounts /proc and /sys in the target and may leave them
	// on failure: never delete through a mount.
	defer removeRoot(scratch)
	root := filepath.Join(scratch, "root")
	out, err := exec.Command("debootstrap", "--variant=minbase", "--arch="+arch, suite, root, mirror).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(root, "debootstrap", "debootstrap.log"))
		return fmt.Errorf("debootstrap %s %s: %v\n%s\n%s", suite, mirror, err, tail(string(out), 15), tail(string(log), 15))
	}
	if err := stripFleetRoot(root); err != nil {
		return err
	}
	part := tarball + ".part"
	if out, err := exec.Command("tar", "--numeric-owner", "-cpf", part, "-C", root, ".").CombinedOutput(); err != nil {
		os.Remove(part)
		return fmt.Errorf("tar: %v\n%s", err, out)
	}
	return os.Rename(part, tarball)
}

// stripFleetRoot empties the apt sources, so a fleet host reaches no
// mirror unless a test asks (UseHostSources), and drops the package lists
// and caches of the mirror (80 MB): tests install from their own repo.
func stripFleetRoot(root string) error {
	globs := []string{
		"etc/apt/sources.list", "etc/apt/sources.list.d/*",
		"var/lib/apt/lists/*_*", "var/cache/apt/*.bin", "var/cache/apt/archives/*.deb",
	}
	for _, g := range globs {
		matches, _ := filepath.Glob(filepath.Join(root, g))
		for _, m := range matches {
			if err := os.RemoveAll(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// hostArch is dpkg's name for this machine's architecture (amd64, arm64).
func hostArch() (string, error) {
	out, err := exec.Command("dpkg", "--print-architecture").Output()
	if err != nil {
		return "", fmt.Errorf("dpkg --print-architecture: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// hostMirror returns the host's main archive and suite from its apt
// sources (suite "" means the host's own).
func hostMirror(suite string) (mirror, resolved string, err error) {
	entries, err := debarchive.Load(debarchive.DefaultRoot)
	if err != nil {
		return "", "", err
	}
	mirror, err = debarchive.BaseURI(entries, debarchive.Main)
	if err != nil {
		return "", "", err
	}
	if suite == "" {
		suite = debarchive.HostSuite(entries)
	}
	if suite == "" {
		return "", "", fmt.Errorf("no suite given and none found in the host's apt sources")
	}
	return mirror, suite, nil
}
