// Package verify reads a published apt repository back over HTTP(S) the
// way apt does and checks every signature, index and (a sample of, or
// every) pool file against what the signed Release promises.
//
// It collects every problem instead of stopping at the first, so that one
// run tells an operator all that is wrong with a repository.
package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/internal/progress"
)

// Options tune a verification. The zero value checks nothing: Dists is
// required, since apt (and so verify) cannot list a repository's dists.
type Options struct {
	Dists    []string          // distributions to check, e.g. bookworm
	Full     bool              // hash every pool file, not a sample
	Sample   int               // pool files hashed when !Full (default 20); all get a HEAD
	Jobs     int               // parallel pool requests (default 8)
	HTTP     *http.Client      // default: a client with a 5 minute timeout
	Progress progress.Reporter // default: progress.Discard
	Now      func() time.Time  // default time.Now; tests set it
}

// Problem is one thing wrong with one object, named by its path under the
// repository's base URL (dists/bookworm/InRelease, pool/main/...).
type Problem struct {
	Object string `json:"object"`
	Reason string `json:"reason"`
}

func (p Problem) String() string { return p.Object + ": " + p.Reason }

// Release is what one distribution's Release file says about it.
type Release struct {
	Dist          string    `json:"dist"`
	Origin        string    `json:"origin"`
	Label         string    `json:"label"`
	Suite         string    `json:"suite"`
	Codename      string    `json:"codename"`
	Date          time.Time `json:"date"`
	ValidUntil    time.Time `json:"valid_until,omitzero"`
	Architectures []string  `json:"architectures"`
	Components    []string  `json:"components"`
	AcquireByHash bool      `json:"acquire_by_hash"`
}

// Report is what a verification read and found.
type Report struct {
	URL         string    `json:"url"`
	Dists       []string  `json:"dists"`
	Releases    []Release `json:"releases"`     // what each dist's Release says
	Signers     []string  `json:"signers"`      // fingerprints of the keys that signed
	Indexes     int       `json:"indexes"`      // index files read and checked
	Packages    int       `json:"packages"`     // entries read from Packages indexes
	PoolFiles   int       `json:"pool_files"`   // distinct pool files checked for presence and size
	PoolChecked int       `json:"pool_checked"` // pool files whose SHA-256 was checked
	Problems    []Problem `json:"problems"`
	Warnings    []Problem `json:"warnings"` // apt accepts these, but they deserve a look
}

// Repository verifies the repository at baseURL against keyring (any key
// in it may sign, as with apt's Signed-By). The error is errs.Verify and
// lists every problem when the report has any; the report is returned
// whenever the check ran, so that callers can print it.
func Repository(ctx context.Context, baseURL string, keyring []byte, opts Options) (*Report, error) {
	if len(opts.Dists) == 0 {
		return nil, errs.Usage(errors.New("verify: name at least one distribution (apt cannot list them)"))
	}
	opts = opts.withDefaults()
	base := strings.TrimRight(baseURL, "/")
	v := &verifier{
		f:       &fetcher{base: base, client: opts.HTTP},
		opts:    opts,
		keyring: keyring,
		report: &Report{URL: redactURL(base), Dists: opts.Dists, // [] not null in JSON:
			Releases: []Release{}, Signers: []string{}, Problems: []Problem{}, Warnings: []Problem{}},
		pool: map[string]poolEntry{},
	}
	for _, d := range opts.Dists {
		v.dist(ctx, d)
		if err := ctx.Err(); err != nil {
			return v.report, err
		}
	}
	v.checkPool(ctx)
	if err := ctx.Err(); err != nil {
		return v.report, err
	}
	for _, w := range v.report.Warnings {
		opts.Progress.Notef("warning: %s", w)
	}
	return v.report, v.report.err()
}

func (o Options) withDefaults() Options {
	if o.Sample <= 0 {
		o.Sample = 20
	}
	if o.Jobs <= 0 {
		o.Jobs = 8
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 5 * time.Minute}
	}
	if o.Progress == nil {
		o.Progress = progress.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// redactURL hides the password of a URL with user info (basic auth to a
// private mirror), so that the report and its errors can be printed.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			if j := strings.Index(raw, "://"); j >= 0 && j < i {
				return raw[:j+3] + "xxxxx" + raw[i:]
			}
		}
		return raw
	}
	return u.Redacted()
}

// err lists every problem, one a line, as an errs.Verify error.
func (r *Report) err() error {
	if len(r.Problems) == 0 {
		return nil
	}
	lines := make([]string, len(r.Problems))
	for i, p := range r.Problems {
		lines[i] = "  " + p.String()
	}
	return errs.Verify(fmt.Errorf("repository %s failed verification (%d problems):\n%s",
		r.URL, len(r.Problems), strings.Join(lines, "\n")))
}

// verifier holds one run's state. mu guards report: pool files are
// checked in parallel.
type verifier struct {
	f       *fetcher
	opts    Options
	keyring []byte
	pool    map[string]poolEntry // by Filename, across dists
	mu      sync.Mutex
	report  *Report
}

func (v *verifier) problem(object, format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.report.Problems = append(v.report.Problems, Problem{object, fmt.Sprintf(format, args...)})
}

func (v *verifier) warn(object, format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.report.Warnings = append(v.report.Warnings, Problem{object, fmt.Sprintf(format, args...)})
}

func (v *verifier) signer(fpr string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !slices.Contains(v.report.Signers, fpr) {
		v.report.Signers = append(v.report.Signers, fpr)
	}
}

// dist checks one distribution: its signed Release, then every index the
// Release lists, collecting the pool files the Packages indexes name.
func (v *verifier) dist(ctx context.Context, dist string) {
	prefix := "dists/" + dist + "/"
	text, from := v.release(ctx, prefix)
	if text == nil {
		return
	}
	rel, err := parseRelease(text)
	if err != nil {
		v.problem(prefix+from, "cannot parse the Release text: %v", err)
		return
	}
	v.releaseFields(prefix+from, dist, rel)
	v.report.Releases = append(v.report.Releases, Release{
		Dist: dist, Origin: rel.Origin, Label: rel.Label, Suite: rel.Suite, Codename: rel.Codename,
		Date: rel.Date, ValidUntil: rel.ValidUntil, Architectures: rel.Architectures,
		Components: rel.Components, AcquireByHash: rel.AcquireByHash,
	})
	v.indexes(ctx, prefix, rel)
}
