package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/repoctl/repoctl/publish"
	"github.com/repoctl/repoctl/repo"
	"github.com/repoctl/repoctl/signing"
)

// stepResult is what the repoctl step prints on stdout (one JSON line).
type stepResult struct {
	Add, Snapshot, Render, Publish time.Duration
	Uploaded, Skipped, Deleted     int
	BytesUploaded                  int64
}

// runRepoctlStep is "benchrun repoctl-step": one release as repoctl makes
// it, in its own process so that its peak RSS is measured like aptly's:
// add the .debs (if any), snapshot, render the signed tree into the
// staging dir, take the release lock, publish, release the lock.
func runRepoctlStep(args []string) error {
	fs := flag.NewFlagSet("repoctl-step", flag.ExitOnError)
	state := fs.String("state", "", "state directory")
	debList := fs.String("debs", "", "file listing .deb paths to add, one per line (empty: add none)")
	dist := fs.String("dist", "bench", "distribution")
	snap := fs.String("snapshot", "", "snapshot name")
	target := fs.String("target", "", "s3://bucket/prefix")
	endpoint := fs.String("endpoint", "", "S3 endpoint")
	sign := fs.Bool("sign", true, "sign InRelease/Release.gpg with a generated ed25519 key (else a placeholder signature)")
	jobs := fs.Int("jobs", 0, "parallel uploads (0: publish's default)")
	fs.Parse(args)
	ctx := context.Background()
	var res stepResult

	r, err := repo.Open(repo.Options{Dir: filepath.Join(*state, "aptly")})
	if err != nil {
		return err
	}
	defer r.Close()
	t0 := time.Now()
	if *debList != "" {
		b, err := os.ReadFile(*debList)
		if err != nil {
			return err
		}
		debs := strings.Fields(string(b))
		if _, err := r.Add(ctx, debs, repo.AddOptions{Distribution: *dist}); err != nil {
			return fmt.Errorf("add: %w", err)
		}
	}
	res.Add = time.Since(t0)
	t0 = time.Now()
	if _, err := r.CreateSnapshot(*dist, *snap); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	res.Snapshot = time.Since(t0)
	t0 = time.Now()
	signer, err := benchSigner(*state, *sign)
	if err != nil {
		return err
	}
	staging := filepath.Join(*state, "staging")
	err = r.Render(ctx, *snap, repo.RenderOptions{Distribution: *dist, Architectures: []string{"amd64"}, Signer: signer}, staging)
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	res.Render = time.Since(t0)
	t0 = time.Now()
	tg, err := publish.OpenTarget(ctx, *target, publish.TargetOptions{Endpoint: *endpoint, PathStyle: true})
	if err != nil {
		return err
	}
	lock, err := publish.AcquireLock(ctx, tg, publish.LockOptions{})
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	rep, err := publish.Publish(ctx, staging, tg, publish.Options{Jobs: *jobs})
	if lerr := lock.Release(context.WithoutCancel(ctx)); err == nil && lerr != nil {
		err = fmt.Errorf("unlock: %w", lerr)
	}
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	res.Publish = time.Since(t0)
	res.Uploaded, res.Skipped, res.Deleted, res.BytesUploaded = rep.Uploaded, rep.Skipped, rep.Deleted, rep.BytesUploaded
	return json.NewEncoder(os.Stdout).Encode(res)
}

// benchSigner is a real ed25519 key generated once in the state directory
// (what a release does), or a placeholder that writes the input unsigned.
func benchSigner(state string, real bool) (repo.Signer, error) {
	if !real {
		return placeholderSigner{}, nil
	}
	st := signing.Store{StateDir: state, PublicDir: filepath.Join(state, "public-keys")}
	if _, err := st.Info("bench"); err != nil {
		if _, err := st.Generate(signing.GenerateOptions{Name: "bench", Email: "bench@example.invalid", RealName: "repoctl bench"}); err != nil {
			return nil, fmt.Errorf("generate key: %w", err)
		}
	}
	return st.Signer([]string{"bench"}, func() ([]byte, error) { return nil, nil })
}

type placeholderSigner struct{}

func (placeholderSigner) ClearSign(in io.Reader, out io.Writer) error {
	_, err := io.Copy(out, in)
	return err
}

func (placeholderSigner) DetachSign(in io.Reader, out io.Writer) error {
	_, err := io.Copy(io.Discard, in)
	if err == nil {
		_, err = io.WriteString(out, "unsigned\n")
	}
	return err
}
