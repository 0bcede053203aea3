package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

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
}

func (o *buildOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.Recipe, "recipe", "", "recipe file (default: recipe in the config)")
	f.BoolVar(&o.Rebuild, "rebuild", false, "compile even when the same inputs were built before")
	f.BoolVar(&o.InstallDeps, "install-deps", false, "apt-get install the missing build-depends")
	f.StringArrayVar(&o.Mirrors, "source-mirror", nil, "directory looked in first for source files (repeatable)")
	f.IntVar(&o.Jobs, "make-jobs", 0, "parallel compile jobs, make -jN (default: number of CPUs)")
}

func newBuildCmd(app *App) *cobra.Command {
	var o buildOptions
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Fetch, verify, patch and compile the recipe into a staging root",
		Long: `build fetches the recipe's sources (checking SHA-256 and signatures),
applies its patches, runs configure, make and make install into a staging
root under the state directory, one log file per step. A build whose inputs
(recipe, sources, patches, compiler) were built before is not compiled again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBuild(cmd.Context(), app, o)
		},
	}
	o.AddFlags(cmd)
	return cmd
}

func runBuild(ctx context.Context, app *App, o buildOptions) error {
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
	res, err := compile.Build(ctx, r, compileOptions(app, o, state, ""))
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
		Jobs:        o.Jobs,
		Rebuild:     o.Rebuild,
		InstallDeps: o.InstallDeps,
		Suite:       suite,
		Progress:    app.Progress,
		Log:         buildLog(app),
	}
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
