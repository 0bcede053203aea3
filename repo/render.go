package repo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"

	"github.com/aptly-dev/aptly/aptly"
	"github.com/aptly-dev/aptly/deb"
	"github.com/aptly-dev/aptly/files"
	"github.com/aptly-dev/aptly/utils"
)

// RenderOptions describes the apt tree Render writes.
type RenderOptions struct {
	Distribution  string   // dists/<Distribution>; "" = the snapshot's own
	Component     string   // "" = main
	Architectures []string // binary-<arch> indexes written (at least one)
	Origin, Label string   // Release fields; "" = repoctl
	Signer        Signer   // signs InRelease and Release.gpg (required)
	Prefix        string   // "" or a relative subdirectory of dir
}

var (
	validComponent = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	validField     = regexp.MustCompile(`^[^\n\r]*$`)
)

// Render writes the complete, signed apt tree of snapshot into dir as aptly
// publishes it: dists/<dist>/{InRelease,Release,Release.gpg}, per
// component and architecture Packages{,.gz,.bz2} and Release, by-hash
// copies of every index (Acquire-By-Hash: yes), and the pool
// (pool/<comp>/<x>/<source>/<file>.deb, hardlinked from the state's pool
// when on the same filesystem, copied otherwise).
//
// Render is a pure function of the snapshot and options: aptly's
// PublishedRepo is built in memory and never stored, so the state
// database keeps no publish records of its own (publish keeps ours, see
// RecordPublished). dists/<dist> is replaced; other distributions rendered
// into the same dir, and the shared pool, are left alone. Contents indexes
// are not generated: apt does not need them, and aptly would read every
// .deb and write to the database to make them.
func (r *Repo) Render(ctx context.Context, snapshot string, opts RenderOptions, dir string) error {
	_, err := r.RenderTree(ctx, snapshot, opts, dir)
	return err
}

// MissingFile is a package file the snapshot references that the local
// pool does not hold (a runner whose database is in etcd holds only what
// it added itself). It is not in the rendered tree: the target must
// already have it at Key with this size, and publish checks that it does.
type MissingFile struct {
	Key      string `json:"key"`       // pool/<comp>/<x>/<source>/<file>, relative to dir
	PoolPath string `json:"pool_path"` // in the local pool
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
}

// RenderResult says what Render left out of the tree.
type RenderResult struct {
	Missing []MissingFile `json:"missing,omitempty"`
}

// RenderTree is Render, and reports the package files it did not find in
// the local pool and left out of dir. The indexes still list them, with
// their size and checksums from the database: the tree is then complete
// only together with a target that already holds those files (publish
// refuses it otherwise: "neither staged nor published").
func (r *Repo) RenderTree(ctx context.Context, snapshot string, opts RenderOptions, dir string) (res *RenderResult, err error) {
	defer recoverInto(&err)
	res = &RenderResult{}
	f := r.factory()
	snap, err := findSnapshot(f, snapshot)
	if err != nil {
		return nil, err
	}
	if opts.Distribution == "" {
		opts.Distribution = snapshotDist(f, snap)
	}
	opts, err = checkRender(opts, dir)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pub, err := newPublished(f, snap, opts)
	if err != nil {
		return nil, err
	}
	if err := prepareDir(dir, opts); err != nil {
		return nil, err
	}
	if err := r.publish(f, pub, opts, dir, res); err != nil {
		return nil, err
	}
	sort.Slice(res.Missing, func(i, j int) bool { return res.Missing[i].Key < res.Missing[j].Key })
	return res, nil
}

// checkRender validates everything aptly would panic on or misuse, and
// fills defaults.
func checkRender(opts RenderOptions, dir string) (RenderOptions, error) {
	if dir == "" {
		return opts, usagef("render: no output directory given")
	}
	if opts.Signer == nil {
		return opts, errors.New("render: no signer: an unsigned repository is useless to apt with Signed-By")
	}
	if err := checkDist(opts.Distribution); err != nil {
		return opts, err
	}
	if opts.Component == "" {
		opts.Component = "main"
	}
	if !validComponent.MatchString(opts.Component) {
		return opts, usagef("invalid component %q", opts.Component)
	}
	if len(opts.Architectures) == 0 {
		return opts, usagef("render: no architectures given (e.g. amd64)")
	}
	for _, a := range opts.Architectures {
		if !validArch.MatchString(a) || a == "source" {
			return opts, usagef("invalid architecture %q", a)
		}
	}
	if opts.Origin == "" {
		opts.Origin = "repoctl"
	}
	if opts.Label == "" {
		opts.Label = opts.Origin
	}
	if !validField.MatchString(opts.Origin) || !validField.MatchString(opts.Label) {
		return opts, usagef("Origin and Label must be one line")
	}
	return opts, checkPrefix(opts.Prefix)
}

// checkPrefix refuses prefixes that escape dir or collide with apt's own
// directories (aptly refuses those too, after half-building its state).
func checkPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if filepath.IsAbs(prefix) {
		return usagef("prefix %q must be relative", prefix)
	}
	for _, part := range strings.Split(filepath.ToSlash(filepath.Clean(prefix)), "/") {
		if part == ".." || part == "." || part == "dists" || part == "pool" || part == "" {
			return usagef("invalid prefix %q", prefix)
		}
	}
	return nil
}

// newPublished builds aptly's PublishedRepo in memory.
func newPublished(f *deb.CollectionFactory, snap *deb.Snapshot, opts RenderOptions) (*deb.PublishedRepo, error) {
	prefix := opts.Prefix
	if prefix == "" {
		prefix = "."
	}
	pub, err := deb.NewPublishedRepo("", prefix, opts.Distribution, append([]string(nil), opts.Architectures...),
		[]string{opts.Component}, []interface{}{snap}, f, false)
	if err != nil {
		return nil, usagef("render %s: %v", snap.Name, err)
	}
	pub.Origin = opts.Origin
	pub.Label = opts.Label
	pub.AcquireByHash = true
	pub.SkipContents = true
	return pub, nil
}

// prepareDir creates dir and removes a previous rendering of this
// distribution, so a re-render converges on exactly the snapshot.
func prepareDir(dir string, opts RenderOptions) error {
	dists := filepath.Join(dir, opts.Prefix, "dists", opts.Distribution)
	if err := os.RemoveAll(dists); err != nil {
		return err
	}
	return os.MkdirAll(filepath.Join(dir, opts.Prefix), 0o755)
}

func (r *Repo) publish(f *deb.CollectionFactory, pub *deb.PublishedRepo, opts RenderOptions, dir string, res *RenderResult) error {
	storage := &skipMissing{
		PublishedStorage: files.NewPublishedStorage(dir, r.linkMethod(dir), "checksum"),
		pool:             r.pool, res: res,
	}
	err := pub.Publish(r.pool, storageProvider{storage}, f, aptlySigner{opts.Signer}, newAptlyProgress(r.progress), false, "")
	if err != nil {
		if strings.Contains(err.Error(), "file already exists and is different") {
			return usagef("render %s into %s: %v (another distribution rendered here has a different file of the same name)", opts.Distribution, dir, err)
		}
		return fmt.Errorf("render %s into %s: %w", opts.Distribution, dir, err)
	}
	return dropByHashLinks(filepath.Join(dir, opts.Prefix, "dists", opts.Distribution))
}

// linkMethod hardlinks pool files when dir is on the pool's filesystem.
func (r *Repo) linkMethod(dir string) string {
	var a, b syscall.Stat_t
	if syscall.Stat(dir, &a) == nil && syscall.Stat(r.dir, &b) == nil && a.Dev == b.Dev {
		return "hardlink"
	}
	return "copy"
}

// dropByHashLinks removes the symlinks aptly leaves in by-hash directories
// (by-hash/SHA256/Packages -> absolute path of the hash file): they are its
// bookkeeping for rotating old indexes in a long-lived public directory,
// point outside any upload, and apt never asks for them.
//
// It also removes the MD5Sum and SHA1 by-hash copies: apt fetches by the
// strongest hash Release lists (SHA512), and Debian's own archive serves
// none by MD5 or SHA-1; they would only add objects to every publish.
func dropByHashLinks(root string) error {
	return filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		parent := filepath.Base(filepath.Dir(path))
		if d.IsDir() && parent == "by-hash" && weakByHash[d.Name()] {
			if err := os.RemoveAll(path); err != nil {
				return err
			}
			return filepath.SkipDir
		}
		if d.Type()&os.ModeSymlink != 0 && filepath.Base(filepath.Dir(filepath.Dir(path))) == "by-hash" {
			return os.Remove(path)
		}
		return nil
	})
}

// weakByHash are the by-hash directories no apt client fetches.
var weakByHash = map[string]bool{"MD5Sum": true, "SHA1": true}

// skipMissing is aptly's storage for the staging tree, except that a
// package file missing from the local pool is left out and recorded
// rather than failing the render.
type skipMissing struct {
	aptly.PublishedStorage
	pool *files.PackagePool
	res  *RenderResult
}

func (s *skipMissing) LinkFromPool(prefix, relPath, fileName string, pool aptly.PackagePool,
	poolPath string, sums utils.ChecksumInfo, force bool) error {
	if _, err := s.pool.Stat(poolPath); errors.Is(err, fs.ErrNotExist) {
		key := filepath.ToSlash(filepath.Join(prefix, relPath, fileName))
		s.res.Missing = append(s.res.Missing, MissingFile{Key: key, PoolPath: poolPath, Size: sums.Size, SHA256: sums.SHA256})
		return nil
	}
	return s.PublishedStorage.LinkFromPool(prefix, relPath, fileName, pool, poolPath, sums, force)
}

// storageProvider hands aptly the one storage it publishes to.
type storageProvider struct{ s aptly.PublishedStorage }

func (p storageProvider) GetPublishedStorage(string) (aptly.PublishedStorage, error) { return p.s, nil }
