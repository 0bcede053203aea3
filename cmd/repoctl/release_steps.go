package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/repoctl/repoctl/build/compile"
	"github.com/repoctl/repoctl/build/deb"
	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/publish"
	"github.com/repoctl/repoctl/publish/verify"
	"github.com/repoctl/repoctl/repo"
)

// preflightStep checks everything a release needs from outside before the
// build starts: the recipe, the signing key and passphrase, the target
// (reachable, credentials valid, bucket present, writable), and takes the
// publish lock so that two releases never interleave.
type preflightStep struct{}

func (preflightStep) String() string { return "preflight" }

func (preflightStep) Run(ctx context.Context, rel *release) (stepResult, error) {
	app, o := rel.app, rel.opts
	o.publishFlags.apply(app.Config)
	if o.Recipe == "" {
		o.Recipe = app.Config.Recipe
	}
	if o.BuildNumber < 1 {
		o.BuildNumber = 1
	}
	rel.opts = o
	var err error
	if rel.state, err = app.StateDir(); err != nil {
		return stepResult{}, err
	}
	if rel.recipe, err = recipe.Load(o.Recipe); err != nil {
		return stepResult{}, err
	}
	if rel.suites, err = releaseSuites(app, o); err != nil {
		return stepResult{}, err
	}
	if rel.signer, err = openSigner(app, o.signerOptions); err != nil {
		return stepResult{}, err
	}
	if rel.target, err = openPublishTarget(ctx, app); err != nil {
		return stepResult{}, err
	}
	if err := checkTarget(ctx, rel.target, o.DryRun); err != nil {
		return stepResult{}, err
	}
	if rel.repo, err = openRepo(app); err != nil {
		return stepResult{}, err
	}
	if !o.DryRun {
		if rel.lock, err = acquireLock(ctx, app, rel.target); err != nil {
			return stepResult{}, err
		}
	}
	return stepResult{Summary: fmt.Sprintf("recipe %s, suites %s, key %s, target %s",
		rel.recipe.Name, strings.Join(rel.suites, ","), strings.Join(rel.signer.Names(), "+"), rel.target)}, nil
}

// releaseSuites is --suite (comma-separated), else the configured suites,
// else the host's.
func releaseSuites(app *App, o releaseOptions) ([]string, error) {
	flag := o.packageOptions.Suite
	if flag == "" && len(app.Config.Suites) > 0 {
		return app.Config.Suites, nil
	}
	var suites []string
	for _, s := range strings.Split(flag, ",") {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(suites, s) {
			suites = append(suites, s)
		}
	}
	if len(suites) > 0 {
		return suites, nil
	}
	host, err := repoDist(app, "")
	return []string{host}, err
}

// checkTarget is publish.Check, or with --dry-run a read-only listing.
func checkTarget(ctx context.Context, t publish.Target, dryRun bool) error {
	if dryRun {
		_, err := t.List(ctx, ".repoctl/")
		return err
	}
	return publish.Check(ctx, t)
}

type buildStep struct{}

func (buildStep) String() string { return "build" }

func (buildStep) Run(ctx context.Context, rel *release) (stepResult, error) {
	opts := compileOptions(rel.app, rel.opts.buildOptions, rel.state, rel.suite)
	built, err := compile.Build(ctx, rel.recipe, opts)
	if err != nil {
		return stepResult{}, err
	}
	rel.built = built
	if built.Cached {
		return stepResult{Skipped: true, Summary: "inputs unchanged, nothing compiled: " + built.StagingDir}, nil
	}
	return stepResult{Summary: "staged in " + built.StagingDir}, nil
}

// packageStep makes the .deb, or reuses the one made from the same build
// with the same options: packaging again would sign again, and a new
// signature is other content for the same version, which repo refuses.
type packageStep struct{}

func (packageStep) String() string { return "package" }

func (packageStep) Run(ctx context.Context, rel *release) (stepResult, error) {
	out := rel.opts.Out
	if out == "" {
		out = filepath.Join(rel.state, "debs")
	}
	marker := filepath.Join(out, ".packaged-"+packageKey(rel))
	if res, ok := reusePackage(marker); ok {
		rel.deb = res
		return stepResult{Skipped: true, Summary: "already packaged: " + res.Path}, nil
	}
	res, err := deb.Package(ctx, rel.recipe, rel.built, deb.Options{
		Suite: rel.suite, Build: rel.opts.BuildNumber, OutDir: out,
		SignFn: rel.signer.SignFn(), Progress: rel.app.Progress,
	})
	if err != nil {
		return stepResult{}, err
	}
	rel.deb = res
	if data, err := json.Marshal(res); err == nil {
		os.WriteFile(marker, data, 0o600) // a lost marker only costs a repackage
	}
	return stepResult{Summary: fmt.Sprintf("%s %s (Depends: %s)", res.Name, res.Version, strings.Join(res.Depends, ", "))}, nil
}

// packageKey names a packaging: the build, the suite, the build number
// and the signing keys.
func packageKey(rel *release) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%d\n%s\n", rel.built.Key, rel.suite, rel.opts.BuildNumber, strings.Join(rel.signer.Fingerprints(), ","))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// reusePackage returns the recorded result when its .deb is still there
// with the recorded SHA-256.
func reusePackage(marker string) (*deb.Result, bool) {
	data, err := os.ReadFile(marker)
	if err != nil {
		return nil, false
	}
	var res deb.Result
	if json.Unmarshal(data, &res) != nil || res.Path == "" {
		return nil, false
	}
	sum, err := fileSHA256(res.Path)
	if err != nil || sum != res.SHA256 {
		return nil, false
	}
	return &res, true
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

type repoAddStep struct{}

func (repoAddStep) String() string { return "repo-add" }

func (repoAddStep) Run(ctx context.Context, rel *release) (stepResult, error) {
	if rel.opts.DryRun {
		// The repository database is state other runners may share:
		// a dry run leaves it alone.
		return stepResult{Skipped: true, Summary: "dry run: would add " + rel.deb.Path}, nil
	}
	debs := []string{rel.deb.Path}
	if rel.deb.DbgsymPath != "" {
		debs = append(debs, rel.deb.DbgsymPath)
	}
	added, err := rel.repo.Add(ctx, debs, repo.AddOptions{
		Distribution: rel.suite, AllowDowngrade: rel.opts.AllowDowngrade, Keep: rel.app.Config.Keep,
	})
	if err != nil {
		return stepResult{}, err
	}
	rel.added = added
	if len(added) == 0 {
		return stepResult{Skipped: true, Summary: "already in the repository"}, nil
	}
	names := make([]string, len(added))
	for i, p := range added {
		names[i] = p.String()
	}
	return stepResult{Summary: "added " + strings.Join(names, ", ")}, nil
}

// snapshotStep snapshots the repository when it differs from the newest
// snapshot of the suite.
type snapshotStep struct{}

func (snapshotStep) String() string { return "snapshot" }

func (snapshotStep) Run(_ context.Context, rel *release) (stepResult, error) {
	if rel.opts.DryRun {
		latest, err := rel.repo.LatestSnapshot(rel.suite)
		if err != nil {
			return stepResult{Skipped: true, Summary: "dry run: no snapshot yet"}, nil
		}
		rel.snapshot = latest.Name
		return stepResult{Skipped: true, Summary: "dry run: planning with the newest snapshot " + latest.Name + " (the new package is not in it)"}, nil
	}
	current, err := rel.repo.List(rel.suite)
	if err != nil {
		return stepResult{}, err
	}
	if latest, err := rel.repo.LatestSnapshot(rel.suite); err == nil && samePackages(latest.Packages, current) {
		rel.snapshot = latest.Name
		return stepResult{Skipped: true, Summary: "repository unchanged since " + latest.Name}, nil
	}
	// Named after the released package, not whichever file was added last
	// (the dbgsym package, say).
	name := fmt.Sprintf("%s-%s-%s-%s", rel.suite, rel.deb.Name, rel.deb.Version, time.Now().UTC().Format("20060102T150405Z"))
	s, err := rel.repo.CreateSnapshot(rel.suite, name)
	if err != nil {
		return stepResult{}, err
	}
	rel.snapshot = s.Name
	return stepResult{Summary: fmt.Sprintf("%s (%d packages)", s.Name, len(s.Packages))}, nil
}

func samePackages(a, b []repo.Package) bool {
	key := func(ps []repo.Package) string {
		ks := make([]string, len(ps))
		for i, p := range ps {
			ks[i] = p.String() + " " + p.SHA256
		}
		sort.Strings(ks)
		return strings.Join(ks, "\n")
	}
	return key(a) == key(b)
}

// publishStep publishes the snapshot unless the target already serves it.
type publishStep struct{}

func (publishStep) String() string { return "publish" }

func (publishStep) Run(ctx context.Context, rel *release) (stepResult, error) {
	if rel.snapshot == "" {
		return stepResult{Skipped: true, Summary: "dry run: nothing published yet"}, nil
	}
	if err := checkLockHeld(ctx, rel); err != nil {
		return stepResult{}, err
	}
	id := targetID(rel.app, rel.target)
	history, err := rel.repo.Published(id, rel.suite)
	if err != nil {
		return stepResult{}, err
	}
	if !rel.opts.Republish {
		// Skipped only when the target still serves exactly what this
		// runner published: someone else's publish in between is undone.
		if n := len(history); n > 0 && history[n-1] == rel.snapshot && stillServed(ctx, rel.state, id, rel.target, rel.suite) {
			rel.publish = &publish.Report{}
			return stepResult{Skipped: true, Summary: "target already serves " + rel.snapshot}, nil
		}
		if err := checkNotRolledBack(history, rel.snapshot); err != nil {
			return stepResult{}, err
		}
	}
	rep, err := publishSnapshot(ctx, rel.app, rel.repo, rel.signer, rel.target, rel.suite, rel.snapshot, rel.opts.DryRun)
	if err != nil {
		return stepResult{}, err
	}
	rel.publish = rep
	return stepResult{Summary: publishSummary(rep, rel.opts.DryRun)}, nil
}

// checkLockHeld makes sure the release still owns the target's lock
// before it publishes: a lock broken by hand (it looked stale) means
// another release may be publishing, and one of them would lose a package.
func checkLockHeld(ctx context.Context, rel *release) error {
	if rel.lock == nil {
		return nil
	}
	held, err := publish.ReadLock(ctx, rel.target)
	if err != nil {
		return fmt.Errorf("reading the publish lock: %w", err)
	}
	if held == nil || held.ID != rel.lock.Info().ID {
		rel.lock = nil // not ours to release any more
		return fmt.Errorf("the publish lock was taken from this release (broken as stale?); not publishing: run the release again")
	}
	return nil
}

// verifyStep reads the published repository back as apt would: over the
// public URL when there is one, else through the target itself.
type verifyStep struct{}

func (verifyStep) String() string { return "verify" }

func (verifyStep) Run(ctx context.Context, rel *release) (stepResult, error) {
	if rel.opts.NoVerify || rel.opts.DryRun {
		return stepResult{Skipped: true, Summary: "not asked for"}, nil
	}
	base, client := rel.app.Config.PublicURL, http.DefaultClient
	if base == "" {
		base, client = "http://target.invalid", &http.Client{Transport: targetTransport{rel.target}}
	}
	rep, err := verify.Repository(ctx, base, rel.signer.PublicKeyring(), verify.Options{
		Dists: []string{rel.suite}, HTTP: client, Progress: rel.app.Progress,
	})
	if err != nil {
		return stepResult{}, err
	}
	rel.verified = rep
	return stepResult{Summary: fmt.Sprintf("%d indexes, %d packages, %d pool files checked at %s",
		rep.Indexes, rep.Packages, rep.PoolChecked, base)}, nil
}
