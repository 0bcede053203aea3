// Package source fetches a recipe's sources (a URL, a file of the Debian
// archive found through the host's apt sources, or a local path), checks
// their SHA-256 and OpenPGP signature, keeps them in a content-addressed
// cache, extracts them safely and applies their patches.
//
// Nothing is extracted before it is verified, and nothing unverified enters
// the cache.
package source

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/repoctl/repoctl/internal/debarchive"
	"github.com/repoctl/repoctl/internal/progress"
)

// SignatureVerifier checks that signature is a valid detached OpenPGP
// signature of data by the key in keyFile, and that this key's fingerprint
// is fingerprint. cmd/repoctl injects one from signing/, the only importer
// of go-crypto.
type SignatureVerifier func(data, signature io.Reader, keyFile, fingerprint string) error

// Options configures Fetch and Prepare. The zero value works, except that a
// signed source needs Verify.
type Options struct {
	CacheDir string            // content-addressed cache: <CacheDir>/sha256/<hex>
	Mirrors  []string          // directories looked in first, by file basename and by sha256
	AptRoot  string            // default /etc/apt
	Progress progress.Reporter // nil = progress.Discard
	Verify   SignatureVerifier // nil: a source that has a signature fails with a clear error
	HTTP     *http.Client      // nil = a client with sane timeouts
	MaxSize  int64             // refuse downloads/extractions larger than this (default 2 GiB)
}

// DefaultMaxSize bounds a download and an extraction when Options.MaxSize
// is 0.
const DefaultMaxSize = 2 << 30

// withDefaults fills in every unset option.
func (o Options) withDefaults() Options {
	if o.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		o.CacheDir = filepath.Join(dir, "repoctl", "sources")
	}
	if o.AptRoot == "" {
		o.AptRoot = debarchive.DefaultRoot
	}
	if o.Progress == nil {
		o.Progress = progress.Discard
	}
	if o.HTTP == nil {
		o.HTTP = defaultClient()
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	return o
}

// defaultClient gives up on a server that does not connect or answer in
// time; the body itself may take long (a slow link), so there is no overall
// limit below the half hour a 2 GiB source could take.
func defaultClient() *http.Client {
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: t, Timeout: 30 * time.Minute}
}
