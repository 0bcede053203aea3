package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/publish/verify"
	"github.com/repoctl/repoctl/signing"
)

func init() { register(newVerifyCmd) }

type verifyOptions struct {
	Where   string   // http(s) URL, s3:// or file:// target; empty: from the config
	Dists   []string // default: the config's suites
	Keyring string   // default: keys/<signing-key>.gpg
	Full    bool
	Sample  int
}

func newVerifyCmd(app *App) *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:   "verify [URL|TARGET]",
		Short: "Read the published repository back as apt would and check every signature and checksum",
		Long: `verify fetches dists/<dist>/InRelease, Release and Release.gpg over HTTP(S),
checks both signatures against the keyring, then every index the Release
lists (and its by-hash copy) and the pool files the Packages indexes name:
all of them by size, a sample (all with --full) by SHA-256. It reports every
problem, not only the first, and exits 3 when there is any.

URL is the repository's base URL. A file:// target is read through an HTTP
server in this process; an s3:// target (or none) is read at public-url.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Where = args[0]
			}
			return runVerify(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.Dists, "dist", nil, "distribution to check (repeatable; default: the config's suites)")
	f.StringVar(&o.Keyring, "keyring", "", "keyring the repository must be signed with (default: keys/<signing-key>.gpg)")
	f.BoolVar(&o.Full, "full", false, "hash every pool file, not a sample")
	f.IntVar(&o.Sample, "sample", 20, "pool files hashed without --full (all are checked for size)")
	return cmd
}

func runVerify(ctx context.Context, app *App, o verifyOptions) error {
	cfg := app.Config
	if len(o.Dists) == 0 {
		o.Dists = cfg.Suites
	}
	if len(o.Dists) == 0 {
		// The same default as release: the host's own suite.
		dist, err := repoDist(app, "")
		if err != nil {
			return errs.Usage(errors.New("verify: no distribution: pass --dist or set suites in repoctl.yaml"))
		}
		o.Dists = []string{dist}
	}
	if o.Keyring == "" {
		o.Keyring = filepath.Join("keys", cfg.SigningKey+".gpg")
	}
	keyring, err := signing.ReadKeyring(o.Keyring)
	if err != nil {
		return err
	}
	base, stop, err := verifyURL(cfg, o.Where)
	if err != nil {
		return err
	}
	defer stop()
	rep, err := verify.Repository(ctx, base, keyring, verify.Options{
		Dists: o.Dists, Full: o.Full, Sample: o.Sample, Progress: app.Progress,
	})
	if rep != nil {
		if perr := printVerifyReport(app, rep); perr != nil && err == nil {
			err = perr
		}
	}
	return err
}

// verifyURL picks the base URL to read, and starts an HTTP server over a
// file:// target's directory so that the same HTTP path is exercised.
func verifyURL(cfg *Config, where string) (string, func(), error) {
	nop := func() {}
	switch {
	case strings.HasPrefix(where, "http://"), strings.HasPrefix(where, "https://"):
		return where, nop, nil
	case strings.HasPrefix(where, "file://"):
		return verifyServeDir(strings.TrimPrefix(where, "file://"))
	case where != "" && !strings.HasPrefix(where, "s3://"):
		return "", nop, errs.Usage(fmt.Errorf("verify: %q: want an http(s):// URL or an s3:// or file:// target", where))
	case cfg.PublicURL != "":
		return cfg.PublicURL, nop, nil
	case where == "" && strings.HasPrefix(cfg.Target, "file://"):
		return verifyServeDir(strings.TrimPrefix(cfg.Target, "file://"))
	}
	return "", nop, errs.Usage(errors.New("verify: no public-url: set public-url in repoctl.yaml " +
		"(e.g. https://BUCKET.s3.REGION.amazonaws.com/PREFIX, the URL hosts use) or pass the URL"))
}

// verifyServeDir serves dir on 127.0.0.1 until the returned stop is called.
func verifyServeDir(dir string) (string, func(), error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", func() {}, errs.Usage(fmt.Errorf("verify: %s is not a directory (publish first)", dir))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", func() {}, err
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

func printVerifyReport(app *App, rep *verify.Report) error {
	if app.JSON {
		return json.NewEncoder(app.Out).Encode(rep)
	}
	signers := strings.Join(rep.Signers, ", ")
	if signers == "" {
		signers = "nothing verified"
	}
	verdict := "verified"
	if len(rep.Problems) > 0 {
		verdict = fmt.Sprintf("FAILED (%d problems)", len(rep.Problems))
	}
	_, err := fmt.Fprintf(app.Out, "%s %s (%s): %d indexes, %d packages, %d pool files (%d hashed), %d warnings, signed by %s\n",
		verdict, rep.URL, strings.Join(rep.Dists, ", "), rep.Indexes, rep.Packages, rep.PoolFiles, rep.PoolChecked,
		len(rep.Warnings), signers)
	return err
}
