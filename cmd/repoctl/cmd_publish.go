package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/publish"
	"github.com/repoctl/repoctl/repo"
	"github.com/repoctl/repoctl/signing"
)

func init() { register(newPublishCmd) }

// publishFlags override the config's publish settings; publish, rollback
// and release share them.
type publishFlags struct {
	Target      string
	Endpoint    string
	Region      string
	PathStyle   bool
	PublicURL   string
	Jobs        int
	Grace       time.Duration
	LockTimeout time.Duration
	DryRun      bool
	Republish   bool
	Suite       string
}

func (o *publishFlags) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.Target, "to", "", "target: s3://bucket/prefix or file:///dir (default: target in the config)")
	f.StringVar(&o.Endpoint, "endpoint", "", "S3-compatible endpoint URL")
	f.StringVar(&o.Region, "region", "", "S3 region")
	f.BoolVar(&o.PathStyle, "path-style", false, "path-style S3 addressing (MinIO, versitygw, Ceph)")
	f.StringVar(&o.PublicURL, "public-url", "", "URL hosts read the repository from (for verify)")
	f.IntVar(&o.Jobs, "jobs", 0, "parallel uploads (default: jobs in the config)")
	f.DurationVar(&o.Grace, "grace", 0, "keep superseded objects this long (default: grace in the config)")
	f.DurationVar(&o.LockTimeout, "lock-timeout", 0, "wait this long for another release's lock (default: lock-timeout in the config)")
	f.BoolVar(&o.DryRun, "dry-run", false, "show what would be uploaded and deleted; change nothing remote")
	f.BoolVar(&o.Republish, "republish", false, "publish even when the target already serves the snapshot")
	if cmd.Flags().Lookup("suite") == nil {
		f.StringVar(&o.Suite, "suite", "", "Debian suite = distribution (default: first of suites, else the host's)")
	}
}

// apply puts the flags that were given over the config.
func (o publishFlags) apply(cfg *Config) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cfg.Target, o.Target)
	set(&cfg.Endpoint, o.Endpoint)
	set(&cfg.Region, o.Region)
	set(&cfg.PublicURL, o.PublicURL)
	if o.PathStyle {
		cfg.PathStyle = true
	}
	if o.Jobs > 0 {
		cfg.Jobs = o.Jobs
	}
	if o.Grace > 0 {
		cfg.Grace = o.Grace
	}
	if o.LockTimeout > 0 {
		cfg.LockTimeout = o.LockTimeout
	}
}

type publishCmdOptions struct {
	publishFlags
	signerOptions
	Snapshot string
}

func newPublishCmd(app *App) *cobra.Command {
	var o publishCmdOptions
	cmd := &cobra.Command{
		Use:   "publish [SNAPSHOT]",
		Short: "Publish a snapshot (default: the newest) to the target",
		Long: `publish renders the snapshot into a signed apt tree and transfers it to the
target: only what changed is uploaded, pool and by-hash files first, then
the indexes, then InRelease/Release/Release.gpg last, so that a host
updating at any moment sees the old or the new repository, never a mix.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Snapshot = args[0]
			}
			return runPublish(cmd.Context(), app, o, false)
		},
	}
	o.publishFlags.AddFlags(cmd)
	cmd.Flags().StringVar(&o.PassphraseFile, "passphrase-file", "", "file holding the signing key's passphrase")
	return cmd
}

// runPublish publishes o.Snapshot (or, with rollback, the one before the
// live one) under the release lock.
func runPublish(ctx context.Context, app *App, o publishCmdOptions, rollback bool) error {
	o.publishFlags.apply(app.Config)
	dist, err := repoDist(app, o.Suite)
	if err != nil {
		return err
	}
	signer, err := openSigner(app, o.signerOptions)
	if err != nil {
		return err
	}
	target, err := openPublishTarget(ctx, app)
	if err != nil {
		return err
	}
	r, err := openRepo(app)
	if err != nil {
		return err
	}
	defer r.Close()
	// The lock comes first: with shared state another runner may publish
	// while this one waits, and the snapshot must be picked after that.
	if !o.DryRun {
		lock, err := acquireLock(ctx, app, target)
		if err != nil {
			return err
		}
		defer releaseLock(app, lock)
	}
	snap, err := pickSnapshot(r, target, targetID(app, target), dist, o.Snapshot, rollback)
	if err != nil {
		return err
	}
	rep, err := publishSnapshot(ctx, app, r, signer, target, dist, snap, o.DryRun)
	if err != nil {
		return err
	}
	return printPublish(app, target, dist, snap, rep, o.DryRun)
}

// pickSnapshot is the named snapshot; or for rollback the one published
// before the live one; or the newest snapshot of dist.
func pickSnapshot(r *repo.Repo, t publish.Target, id, dist, name string, rollback bool) (string, error) {
	if name != "" {
		if _, err := r.GetSnapshot(name); err != nil {
			return "", err
		}
		return name, nil
	}
	history, err := r.Published(id, dist)
	if err != nil {
		return "", err
	}
	if rollback {
		return previousSnapshot(history, t, dist)
	}
	s, err := r.LatestSnapshot(dist)
	if err != nil {
		return "", err
	}
	if err := checkNotRolledBack(history, s.Name); err != nil {
		return "", err
	}
	return s.Name, nil
}

// previousSnapshot is the snapshot published before the live one was first
// published: rolling back twice goes further back, never forward again.
func previousSnapshot(history []string, t publish.Target, dist string) (string, error) {
	if len(history) > 0 {
		if i := slices.Index(history, history[len(history)-1]); i >= 1 {
			return history[i-1], nil
		}
	}
	return "", errs.Usage(fmt.Errorf("rollback: %s has no earlier published snapshot of %s; name one (repoctl snapshot list)", t, dist))
}

// checkNotRolledBack refuses to bring back, unasked, a snapshot that was
// published and then rolled back.
func checkNotRolledBack(history []string, snap string) error {
	n := len(history)
	if n > 0 && history[n-1] != snap && slices.Contains(history[:n-1], snap) {
		return errs.Usage(fmt.Errorf("%s was rolled back (the target serves %s): name it to publish it again, or release a new version", snap, history[n-1]))
	}
	return nil
}

// publishSnapshot renders snapshot into a staging tree in the state
// directory (the same filesystem as aptly's pool, so files are hardlinked)
// and transfers it to the target; it records what the target serves.
func publishSnapshot(ctx context.Context, app *App, r *repo.Repo, signer *signing.Signer, t publish.Target, dist, snapshot string, dryRun bool) (*publish.Report, error) {
	state, err := app.StateDir()
	if err != nil {
		return nil, err
	}
	parent := filepath.Join(state, "staging")
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return nil, err
	}
	sweepStaging(parent)
	staging, err := os.MkdirTemp(parent, fmt.Sprintf("render-%d-", os.Getpid()))
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(staging)
	cfg := app.Config
	err = r.Render(ctx, snapshot, repo.RenderOptions{
		Distribution: dist, Component: cfg.Component, Architectures: cfg.Architectures,
		Origin: cfg.Origin, Label: cfg.Label, Signer: signer,
	}, staging)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", snapshot, err)
	}
	rep, err := publish.Publish(ctx, staging, t, publish.Options{
		Jobs: cfg.Jobs, Grace: cfg.Grace, DryRun: dryRun, Progress: app.Progress,
	})
	if dryRun || rep == nil || !rep.Switched {
		return rep, err
	}
	// The target serves the new snapshot (even if a clean-up after the
	// switch failed): the history must say so, or a rollback would go one
	// snapshot too far back.
	if rerr := r.RecordPublished(targetID(app, t), dist, snapshot); rerr != nil {
		return rep, errors.Join(err, rerr)
	}
	if rerr := recordServed(state, targetID(app, t), dist, filepath.Join(staging, "dists", dist, "InRelease")); rerr != nil {
		return rep, errors.Join(err, rerr)
	}
	return rep, err
}

// targetID names a target in the publish history: its URL and, for
// S3-compatible stores, the endpoint (a test bucket on MinIO and the AWS
// bucket of the same name are different targets).
func targetID(app *App, t publish.Target) string {
	if app.Config.Endpoint != "" && strings.HasPrefix(t.String(), "s3://") {
		return t.String() + " at " + redactURL(app.Config.Endpoint)
	}
	return t.String()
}

// redactURL drops credentials from a URL for names and messages.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = nil
		return u.String()
	}
	return s
}

// recordServed remembers the SHA-256 of the InRelease this runner put on
// the target, so a later release can tell, with one GET, whether the
// target still serves it (or someone published over it).
func recordServed(state, id, dist, inRelease string) error {
	sum, err := fileSHA256(inRelease)
	if err != nil {
		return err
	}
	dir := filepath.Join(state, "published")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(servedFile(state, id, dist), []byte(sum+"\n"), 0o600)
}

func servedFile(state, id, dist string) string {
	h := sha256.Sum256([]byte(id))
	return filepath.Join(state, "published", hex.EncodeToString(h[:8])+"-"+dist)
}

// stillServed reports whether the target's InRelease for dist is the one
// this runner last published there.
func stillServed(ctx context.Context, state, id string, t publish.Target, dist string) bool {
	want, err := os.ReadFile(servedFile(state, id, dist))
	if err != nil {
		return false
	}
	body, err := t.Get(ctx, "dists/"+dist+"/InRelease")
	if err != nil {
		return false
	}
	defer body.Close()
	h := sha256.New()
	if _, err := io.Copy(h, body); err != nil {
		return false
	}
	return hex.EncodeToString(h.Sum(nil)) == strings.TrimSpace(string(want))
}

// sweepStaging removes render trees left by killed publishes: those whose
// process is gone. A live process's tree (another target, or a shared etcd
// state) is left alone.
func sweepStaging(parent string) {
	dirs, _ := filepath.Glob(filepath.Join(parent, "render-*-*"))
	for _, d := range dirs {
		pidText, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(d), "render-"), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			os.RemoveAll(d)
		}
	}
}

// acquireLock takes the target's release lock, waiting up to lock-timeout.
func acquireLock(ctx context.Context, app *App, t publish.Target) (*publish.Lock, error) {
	lock, err := publish.AcquireLock(ctx, t, publish.LockOptions{Wait: app.Config.LockTimeout})
	if errors.Is(err, publish.ErrLocked) {
		return nil, fmt.Errorf("%w (waited %s; see repoctl lock status, or break a dead one with repoctl lock break)", err, app.Config.LockTimeout)
	}
	return lock, err
}

// releaseLock gives the target's lock back; when it cannot (the target went
// away), it says how the lock will be freed, so no one waits in the dark.
func releaseLock(app *App, lock *publish.Lock) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := lock.Release(ctx); err != nil {
		info := lock.Info()
		fmt.Fprintf(app.Err, "warning: could not release the publish lock (%v);\n"+
			"  it expires at %s, or remove it now with: repoctl lock break --id %s\n",
			err, info.Expires.UTC().Format(time.RFC3339), info.ID)
	}
}

func printPublish(app *App, t publish.Target, dist, snap string, rep *publish.Report, dryRun bool) error {
	if app.JSON {
		return json.NewEncoder(app.Out).Encode(map[string]any{
			"target": t.String(), "distribution": dist, "snapshot": snap, "dry_run": dryRun, "report": rep,
		})
	}
	verb := "published"
	if dryRun {
		verb = "would publish"
	}
	fmt.Fprintf(app.Out, "%s %s as %s on %s: %s\n", verb, snap, dist, t, publishSummary(rep, dryRun))
	if dryRun {
		for _, a := range rep.Planned {
			fmt.Fprintf(app.Out, "  %v\n", a)
		}
	}
	return nil
}

func publishSummary(rep *publish.Report, dryRun bool) string {
	if dryRun {
		n, bytes := rep.PlannedUploads()
		return fmt.Sprintf("%d objects to upload (%d bytes), %d unchanged", n, bytes, rep.Skipped)
	}
	return fmt.Sprintf("%d uploaded (%d bytes), %d unchanged, %d deleted", rep.Uploaded, rep.BytesUploaded, rep.Skipped, rep.Deleted)
}
