package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/repoctl/repoctl/build/compile"
	"github.com/repoctl/repoctl/build/deb"
	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/debarchive"
	"github.com/repoctl/repoctl/internal/errs"
)

func init() { register(newPackageCmd) }

// DebSignFn is the hook for the .deb's debsigs-style _gpgorigin signature:
// when set (the lead wires signing's Signer.SignFn here), package signs
// every .deb it writes; nil writes unsigned packages. apt itself ignores
// this signature (FACTS §5); it is for debsig-verify.
var DebSignFn func(ctx context.Context, app *App) (func(io.Reader) ([]byte, error), error)

// packageOptions are package's flags: build's, plus where and for which
// suite to package.
type packageOptions struct {
	buildOptions
	Out         string
	Suite       string
	BuildNumber int

	// Seams for tests; nil means recipe.Load, compile.Build, deb.Package.
	load  func(string) (*recipe.Recipe, error)
	build func(context.Context, *recipe.Recipe, compile.Options) (*compile.Result, error)
}

func (o *packageOptions) AddFlags(cmd *cobra.Command) {
	o.buildOptions.AddFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&o.Out, "out", "", "directory for the .deb files (default: <state>/debs)")
	f.StringVar(&o.Suite, "suite", "", "Debian suite the package is for (default: the host's, from /etc/apt)")
	f.IntVar(&o.BuildNumber, "build-number", 1, "n in the version suffix ~<suite><n>")
}

func newPackageCmd(app *App) *cobra.Command {
	var o packageOptions
	cmd := &cobra.Command{
		Use:   "package",
		Short: "Build (or reuse the cached build) and make the signed .deb",
		Long: `package runs build (reusing a finished build of the same inputs), then
makes <name>_<version>_<arch>.deb and <name>-dbgsym_<version>_<arch>.deb
with Depends computed from the shipped ELF files, and writes the build's
provenance next to them as <name>_<version>_<arch>.provenance.json.
The version is <upstream>-<revision>~<suite><build-number>.

With --suite other than the host's (or --build-root), the build runs in a
clean root of that suite and Depends are computed inside that root, so a
trixie package depends on trixie's libraries (libssl3t64).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPackage(cmd.Context(), app, o)
		},
	}
	o.AddFlags(cmd)
	return cmd
}

func runPackage(ctx context.Context, app *App, o packageOptions) error {
	if o.BuildNumber < 1 {
		return errs.Usage(fmt.Errorf("--build-number %d: want 1 or more", o.BuildNumber))
	}
	o = o.withDefaults(app)
	suite, err := packageSuite(o.Suite)
	if err != nil {
		return err
	}
	r, err := o.load(o.Recipe)
	if err != nil {
		return err
	}
	state, err := app.StateDir()
	if err != nil {
		return err
	}
	built, err := o.build(ctx, r, compileOptions(app, o.buildOptions, state, suite))
	if err != nil {
		return err
	}
	opts := deb.Options{Suite: suite, Build: o.BuildNumber, OutDir: o.Out, Progress: app.Progress}
	if opts.OutDir == "" {
		opts.OutDir = filepath.Join(state, "debs")
	}
	if DebSignFn != nil {
		if opts.SignFn, err = DebSignFn(ctx, app); err != nil {
			return err
		}
	}
	res, err := deb.Package(ctx, r, built, opts)
	if err != nil {
		return err
	}
	return printPackage(app, res)
}

func (o packageOptions) withDefaults(app *App) packageOptions {
	if o.Recipe == "" && app.Config != nil {
		o.Recipe = app.Config.Recipe
	}
	if o.load == nil {
		o.load = recipe.Load
	}
	if o.build == nil {
		o.build = compile.Build
	}
	return o
}

// packageSuite is --suite, or the suite of the host's own apt sources.
func packageSuite(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	entries, err := debarchive.Load(debarchive.DefaultRoot)
	if err != nil {
		return "", errs.Usage(fmt.Errorf("cannot tell the host's Debian suite (%v): pass --suite", err))
	}
	if s := debarchive.HostSuite(entries); s != "" {
		return s, nil
	}
	return "", errs.Usage(errors.New("cannot tell the host's Debian suite from /etc/apt: pass --suite"))
}

func printPackage(app *App, res *deb.Result) error {
	if app.JSON {
		return json.NewEncoder(app.Out).Encode(res)
	}
	_, err := fmt.Fprintf(app.Out, "package:    %s\ndbgsym:     %s\nprovenance: %s\nversion:    %s\nsha256:     %s\ndepends:    %s\n",
		res.Path, orNone(res.DbgsymPath), res.ProvenancePath, res.Version, res.SHA256, strings.Join(res.Depends, ", "))
	return err
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
