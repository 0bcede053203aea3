package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/repoctl/repoctl/repo"
)

func init() { register(newSnapshotCmd) }

func newSnapshotCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Freeze a distribution's repository into a named snapshot; list and compare them",
		Long: `A snapshot is the immutable package list that publish renders and rollback
returns to. Without a name, create names it after the package added last:
<dist>-<package>-<version>-<YYYYMMDDTHHMMSSZ>.`,
	}
	cmd.AddCommand(newSnapshotCreateCmd(app), newSnapshotListCmd(app), newSnapshotDiffCmd(app), newSnapshotDropCmd(app))
	return cmd
}

type snapshotOptions struct {
	Dist string
	Name string
}

func newSnapshotCreateCmd(app *App) *cobra.Command {
	var o snapshotOptions
	cmd := &cobra.Command{
		Use:   "create [NAME]",
		Short: "Snapshot a distribution's repository",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Name = args[0]
			}
			return runSnapshotCreate(cmd.Context(), app, o)
		},
	}
	cmd.Flags().StringVar(&o.Dist, "dist", "", "distribution (default: first of the config's suites, else the host's)")
	return cmd
}

func runSnapshotCreate(_ context.Context, app *App, o snapshotOptions) error {
	dist, err := repoDist(app, o.Dist)
	if err != nil {
		return err
	}
	r, err := openRepo(app)
	if err != nil {
		return err
	}
	defer r.Close()
	s, err := r.CreateSnapshot(dist, o.Name)
	if err != nil {
		return err
	}
	if app.JSON {
		return json.NewEncoder(app.Out).Encode(s)
	}
	_, err = fmt.Fprintf(app.Out, "created snapshot %s of %s (%d packages)\n", s.Name, dist, len(s.Packages))
	return err
}

func newSnapshotListCmd(app *App) *cobra.Command {
	var o snapshotOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List a distribution's snapshots, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSnapshotList(cmd.Context(), app, o)
		},
	}
	cmd.Flags().StringVar(&o.Dist, "dist", "", "distribution (default: first of the config's suites, else the host's)")
	return cmd
}

func runSnapshotList(_ context.Context, app *App, o snapshotOptions) error {
	dist, err := repoDist(app, o.Dist)
	if err != nil {
		return err
	}
	r, err := openRepo(app)
	if err != nil {
		return err
	}
	defer r.Close()
	list, err := r.Snapshots(dist)
	if err != nil {
		return err
	}
	if app.JSON {
		return json.NewEncoder(app.Out).Encode(nonNil(list))
	}
	tw := tabwriter.NewWriter(app.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCREATED\tPACKAGES")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%d\n", s.Name, s.Created.Format(time.RFC3339), len(s.Packages))
	}
	return tw.Flush()
}

func newSnapshotDiffCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "diff A B",
		Short: "Show what changes from snapshot A to snapshot B",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSnapshotDiff(cmd.Context(), app, args[0], args[1])
		},
	}
}

func runSnapshotDiff(_ context.Context, app *App, a, b string) error {
	r, err := openRepo(app)
	if err != nil {
		return err
	}
	defer r.Close()
	changes, err := r.Diff(a, b)
	if err != nil {
		return err
	}
	if app.JSON {
		return json.NewEncoder(app.Out).Encode(nonNil(changes))
	}
	if len(changes) == 0 {
		_, err = fmt.Fprintf(app.Out, "%s and %s hold the same packages\n", a, b)
		return err
	}
	for _, c := range changes {
		printChange(app, c)
	}
	return nil
}

func printChange(app *App, c repo.Change) {
	switch c.Kind {
	case "added":
		fmt.Fprintf(app.Out, "+ %s %s %s\n", c.Name, c.To, c.Architecture)
	case "removed":
		fmt.Fprintf(app.Out, "- %s %s %s\n", c.Name, c.From, c.Architecture)
	default:
		fmt.Fprintf(app.Out, "~ %s %s -> %s %s\n", c.Name, c.From, c.To, c.Architecture)
	}
}

func newSnapshotDropCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "drop NAME",
		Short: "Delete a snapshot that is not live anywhere, then free what nothing references",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSnapshotDrop(cmd.Context(), app, args[0])
		},
	}
}

func runSnapshotDrop(_ context.Context, app *App, name string) error {
	r, err := openRepo(app)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.DropSnapshot(name); err != nil {
		return err
	}
	rep, err := r.Cleanup()
	if err != nil {
		return err
	}
	if app.JSON {
		return json.NewEncoder(app.Out).Encode(struct {
			Dropped string             `json:"dropped"`
			Cleanup repo.CleanupReport `json:"cleanup"`
		}{name, rep})
	}
	_, err = fmt.Fprintf(app.Out, "dropped snapshot %s; freed %d pool files (%d bytes)\n", name, rep.Files, rep.Bytes)
	return err
}
