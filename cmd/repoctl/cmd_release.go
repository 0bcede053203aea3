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
	suite  string
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

// releaseSteps is the whole release, top to bottom.
func releaseSteps() []step {
	return []step{
		preflightStep{}, // recipe, signing key, target, lock: before minutes of compiling
		buildStep{},     // sources verified, compiled (cached by input hash)
		packageStep{},   // the signed .deb (cached by build key)
		repoAddStep{},   // into the aptly repository
		snapshotStep{},  // when the repository changed
		publishStep{},   // render, then the apt-aware transfer
		verifyStep{},    // read back as apt would
	}
}

func runRelease(ctx context.Context, app *App, o releaseOptions) error {
	rel := &release{app: app, opts: o}
	defer rel.close()
	start := time.Now()
	reports, err := runSteps(ctx, rel, releaseSteps(), func(r stepReport) {
		if !app.JSON {
			fmt.Fprintln(app.Err, formatStep(r))
		}
	})
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

// close releases what the steps opened, in reverse order.
func (rel *release) close() {
	if rel.lock != nil {
		releaseLock(rel.app, rel.lock)
	}
	if rel.repo != nil {
		rel.repo.Close()
	}
}

// releaseSummary is release's result, printed as text or JSON.
type releaseSummary struct {
	OK        bool          `json:"ok"`
	Error     string        `json:"error,omitempty"`
	Steps     []stepReport  `json:"steps"`
	Package   string        `json:"package,omitempty"`
	Version   string        `json:"version,omitempty"`
	Deb       string        `json:"deb,omitempty"`
	Suite     string        `json:"suite,omitempty"`
	Snapshot  string        `json:"snapshot,omitempty"`
	Target    string        `json:"target,omitempty"`
	Uploaded  int           `json:"uploaded"`
	Deleted   int           `json:"deleted"`
	DryRun    bool          `json:"dry_run,omitempty"`
	Duration  time.Duration `json:"duration_ns"`
	HostsNext string        `json:"hosts_next,omitempty"`
}

func (rel *release) summary(steps []stepReport, d time.Duration, err error) releaseSummary {
	s := releaseSummary{OK: err == nil, Steps: nonNil(steps), Suite: rel.suite, Snapshot: rel.snapshot,
		DryRun: rel.opts.DryRun, Duration: d}
	if err != nil {
		s.Error = err.Error()
	}
	if rel.deb != nil {
		s.Package, s.Version, s.Deb = rel.deb.Name, rel.deb.Version, rel.deb.Path
	}
	if rel.target != nil {
		s.Target = rel.target.String()
	}
	if rel.publish != nil {
		s.Uploaded, s.Deleted = rel.publish.Uploaded, rel.publish.Deleted
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
	fmt.Fprintf(w, "\nreleased %s %s for %s in %s\n", s.Package, s.Version, s.Suite, s.Duration.Round(time.Millisecond))
	fmt.Fprintf(w, "  package:  %s\n", s.Deb)
	fmt.Fprintf(w, "  snapshot: %s\n", s.Snapshot)
	fmt.Fprintf(w, "  target:   %s (%d uploaded, %d deleted)\n", s.Target, s.Uploaded, s.Deleted)
	if s.DryRun {
		fmt.Fprintln(w, "  dry run:  nothing was changed on the target")
	}
	fmt.Fprintf(w, "  hosts:    %s\n", s.HostsNext)
}
