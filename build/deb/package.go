package deb

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/repoctl/repoctl/build/compile"
	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/internal/progress"
)

// Options say where and how to package.
type Options struct {
	Suite  string // Debian suite of the build (e.g. bookworm): version suffix ~<suite><Build>
	Build  int    // n in ~<suite><n>; 0 means 1
	OutDir string // where the .deb files and the provenance go
	// SignFn, when set, signs the package debsigs-style (an "_gpgorigin"
	// member; nfpm's deb.Signature.SignFn with type "origin"). The output
	// stays reproducible only if the signer is deterministic.
	SignFn func(io.Reader) ([]byte, error)
	// ShlibdepsRoot is a suite build root (chroot) in which dpkg-shlibdeps
	// runs; "" runs it in the clean root the build ran in (compile's
	// Result.Root), or on the host for a host build.
	ShlibdepsRoot string
	Progress      progress.Reporter // nil: progress.Discard
}

// Result describes what Package wrote.
type Result struct {
	Path           string   `json:"path"`                  // the .deb
	DbgsymPath     string   `json:"dbgsym_path,omitempty"` // "" when no file had a build-id
	ProvenancePath string   `json:"provenance_path"`       // <name>_<version>_<arch>.provenance.json
	Name           string   `json:"name"`
	Version        string   `json:"version"`
	Arch           string   `json:"arch"`
	SHA256         string   `json:"sha256"` // of Path
	Depends        []string `json:"depends"`
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]+$`) // policy 5.6.1, without '+'

// Package turns built's staging root into <name>_<version>_<arch>.deb and,
// when the binaries have build-ids, <name>-dbgsym_<version>_<arch>.deb, in
// opts.OutDir. Nothing is written under a final name unless everything
// succeeded. The staging root is only read.
func Package(ctx context.Context, r *recipe.Recipe, built *compile.Result, opts Options) (*Result, error) {
	if opts.Progress == nil {
		opts.Progress = progress.Discard
	}
	r = forSuite(r, opts.Suite)
	p, err := prepare(r, built, opts)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "repoctl-deb-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	p.work = work
	out := newOutputs(opts.OutDir)
	defer out.discard()
	res, err := p.run(ctx, out)
	if err != nil {
		return nil, err
	}
	return res, out.commit()
}

// prepare checks the input and derives the layout before any work.
func prepare(r *recipe.Recipe, built *compile.Result, opts Options) (*packaging, error) {
	if err := checkInput(r, built, opts); err != nil {
		return nil, err
	}
	version, err := Version(r, opts.Suite, opts.Build)
	if err != nil {
		return nil, err
	}
	l, err := newLayout(r)
	if err != nil {
		return nil, errs.Usage(fmt.Errorf("recipe %s: %w", r.Path, err))
	}
	mtime, err := sourceDate(r, built)
	if err != nil {
		return nil, err
	}
	l.Version, l.Suite, l.Build, l.BuildKey = version, opts.Suite, max(opts.Build, 1), built.Key
	l.Date = mtime.Format(time.RFC1123Z)
	return &packaging{r: r, built: built, opts: opts, l: l, mtime: mtime}, nil
}

func checkInput(r *recipe.Recipe, built *compile.Result, opts Options) error {
	p := r.Package
	switch {
	case !nameRE.MatchString(p.Name):
		return errs.Usage(fmt.Errorf("recipe %s: package.name %q: want lower case letters, digits, '.' or '-'", r.Path, p.Name))
	case p.Maintainer == "":
		return errs.Usage(fmt.Errorf("recipe %s: package.maintainer is empty", r.Path))
	case p.Description == "":
		return errs.Usage(fmt.Errorf("recipe %s: package.description is empty", r.Path))
	case p.Prefix == "":
		return errs.Usage(fmt.Errorf("recipe %s: package.prefix is empty", r.Path))
	case opts.OutDir == "":
		return errs.Usage(fmt.Errorf("no output directory given"))
	}
	if built == nil || built.StagingDir == "" {
		return errs.Usage(fmt.Errorf("no staging root: build first"))
	}
	if built.Root != "" && opts.Suite != built.Root {
		return errs.Usage(fmt.Errorf("the build ran in the %s root: package it for %s, not %s", built.Root, built.Root, opts.Suite))
	}
	if st, err := os.Stat(built.StagingDir); err != nil || !st.IsDir() {
		return errs.Usage(fmt.Errorf("staging root %s does not exist or is not a directory: build first", built.StagingDir))
	}
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return errs.Usage(fmt.Errorf("output directory %s: %w", opts.OutDir, err))
	}
	return nil
}

// forSuite applies the recipe's per-suite packaging overrides (lists
// replace); idempotent, so a recipe already merged by its loader is fine.
func forSuite(r *recipe.Recipe, suite string) *recipe.Recipe {
	ov, ok := r.Suites[suite]
	if !ok {
		return r
	}
	c := *r
	if ov.Depends != nil {
		c.Package.Depends = ov.Depends
	}
	if ov.DropAlternatives != nil {
		c.Package.DropAlternatives = ov.DropAlternatives
	}
	return &c
}

// sourceDate is SOURCE_DATE_EPOCH: the recipe's, the build's, or else the
// newest mtime in the staging root (never "now", which would make every
// run differ).
func sourceDate(r *recipe.Recipe, built *compile.Result) (time.Time, error) {
	for _, e := range []int64{r.SourceDateEpoch, built.Provenance.SourceDateEpoch} {
		if e > 0 {
			return time.Unix(e, 0).UTC(), nil
		}
	}
	var newest time.Time
	err := filepath.Walk(built.StagingDir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && info.ModTime().After(newest) {
			newest = info.ModTime()
		}
		return err
	})
	return newest.UTC().Truncate(time.Second), err
}
