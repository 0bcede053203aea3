package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/repo"
)

func init() { register(newStateCmd) }

func newStateCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Move the state's database to shared state (etcd)",
		Long: `state manages where the aptly database lives (docs/state.md): a local
state directory (the default), or etcd for ephemeral CI runners.`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "copy-to etcd://HOST:PORT/PREFIX",
		Short: "Copy the local state's database into an empty etcd prefix",
		Long: `copy-to copies every key of the local state's database (--state DIR) into
etcd under PREFIX/, which must be empty. Then run every command with
--state etcd://HOST:PORT/PREFIX. The package pool is not copied: the
target already serves every published file.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStateCopyTo(app, args[0])
		},
	})
	return cmd
}

func runStateCopyTo(app *App, url string) error {
	if repo.IsEtcdURL(app.State) {
		return errs.Usage(fmt.Errorf("state copy-to: --state is already etcd (%s); give the local state directory", app.State))
	}
	if _, err := repo.ParseEtcdURL(url); err != nil {
		return err
	}
	r, err := openRepo(app)
	if err != nil {
		return err
	}
	defer r.Close()
	n, err := r.CopyTo(url)
	if err != nil {
		return err
	}
	if app.JSON {
		return json.NewEncoder(app.Out).Encode(map[string]any{"from": app.State, "to": url, "keys": n})
	}
	_, err = fmt.Fprintf(app.Out, "copied %d keys of %s's database to %s; from now on run repoctl with --state %s\n", n, app.State, url, url)
	return err
}

// defaultCacheDir holds the local files (source and build caches, .debs,
// staging, keys, the package pool) when the state's database is in etcd.
const defaultCacheDir = "./.repoctl"

// stateLocation splits --state into the local directory every command
// writes to and the database URL repo.Open takes ("" = goleveldb in the
// local directory). --state is either a directory or
// etcd://HOST:PORT/PREFIX; with etcd, the local directory is --cache-dir.
func (app *App) stateLocation() (local, db string, err error) {
	switch {
	case repo.IsEtcdURL(app.State):
		if _, err := repo.ParseEtcdURL(app.State); err != nil {
			return "", "", err // a usage error naming the expected form
		}
		local = app.CacheDir
		if local == "" {
			local = defaultCacheDir
		}
		return local, app.State, nil
	case strings.Contains(app.State, "://"):
		return "", "", errs.Usage(fmt.Errorf("state %q: want a local directory or etcd://HOST:PORT/PREFIX", app.State))
	case app.CacheDir != "" && app.CacheDir != app.State:
		return "", "", errs.Usage(fmt.Errorf("--cache-dir %s is for --state etcd://...: with a local state directory (%s) the caches live in it", app.CacheDir, app.State))
	}
	return app.State, "", nil
}

// cacheDirFromEnv applies REPOCTL_CACHE_DIR when --cache-dir was not given.
func (app *App) cacheDirFromEnv(flagSet bool) {
	if flagSet {
		return
	}
	if v, ok := os.LookupEnv("REPOCTL_CACHE_DIR"); ok && v != "" && repo.IsEtcdURL(app.State) {
		app.CacheDir = v
	}
}
