package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/repoctl/repoctl/build/buildroot"
	"github.com/repoctl/repoctl/build/compile"
	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/build/source"
)

func init() { register(newBuildCmd) }

// buildOptions are build's flags.
type buildOptions struct {
	Recipe      string
	Rebuild     bool
	InstallDeps bool
	Mirrors     []string
	Jobs        int
	BuildRoot   bool   // compile in a clean root of the suite even when it is the host's
	NoIsolate   bool   // host build as root: run the steps as root with repoctl's environment
	Roots       string // where suite roots are kept
}

func (o *buildOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.Recipe, "recipe", "", "recipe file (default: recipe in the config)")
	f.BoolVar(&o.Rebuild, "rebuild", false, "compile even when the same inputs were built before")
	f.BoolVar(&o.InstallDeps, "install-deps", false, "apt-get install the missing build-depends")
	f.StringArrayVar(&o.Mirrors, "source-mirror", nil, "directory looked in first for source files (repeatable)")
	f.IntVar(&o.Jobs, "make-jobs", 0, "parallel compile jobs, make -jN (default: number of CPUs)")
	f.BoolVar(&o.BuildRoot, "build-root", false, "compile in a clean debootstrap'd root of the suite even when it is the host's (another suite always is)")
	f.BoolVar(&o.NoIsolate, "no-isolate", false, "host build as root: run configure and make as root with repoctl's environment (default: as the unprivileged repoctl-build user, clean environment, no network)")
	f.StringVar(&o.Roots, "roots", "", "directory of the suite build roots (default: $REPOCTL_CACHE/roots when set, else <state>/roots)")
}

func newBuildCmd(app *App) *cobra.Command {
	var o buildOptions
	var suite string
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Fetch, verify, patch and compile the recipe into a staging root",
		Long: `build fetches the recipe's sources (checking SHA-256 and signatures),
applies its patches, runs configure, make and make install into a staging
root under the state directory, one log file per step. A build whose inputs
(recipe, sources, patches, compiler) were built before is not compiled again.

With --suite other than the host's (or with --build-root), it compiles in a
clean root of that suite (debootstrap'd once from the host's own mirror,
kept under --roots, the recipe's build-depends for the suite installed in
it) as an unprivileged user without network or repoctl's environment.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBuild(cmd.Context(), app, o, suite)
		},
	}
	o.AddFlags(cmd)
	cmd.Flags().StringVar(&suite, "suite", "", "Debian suite to build for (default: the host's, from /etc/apt)")
	return cmd
}

func runBuild(ctx context.Context, app *App, o buildOptions, suite string) error {
	if o.Recipe == "" {
		o.Recipe = app.Config.Recipe
	}
	r, err := recipe.Load(o.Recipe)
	if err != nil {
		return err
	}
	state, err := app.StateDir()
	if err != nil {
		return err
	}
	res, err := compile.Build(ctx, r, compileOptions(app, o, state, suite))
	if err != nil {
		return err
	}
	return printBuild(app, res)
}

// compileOptions are the build settings every command that builds uses
// (build, package, release), so that they all find the same cached build.
// suite "" is the host's.
func compileOptions(app *App, o buildOptions, state, suite string) compile.Options {
	var mirrors []string
	if app.Config != nil {
		mirrors = append(mirrors, app.Config.SourceMirrors...)
	}
	return compile.Options{
		StateDir: state,
		Source: source.Options{
			CacheDir: filepath.Join(state, "sources"),
			Mirrors:  append(mirrors, o.Mirrors...),
			Progress: app.Progress,
			Verify:   sourceVerifier,
		},
		Jobs:         o.Jobs,
		Rebuild:      o.Rebuild,
		InstallDeps:  o.InstallDeps,
		Suite:        suite,
		BuildRoot:    o.BuildRoot,
		HostAsCaller: o.NoIsolate,
		Roots:        buildroot.Options{CacheDir: rootsDir(o.Roots, state)},
		Progress:     app.Progress,
		Log:          buildLog(app),
	}
}

// rootsDir is --roots, else $REPOCTL_CACHE/roots when REPOCTL_CACHE is
// set (roots shared by every state directory of a machine or CI cache),
// else <state>/roots.
func rootsDir(flag, state string) string {
	switch {
	case flag != "":
		return flag
	case os.Getenv("REPOCTL_CACHE") != "":
		return buildroot.DefaultCacheDir()
	}
	return filepath.Join(state, "roots")
}

// buildLog streams compiler output to stderr with -v; otherwise it goes
// only to the per-step log files.
func buildLog(app *App) io.Writer {
	if app.Verbose && !app.JSON {
		return app.Err
	}
	return nil
}

func printBuild(app *App, res *compile.Result) error {
	if app.JSON {
		return json.NewEncoder(app.Out).Encode(res)
	}
	if res.Cached {
		fmt.Fprintln(app.Out, "cached: nothing compiled")
	}
	_, err := fmt.Fprintf(app.Out, "staging root: %s\nbuild key:    %s\nlogs:         %s\n", res.StagingDir, res.Key, res.LogDir)
	return err
}
