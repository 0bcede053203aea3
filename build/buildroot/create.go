package buildroot

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// bootstrapPackages are in every root besides minbase: what any C build
// and dpkg-shlibdeps need.
var bootstrapPackages = []string{"build-essential", "dpkg-dev"}

// create debootstraps the root in a scratch directory beside its final
// place, configures and refreshes it there, and renames it into place
// only when all went well: a killed run leaves no half-made root.
func create(ctx context.Context, r *Root, o Options) error {
	m, err := hostMirrors(ctx, o.AptRoot, r.Suite)
	if err != nil {
		return err
	}
	start := time.Now()
	o.Progress.Notef("build root %s: creating with debootstrap from %s (once; a few minutes)", r.Suite, m.Main)
	scratch, err := os.MkdirTemp(filepath.Dir(r.Dir), fmt.Sprintf(".new-%s-%d-", filepath.Base(r.Dir), os.Getpid()))
	if err != nil {
		return err
	}
	defer removeScratch(scratch)
	tmp := &Root{Suite: r.Suite, Arch: r.Arch, Dir: filepath.Join(scratch, "root")}
	if err := debootstrap(ctx, tmp, m.Main, o.Log); err != nil {
		return err
	}
	if err := configureRoot(tmp.Dir, r.Suite, m); err != nil {
		return err
	}
	if err := tmp.refresh(ctx, o); err != nil {
		return err
	}
	if err := removeScratch(r.Dir); err != nil { // a root left without its stamp
		return err
	}
	if err := os.Rename(tmp.Dir, r.Dir); err != nil {
		return err
	}
	now := time.Now().UTC()
	took := time.Since(start).Round(100 * time.Millisecond)
	o.Progress.Notef("build root %s: created in %s", r.Suite, took)
	return writeStamp(r.Dir, stamp{Suite: r.Suite, Arch: r.Arch, Mirrors: m, Created: now, Refreshed: now, Took: took.String()})
}

func debootstrap(ctx context.Context, r *Root, mirror string, log io.Writer) error {
	args := []string{"--variant=minbase", "--arch=" + r.Arch,
		"--include=" + strings.Join(bootstrapPackages, ","), r.Suite, r.Dir, mirror}
	path, err := exec.LookPath("debootstrap")
	if err != nil {
		return fmt.Errorf("build roots need debootstrap (apt-get install debootstrap): %w", err)
	}
	var out bytes.Buffer
	// A group of its own: cancelling kills its wget, dpkg and chroot too.
	env := []string{"PATH=" + DefaultPATH, "LC_ALL=C", "HOME=/root"}
	cmd := confined(ctx, io.MultiWriter(&out, log), env, path, "debootstrap", args)
	if err := cmd.Run(); err != nil {
		dlog, _ := os.ReadFile(filepath.Join(r.Dir, "debootstrap", "debootstrap.log"))
		return fmt.Errorf("debootstrap %s: %w\n%s\n%s", strings.Join(args, " "), err, tail(out.String(), 15), tail(string(dlog), 15))
	}
	return nil
}

// removeScratch deletes a scratch tree, never through a mount
// (debootstrap mounts /proc and /sys in the target and may leave them).
func removeScratch(dir string) error {
	killRootProcs(dir)
	if err := unmountTree(dir); err != nil {
		return fmt.Errorf("%w: %s left in place", err, dir)
	}
	return os.RemoveAll(dir)
}

// tail returns the last n lines of s, for error messages.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
