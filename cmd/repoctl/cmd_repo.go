package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/repoctl/repoctl/internal/debarchive"
	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/repo"
)

func init() { register(newRepoCmd) }

func newRepoCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "repo",
		Short: "Add packages to the local repository of a distribution, and list it",
		Long: `repo manages one local repository per distribution (suite) in the state
directory's aptly database. A version that exists with other content is
refused, and so is a downgrade unless --allow-downgrade.`,
	}
	cmd.AddCommand(newRepoAddCmd(app), newRepoListCmd(app))
	return cmd
}

type repoAddOptions struct {
	Debs           []string
	Dist           string
	AllowDowngrade bool
	Keep           int
	KeepSet        bool // --keep given; otherwise the config's keep
}

func newRepoAddCmd(app *App) *cobra.Command {
	var o repoAddOptions
	cmd := &cobra.Command{
		Use:   "add FILE.deb...",
		Short: "Add .deb files to a distribution (all or nothing)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Debs, o.KeepSet = args, cmd.Flags().Changed("keep")
			return runRepoAdd(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dist, "dist", "", "distribution (default: first of the config's suites, else the host's)")
	f.BoolVar(&o.AllowDowngrade, "allow-downgrade", false, "accept a version lower than the newest present")
	f.IntVar(&o.Keep, "keep", 0, "versions per package kept in the repository, 0 = all (default: the config's keep)")
	return cmd
}

func runRepoAdd(ctx context.Context, app *App, o repoAddOptions) error {
	dist, err := repoDist(app, o.Dist)
	if err != nil {
		return err
	}
	if !o.KeepSet && app.Config != nil {
		o.Keep = app.Config.Keep
	}
	for i, d := range o.Debs {
		if o.Debs[i], err = filepath.Abs(d); err != nil {
			return errs.Usage(err)
		}
	}
	r, err := openRepo(app)
	if err != nil {
		return err
	}
	defer r.Close()
	added, err := r.Add(ctx, o.Debs, repo.AddOptions{Distribution: dist, AllowDowngrade: o.AllowDowngrade, Keep: o.Keep})
	if err != nil {
		return err
	}
	if app.JSON {
		return json.NewEncoder(app.Out).Encode(struct {
			Distribution string         `json:"distribution"`
			Added        []repo.Package `json:"added"`
		}{dist, nonNil(added)})
	}
	if len(added) == 0 {
		_, err = fmt.Fprintf(app.Out, "nothing added: every package is already in %s\n", dist)
		return err
	}
	for _, p := range added {
		fmt.Fprintf(app.Out, "added %s to %s\n", p, dist)
	}
	return nil
}

type repoListOptions struct{ Dist string }

func newRepoListCmd(app *App) *cobra.Command {
	var o repoListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the packages in a distribution's repository",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRepoList(cmd.Context(), app, o)
		},
	}
	cmd.Flags().StringVar(&o.Dist, "dist", "", "distribution (default: first of the config's suites, else the host's)")
	return cmd
}

func runRepoList(_ context.Context, app *App, o repoListOptions) error {
	dist, err := repoDist(app, o.Dist)
	if err != nil {
		return err
	}
	r, err := openRepo(app)
	if err != nil {
		return err
	}
	defer r.Close()
	ps, err := r.List(dist)
	if err != nil {
		return err
	}
	if app.JSON {
		return json.NewEncoder(app.Out).Encode(struct {
			Distribution string         `json:"distribution"`
			Packages     []repo.Package `json:"packages"`
		}{dist, nonNil(ps)})
	}
	return printPackages(app, ps)
}

func printPackages(app *App, ps []repo.Package) error {
	tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tARCH\tSIZE\tSHA256")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", p.Name, p.Version, p.Architecture, p.Size, p.SHA256)
	}
	return tw.Flush()
}

// repoDist is --dist, else the first suite of the config, else the suite
// of the host's own apt sources.
func repoDist(app *App, flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if app.Config != nil && len(app.Config.Suites) > 0 {
		return app.Config.Suites[0], nil
	}
	entries, err := debarchive.Load("/etc/apt")
	if err == nil {
		if s := debarchive.HostSuite(entries); s != "" {
			return s, nil
		}
	}
	return "", errs.Usage(errors.New("no distribution: pass --dist or set suites in the config"))
}

// openRepo opens the aptly state: the pool under the local state
// directory, the database there too or, with --state etcd://..., in etcd.
// With etcd the flock guards this runner's directory only; runners are
// serialised by the publish lock that publish and release take before
// changing anything (docs/state.md).
func openRepo(app *App) (*repo.Repo, error) {
	state, err := app.StateDir()
	if err != nil {
		return nil, err
	}
	_, db, err := app.stateLocation()
	if err != nil {
		return nil, err
	}
	return repo.Open(repo.Options{Dir: filepath.Join(state, "aptly"), DB: db, Progress: app.Progress})
}

// nonNil makes JSON print [] rather than null for an empty list.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
