package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/repoctl/repoctl/build/compile"
	"github.com/repoctl/repoctl/build/deb"
	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/publish"
	"github.com/repoctl/repoctl/publish/verify"
	"github.com/repoctl/repoctl/repo"
	"github.com/repoctl/repoctl/signing"
)

func init() { register(newReleaseCmd) }

// releaseOptions are release's flags: those of package (and so build),
// publish and signing, since release runs them all.
type releaseOptions struct {
	packageOptions
	publishFlags
	signerOptions
	AllowDowngrade bool
	NoVerify       bool
}

func newReleaseCmd(app *App) *cobra.Command {
	var o releaseOptions
	cmd := &cobra.Command{
		Use:   "release",
		Short: "Build, package, sign, add, snapshot, publish and verify, in one command",
		Long: `release runs every step from the recipe to a verified repository:

  preflight  recipe valid, signing key usable, target reachable and writable
  build      fetch and verify sources, compile (skipped when the inputs were built before)
  package    the signed .deb (skipped when this build was packaged before)
  repo-add   into the aptly repository (the same package twice is a no-op)
  snapshot   a snapshot of the repository when it changed
  publish    pool and by-hash first, indexes, then InRelease/Release last
  verify     read the published repository back as apt would

A failure in any step leaves the published repository as it was.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRelease(cmd.Context(), app, o)
		},
	}
	o.packageOptions.AddFlags(cmd)
	o.publishFlags.AddFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&o.PassphraseFile, "passphrase-file", "", "file holding the signing key's passphrase")
	f.StringVar(&o.KeysDir, "keys-dir", "keys", "directory of the public keys")
	f.BoolVar(&o.AllowDowngrade, "allow-downgrade", false, "accept a version lower than the newest in the repository")
	f.BoolVar(&o.NoVerify, "no-verify", false, "skip reading the published repository back")
	return cmd
}

// release carries one release's data from step to step: a plain struct
// beside the context, not a context of its own (STYLE.md).
type release struct {
	app  *App
	opts releaseOptions

	state  string
	suites []string // every suite released, one distribution each
	suite  string   // the suite the current steps work on
	done   []suiteRelease
	recipe *recipe.Recipe
	signer *signing.Signer
	target publish.Target
	repo   *repo.Repo
	lock   *publish.Lock

	built    *compile.Result
	deb      *deb.Result
	added    []repo.Package
	snapshot string
	publish  *publish.Report
	verified *verify.Report
}

// The whole release, top to bottom: preflight once, then for each suite
// (one distribution each) the steps from build to verify.
var preflight = []step{
	preflightStep{}, // recipe, signing key, target, lock: before minutes of compiling
}

func suiteSteps() []step {
	return []step{
		buildStep{},    // sources verified, compiled (cached by input hash)
		packageStep{},  // the signed .deb (cached by build key)
		repoAddStep{},  // into the aptly repository
		snapshotStep{}, // when the repository changed
		publishStep{},  // render, then the apt-aware transfer
		verifyStep{},   // read back as apt would
	}
}

func runRelease(ctx context.Context, app *App, o releaseOptions) error {
	rel := &release{app: app, opts: o}
	defer rel.close()
	start := time.Now()
	print := func(r stepReport) {
		if !app.JSON {
			fmt.Fprintln(app.Err, formatStep(r))
		}
	}
	reports, err := runSteps(ctx, rel, preflight, print)
	for _, suite := range rel.suites {
		if err != nil {
			break
		}
		rel.startSuite(suite)
		var more []step
		for _, s := range suiteSteps() {
			more = append(more, forSuite(s, suite, len(rel.suites) > 1))
		}
		var r []stepReport
		r, err = runSteps(ctx, rel, more, print)
		reports = append(reports, r...)
		rel.endSuite()
	}
	sum := rel.summary(reports, time.Since(start), err)
	if app.JSON {
		if jerr := json.NewEncoder(app.Out).Encode(sum); jerr != nil && err == nil {
			return jerr
		}
	} else if err == nil {
		printReleaseSummary(app, sum)
	}
	return err
}

// startSuite clears what the previous suite's steps produced.
func (rel *release) startSuite(suite string) {
	rel.suite = suite
	rel.built, rel.deb, rel.added, rel.snapshot, rel.publish, rel.verified = nil, nil, nil, "", nil, nil
}

// endSuite records the suite's outcome for the summary.
func (rel *release) endSuite() {
	r := suiteRelease{Suite: rel.suite, Snapshot: rel.snapshot}
	if rel.deb != nil {
		r.Package, r.Version, r.Deb = rel.deb.Name, rel.deb.Version, rel.deb.Path
	}
	if rel.publish != nil {
		r.Uploaded, r.Deleted = rel.publish.Uploaded, rel.publish.Deleted
	}
	rel.done = append(rel.done, r)
}

// forSuite names a step after its suite when a release has several.
func forSuite(s step, suite string, named bool) step {
	if !named {
		return s
	}
	return suiteStep{step: s, suite: suite}
}

type suiteStep struct {
	step
	suite string
}

func (s suiteStep) String() string { return s.step.String() + "[" + s.suite + "]" }

// close releases what the steps opened, in reverse order.
func (rel *release) close() {
	if rel.lock != nil {
		releaseLock(rel.app, rel.lock)
	}
	if rel.repo != nil {
		rel.repo.Close()
	}
}

// releaseSummary is release's result, printed as text or JSON. The
// top-level package fields are those of the last suite released.
type releaseSummary struct {
	OK        bool           `json:"ok"`
	Error     string         `json:"error,omitempty"`
	Steps     []stepReport   `json:"steps"`
	Package   string         `json:"package,omitempty"`
	Version   string         `json:"version,omitempty"`
	Deb       string         `json:"deb,omitempty"`
	Suite     string         `json:"suite,omitempty"`
	Snapshot  string         `json:"snapshot,omitempty"`
	Suites    []suiteRelease `json:"suites"`
	Target    string         `json:"target,omitempty"`
	Uploaded  int            `json:"uploaded"`
	Deleted   int            `json:"deleted"`
	DryRun    bool           `json:"dry_run,omitempty"`
	Duration  time.Duration  `json:"duration_ns"`
	HostsNext string         `json:"hosts_next,omitempty"`
}

// suiteRelease is what a release did for one suite.
type suiteRelease struct {
	Suite    string `json:"suite"`
	Package  string `json:"package,omitempty"`
	Version  string `json:"version,omitempty"`
	Deb      string `json:"deb,omitempty"`
	Snapshot string `json:"snapshot,omitempty"`
	Uploaded int    `json:"uploaded"`
	Deleted  int    `json:"deleted"`
}

func (rel *release) summary(steps []stepReport, d time.Duration, err error) releaseSummary {
	s := releaseSummary{OK: err == nil, Steps: nonNil(steps), Suites: nonNil(rel.done),
		DryRun: rel.opts.DryRun, Duration: d}
	if err != nil {
		s.Error = err.Error()
	}
	for _, r := range rel.done {
		s.Suite, s.Snapshot, s.Package, s.Version, s.Deb = r.Suite, r.Snapshot, r.Package, r.Version, r.Deb
		s.Uploaded += r.Uploaded
		s.Deleted += r.Deleted
	}
	if rel.target != nil {
		s.Target = rel.target.String()
	}
	if s.Package != "" {
		s.HostsNext = hostsNext(rel.app.Config, s.Package)
	}
	return s
}

// hostsNext tells the person what fleet hosts run next.
func hostsNext(cfg *Config, pkg string) string {
	url := cfg.PublicURL
	if url == "" && strings.HasPrefix(cfg.Target, "file://") {
		return fmt.Sprintf("repoctl serve & repoctl hosts shell --url http://127.0.0.1:8080 --package %s | sh", pkg)
	}
	if url == "" {
		url = "<public-url>"
	}
	return fmt.Sprintf("repoctl hosts shell --url %s --package %s | sh", url, pkg)
}

func printReleaseSummary(app *App, s releaseSummary) {
	w := app.Out
	fmt.Fprintf(w, "\nreleased in %s to %s\n", s.Duration.Round(time.Millisecond), s.Target)
	for _, r := range s.Suites {
		fmt.Fprintf(w, "  %s: %s %s\n", r.Suite, r.Package, r.Version)
		fmt.Fprintf(w, "    package:  %s\n", r.Deb)
		fmt.Fprintf(w, "    snapshot: %s (%d uploaded, %d deleted)\n", r.Snapshot, r.Uploaded, r.Deleted)
	}
	if s.DryRun {
		fmt.Fprintln(w, "  dry run: nothing was changed on the target")
	}
	fmt.Fprintf(w, "  hosts:    %s\n", s.HostsNext)
}
