package buildroot

import (
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/repoctl/repoctl/internal/debarchive"
	"github.com/repoctl/repoctl/internal/progress"
)

// Options configures Ensure.
type Options struct {
	// CacheDir holds the roots, one directory per <suite>-<arch>; default
	// DefaultCacheDir(). A state directory's is <state>/roots.
	CacheDir string
	// AptRoot is where the host's apt sources are read (the mirror of
	// every root comes from there); default /etc/apt.
	AptRoot string
	// MaxAge is how old a root's package lists may get before Ensure runs
	// apt-get update and upgrade in it; default 24h, negative: never.
	MaxAge   time.Duration
	Progress progress.Reporter
	Log      io.Writer // debootstrap and apt output; nil discards it
}

// DefaultMaxAge is how often a root gets security updates by default.
const DefaultMaxAge = 24 * time.Hour

// DefaultCacheDir is $REPOCTL_CACHE/roots, or ~/.cache/repoctl/roots.
func DefaultCacheDir() string {
	if d := os.Getenv("REPOCTL_CACHE"); d != "" {
		return filepath.Join(d, "roots")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "repoctl", "roots")
	}
	return filepath.Join(os.TempDir(), "repoctl-cache", "roots")
}

func (o Options) withDefaults() Options {
	if o.CacheDir == "" {
		o.CacheDir = DefaultCacheDir()
	}
	if o.AptRoot == "" {
		o.AptRoot = debarchive.DefaultRoot
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.Progress == nil {
		o.Progress = progress.Discard
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o
}
