package compile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/repoctl/repoctl/build/buildroot"
	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/build/source"
	"github.com/repoctl/repoctl/internal/debarchive"
	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/internal/progress"
)

// Options configures Build.
type Options struct {
	StateDir    string         // builds go to <StateDir>/builds/<key>
	Source      source.Options // fetching, verifying, patching
	Jobs        int            // make -j; default runtime.NumCPU(); not part of the cache key
	Rebuild     bool           // compile even when a finished build of the same inputs exists
	InstallDeps bool           // apt-get install the missing build-depends (only those)
	Suite       string         // Debian suite (recipe overrides); default the host's
	// BuildRoot compiles in a clean root of Suite (build/buildroot) even
	// when Suite is the host's; a Suite other than the host's always does.
	BuildRoot bool
	// HostAsCaller runs a host build's steps as repoctl itself, with its
	// environment, as before issue 8 §5. By default, when repoctl runs as
	// root, configure and make run as the unprivileged system user
	// repoctl-build (buildroot.HostUser, created if missing), with a clean
	// environment (no REPOCTL_SIGNING_PASSPHRASE, no AWS_*: only PATH,
	// HOME, hardening flags, SOURCE_DATE_EPOCH, the recipe's env), without
	// network, in a tree under the temporary directory only that user can
	// write; the staged tree comes back owned by root.
	HostAsCaller bool
	// Roots says where the suite roots are kept (CacheDir) and how old
	// they may get; its Progress and Log default to the build's.
	Roots    buildroot.Options
	Progress progress.Reporter
	Log      io.Writer // every step's output, besides its log file; nil: log files only

	// prepare stands in for source.Prepare in tests.
	prepare prepareFunc
}

// prepareFunc is the part of build/source that Build uses.
type prepareFunc func(ctx context.Context, r *recipe.Recipe, o source.Options, workDir string) (*source.Prepared, error)

func (o Options) withDefaults() (Options, error) {
	if o.StateDir == "" {
		return o, errors.New("compile: no state directory")
	}
	if o.Jobs <= 0 {
		o.Jobs = runtime.NumCPU()
	}
	if o.Progress == nil {
		o.Progress = progress.Discard
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.prepare == nil {
		o.prepare = source.Prepare
	}
	host := hostSuite(o.Source.AptRoot)
	if o.Suite == "" {
		o.Suite = host
	}
	if o.Suite != host {
		o.BuildRoot = true // another suite's libraries: only its root has them
	}
	if o.Roots.Progress == nil {
		o.Roots.Progress = o.Progress
	}
	if o.Roots.Log == nil {
		o.Roots.Log = o.Log
	}
	if o.Source.Progress == nil {
		o.Source.Progress = o.Progress
	}
	return o, nil
}

// hostSuite is the suite of the host's apt sources ("" when unknown): the
// build root is the host, so its suite selects the recipe's overrides.
func hostSuite(aptRoot string) string {
	if aptRoot == "" {
		aptRoot = debarchive.DefaultRoot
	}
	entries, err := debarchive.Load(aptRoot)
	if err != nil {
		return ""
	}
	return debarchive.HostSuite(entries)
}

// Build compiles r into a staging root, or returns the finished build of
// the same inputs (Cached) without compiling anything.
func Build(ctx context.Context, r *recipe.Recipe, opts Options) (*Result, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	// Patch files and path sources resolve against the recipe's directory
	// while commands run elsewhere: make that directory absolute.
	if abs, err := filepath.Abs(r.Path); err == nil {
		rc := *r
		rc.Path = abs
		r = &rc
	}
	rs := r.ForSuite(o.Suite)
	var root *buildroot.Root
	if o.BuildRoot {
		if o.Suite == "" {
			return nil, errs.Usage(errors.New("build root: cannot tell the host's Debian suite: name one (--suite)"))
		}
		// Ensure installs only the missing build-depends, in the root; a
		// package the suite does not have is a usage error naming it.
		if root, err = buildroot.Ensure(ctx, o.Suite, rs.BuildDepends, o.Roots); err != nil {
			return nil, err
		}
	} else if err := checkDepends(ctx, rs.BuildDepends, o); err != nil {
		return nil, err
	}
	in, err := computeKey(ctx, r, o.Suite, root, rs.BuildDepends)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(o.StateDir, "builds", in.key)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	unlock, err := lockDir(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if !o.Rebuild {
		if res, ok := loadFinished(dir); ok {
			o.Progress.Notef("build %s: cached, nothing compiled (%s)", in.key[:12], res.StagingDir)
			return res, nil
		}
	}
	b := &builder{o: o, r: rs, dir: dir, in: in, start: time.Now(), root: root}
	return b.run(ctx)
}

// markerFile says a build finished; it holds the Result, so a cached build
// answers with the provenance of the build that made it.
const markerFile = "complete.json"

// loadFinished returns the finished build in dir, if there is one.
func loadFinished(dir string) (*Result, bool) {
	data, err := os.ReadFile(filepath.Join(dir, markerFile))
	if err != nil {
		return nil, false
	}
	var res Result
	if json.Unmarshal(data, &res) != nil {
		return nil, false
	}
	st, err := os.Stat(filepath.Join(dir, "staging"))
	if err != nil || !st.IsDir() {
		return nil, false
	}
	// The state directory may have moved since: trust only relative layout.
	res.StagingDir = filepath.Join(dir, "staging")
	res.LogDir = filepath.Join(dir, "logs")
	res.Cached = true
	return &res, true
}

// markFinished writes the marker last, atomically, so that a build killed
// at any point is never taken as finished.
func markFinished(dir string, res *Result) error {
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, markerFile+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, markerFile)); err != nil {
		return fmt.Errorf("marking build finished: %w", err)
	}
	return nil
}
