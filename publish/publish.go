package publish

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/internal/progress"
)

// Options tune Publish. The zero value is usable.
type Options struct {
	Jobs     int           // parallel uploads; 0: 16
	Grace    time.Duration // keep unreferenced objects this long; 0: 48h
	DryRun   bool          // plan only: read the target, change nothing
	Progress progress.Reporter
	Now      func() time.Time // clock for the grace period; nil: time.Now
}

func (o Options) withDefaults() Options {
	if o.Jobs <= 0 {
		o.Jobs = 16
	}
	if o.Grace == 0 {
		o.Grace = 48 * time.Hour
	}
	if o.Progress == nil {
		o.Progress = progress.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Report says what a publish did (or, with DryRun, would do).
type Report struct {
	Uploaded      int             `json:"uploaded"` // repository objects; the state object is not counted
	Skipped       int             `json:"skipped"`  // staged files the target already had
	Deleted       int             `json:"deleted"`
	BytesUploaded int64           `json:"bytes_uploaded"`
	Planned       []PlannedAction `json:"planned,omitempty"`
	Duration      time.Duration   `json:"duration_ns"`
	// Switched is true once the new Release files are all in place: an
	// error after that (deleting superseded objects, saving the state)
	// leaves the new repository served.
	Switched bool `json:"switched"`
}

// Publish makes the target equal to the staging tree dir, as aptly renders
// it (dists/<dist>/..., pool/...), for the distributions present in dir;
// other distributions on the target are left as they are.
//
// It lists the target once, uploads only what is missing or changed
// (compared by size and MD5), in phases: pool and by-hash files, then the
// plain indexes, then per distribution Release, Release.gpg and InRelease
// last. Objects no Release references any more are deleted once they have
// been unreferenced for longer than opts.Grace, tracked in
// .repoctl/publish-state.json. A publish that fails or is cancelled midway
// leaves the old repository valid, and running it again converges.
//
// The report is returned with an error too: it says how far it got.
func Publish(ctx context.Context, dir string, t Target, opts Options) (*Report, error) {
	opts = opts.withDefaults()
	start := time.Now()
	rep := &Report{}
	p, err := planPublish(ctx, dir, t, opts)
	if err != nil {
		return rep, err
	}
	rep.Skipped, rep.Planned = p.skipped, p.actions()
	if !opts.DryRun {
		err = p.execute(ctx, t, opts, rep)
	}
	rep.Duration = time.Since(start)
	if err == nil {
		opts.Progress.Notef("%s: %d uploaded (%s), %d unchanged, %d deleted in %s%s", t,
			rep.Uploaded, byteSize(rep.BytesUploaded), rep.Skipped, rep.Deleted,
			rep.Duration.Round(time.Millisecond), dryRunNote(opts.DryRun, len(rep.Planned)))
	}
	return rep, err
}

func planPublish(ctx context.Context, dir string, t Target, opts Options) (*plan, error) {
	if fi, err := os.Stat(dir); err != nil {
		return nil, errs.Usage(fmt.Errorf("staging directory: %w", err))
	} else if !fi.IsDir() {
		return nil, errs.Usage(fmt.Errorf("staging directory %s is not a directory", dir))
	}
	st, err := readStaging(ctx, dir, opts.Jobs)
	if err != nil {
		return nil, err
	}
	objs, err := t.List(ctx, "")
	if err != nil {
		return nil, err
	}
	state := &publishState{Version: 1, Unreferenced: nil}
	if hasKey(objs, stateKey) {
		if state, err = loadState(ctx, t, opts.Progress); err != nil {
			return nil, err
		}
	}
	return makePlan(ctx, st, t, objs, state, opts)
}

// execute runs the phases in order, then deletes what the grace allows and
// saves the state: both after the switch, so a failure before it leaves
// the old repository whole.
func (p *plan) execute(ctx context.Context, t Target, opts Options, rep *Report) error {
	var n int
	var total int64
	for _, phase := range p.uploads {
		for _, f := range phase {
			n++
			total += f.size
		}
	}
	var bar progress.Bar = nopBar{}
	if n > 0 {
		bar = opts.Progress.Bar(fmt.Sprintf("upload %d objects to %s", n, t), total)
		defer bar.Done()
	}
	for i, phase := range p.uploads {
		jobs := opts.Jobs
		if i == phaseRelease {
			jobs = 1 // Release, Release.gpg, InRelease: one after the other
		}
		if err := upload(ctx, t, phase, jobs, bar, rep); err != nil {
			return err
		}
	}
	// Every InRelease is in place: the target serves the new repository,
	// whatever happens to the clean-up below.
	rep.Switched = true
	if len(p.deletes) > 0 {
		if err := t.Delete(ctx, p.deletes); err != nil {
			return err
		}
		rep.Deleted = len(p.deletes)
	}
	if p.oldState.equal(p.newState) {
		return nil
	}
	return saveState(ctx, t, p.newState)
}

func upload(ctx context.Context, t Target, files []*localFile, jobs int, bar progress.Bar, rep *Report) error {
	var uploaded, bytes atomic.Int64
	defer func() {
		rep.Uploaded += int(uploaded.Load())
		rep.BytesUploaded += bytes.Load()
	}()
	return parallel(ctx, jobs, len(files), func(ctx context.Context, i int) error {
		f := files[i]
		if err := putFile(ctx, t, f); err != nil {
			return err
		}
		uploaded.Add(1)
		bytes.Add(f.size)
		bar.Add(f.size)
		return nil
	})
}

func putFile(ctx context.Context, t Target, f *localFile) error {
	r, err := os.Open(f.path)
	if err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	defer r.Close()
	return t.Put(ctx, f.key, r, f.size, metaFor(f.key))
}

type nopBar struct{}

func (nopBar) Add(int64) {}
func (nopBar) Done()     {}

func hasKey(objs []Object, key string) bool {
	for _, o := range objs {
		if o.Key == key {
			return true
		}
	}
	return false
}

func dryRunNote(dry bool, n int) string {
	if !dry {
		return ""
	}
	return fmt.Sprintf(" (dry run: %d actions planned, nothing changed)", n)
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// PlannedUploads counts the uploads in the plan and their bytes: what a
// dry run would have uploaded.
func (r *Report) PlannedUploads() (n int, bytes int64) {
	for _, a := range r.Planned {
		if a.Action == "upload" {
			n++
			bytes += a.Size
		}
	}
	return n, bytes
}
