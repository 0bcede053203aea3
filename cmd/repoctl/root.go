package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/internal/progress"
)

func newApp(out, errw io.Writer) *App {
	return &App{Out: out, Err: errw, Terminal: term.IsTerminal(int(os.Stdin.Fd()))}
}

func newRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "repoctl",
		Short: "Build, sign and publish openresty-realtime to a signed apt repository",
		Long: `repoctl takes a build recipe to a signed Debian package in a signed apt
repository on S3 (or a local directory): build, package, sign, repo add,
snapshot, publish, verify. "repoctl release" runs every step; each step is
also a command of its own.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return app.setup(cmd)
		},
	}
	f := root.PersistentFlags()
	f.StringVar(&app.ConfigFile, "config", "./repoctl.yaml", "config file (YAML; REPOCTL_* variables override it)")
	f.StringVar(&app.State, "state", "./.repoctl", "state: a directory (aptly database, caches, signing keys), or etcd://HOST:PORT/PREFIX for the database (see docs/state.md)")
	f.StringVar(&app.CacheDir, "cache-dir", "", "with --state etcd://...: local directory for caches, .debs, staging and the package pool (default ./.repoctl)")
	f.BoolVar(&app.JSON, "json", false, "print results as JSON on stdout")
	f.BoolVarP(&app.Verbose, "verbose", "v", false, "print more detail")
	f.BoolVar(&app.NoProgress, "no-progress", false, "do not draw progress bars")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return errs.Usage(err) })
	for _, c := range commands {
		root.AddCommand(c(app))
	}
	return root
}

// setup loads the config and prepares progress output before any command runs.
func (app *App) setup(cmd *cobra.Command) error {
	explicit := cmd.Flags().Changed("config")
	cfg, err := LoadConfig(app.ConfigFile, explicit, os.Environ())
	if err != nil {
		return err
	}
	app.Config = cfg
	if !cmd.Flags().Changed("state") {
		if v, ok := os.LookupEnv("REPOCTL_STATE"); ok && v != "" {
			app.State = v
		}
	}
	app.cacheDirFromEnv(cmd.Flags().Changed("cache-dir"))
	switch {
	case app.NoProgress || app.JSON:
		app.Progress = progress.Discard
	default:
		isTTY := false
		if f, ok := app.Err.(*os.File); ok {
			isTTY = term.IsTerminal(int(f.Fd()))
		}
		app.Progress = progress.NewText(app.Err, isTTY)
	}
	return nil
}

// StateDir creates (if needed) and returns the local state directory,
// checking it is writable, so that commands fail early with its path. With
// --state etcd://... it is --cache-dir: the database is in etcd, and
// everything else a command keeps on disk goes here.
func (app *App) StateDir() (string, error) {
	local, _, err := app.stateLocation()
	if err != nil {
		return "", err
	}
	dir, err := filepath.Abs(local)
	if err != nil {
		return "", errs.Usage(fmt.Errorf("state directory %s: %w", local, err))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", errs.Usage(fmt.Errorf("state directory %s cannot be created: %w", dir, err))
	}
	probe, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return "", errs.Usage(fmt.Errorf("state directory %s is not writable: %w", dir, err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return dir, nil
}

// isCobraUsageError reports errors cobra raises for a bad command line
// (unknown command, wrong number of arguments) which carry no error kind.
func isCobraUsageError(err error) bool {
	if errs.Code(err) != errs.ExitFailed {
		return false
	}
	msg := err.Error()
	// cobra's own messages for a bad command line (flag errors are already
	// classified by SetFlagErrorFunc).
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", " arg(s), received ", "arg(s), only received "} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return errors.Is(err, errUsage)
}

var errUsage = errors.New("usage")
