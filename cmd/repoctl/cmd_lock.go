package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/repoctl/repoctl/publish"
)

func init() { register(newLockCmd) }

type lockOptions struct {
	ID string // break only the lock with this id
}

func newLockCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lock",
		Short: "Show or break the release lock of the target",
		Long: `A release takes a lock in the target (.repoctl/lock.json, created with a
conditional write) so that two releases never publish at once and lose each
other's package. A release that died leaves its lock behind; it expires, but
is only removed by a person: "repoctl lock break".`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Print who holds the lock, since when, and whether it is stale",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLockStatus(cmd.Context(), app)
		},
	})
	var o lockOptions
	brk := &cobra.Command{
		Use:   "break",
		Short: "Remove the lock of a release that is not running any more",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLockBreak(cmd.Context(), app, o)
		},
	}
	brk.Flags().StringVar(&o.ID, "id", "", "break only the lock with this id (as printed by lock status)")
	cmd.AddCommand(brk)
	return cmd
}

// openPublishTarget opens the configured target. (cmd_publish may share it.)
func openPublishTarget(ctx context.Context, app *App) (publish.Target, error) {
	c := app.Config
	return publish.OpenTarget(ctx, c.Target, publish.TargetOptions{
		Endpoint: c.Endpoint, Region: c.Region, PathStyle: c.PathStyle, Progress: app.Progress,
	})
}

type lockStatus struct {
	Locked bool              `json:"locked"`
	Stale  bool              `json:"stale,omitempty"`
	Lock   *publish.LockInfo `json:"lock,omitempty"`
}

func runLockStatus(ctx context.Context, app *App) error {
	t, err := openPublishTarget(ctx, app)
	if err != nil {
		return err
	}
	held, err := publish.ReadLock(ctx, t)
	if err != nil {
		return err
	}
	st := lockStatus{Locked: held != nil, Lock: held}
	if held != nil {
		st.Stale = held.Stale(time.Now())
	}
	if app.JSON {
		return json.NewEncoder(app.Out).Encode(st)
	}
	switch {
	case held == nil:
		_, err = fmt.Fprintf(app.Out, "%s: unlocked\n", t)
	case st.Stale:
		_, err = fmt.Fprintf(app.Out, "%s: locked by %s, id %s: STALE (break it with: repoctl lock break --id %s)\n",
			t, held, held.ID, held.ID)
	default:
		_, err = fmt.Fprintf(app.Out, "%s: locked by %s, id %s\n", t, held, held.ID)
	}
	return err
}

func runLockBreak(ctx context.Context, app *App, o lockOptions) error {
	t, err := openPublishTarget(ctx, app)
	if err != nil {
		return err
	}
	broken, err := publish.BreakLock(ctx, t, o.ID)
	if err != nil {
		return err
	}
	if app.JSON {
		return json.NewEncoder(app.Out).Encode(lockStatus{Locked: false, Lock: broken})
	}
	if broken == nil {
		_, err = fmt.Fprintf(app.Out, "%s: was not locked\n", t)
		return err
	}
	_, err = fmt.Fprintf(app.Out, "%s: broke the lock of %s\n", t, broken)
	return err
}
