// Package repo is repoctl's only importer of aptly: the package database
// (goleveldb), the package pool, one local repository per distribution,
// snapshots, their diff and retention, and rendering a snapshot into a
// signed apt tree on local disk for publish to upload.
//
// aptly is wrapped once, here: input is validated before aptly sees it
// (some of its constructors panic on bad input), a real progress is always
// passed (a nil one panics on the first warning), and its panics are
// recovered into errors.
//
// Layout of Options.Dir: db/ (goleveldb: aptly's records plus repoctl's
// own keys under "~repoctl/"), pool/ (package files by sha256), lock (flock
// + pid of the holder), tmp/ (private copies being imported). A Repo is
// held by one process and is not safe for concurrent use by goroutines.
//
// With Options.DB = "etcd://HOST:PORT/PREFIX" the database lives in etcd
// under PREFIX/ instead of db/ (see etcd.go), and Dir keeps the pool, the
// lock and tmp/. The flock then guards Dir only: runners with their own
// disks do not see each other's. What serialises them is the publish lock
// on the target (publish.AcquireLock), which repoctl release and publish
// take before they change anything; see docs/state.md. The pool on such a
// runner holds only the packages it added itself: Render skips the others
// and reports them (RenderResult.Missing), as the target already has them.
package repo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aptly-dev/aptly/database"
	"github.com/aptly-dev/aptly/database/goleveldb"
	"github.com/aptly-dev/aptly/deb"
	"github.com/aptly-dev/aptly/files"

	"github.com/repoctl/repoctl/internal/progress"
)

// Options says where the state lives and how to report long work.
type Options struct {
	Dir      string            // <state>/aptly: goleveldb db ("db") + pool ("pool")
	DB       string            // "" = goleveldb in Dir/db; "etcd://HOST:PORT/PREFIX" = etcd
	Progress progress.Reporter // nil means progress.Discard
}

// Repo is an open aptly state directory. It is held exclusively by one
// process from Open to Close.
type Repo struct {
	dir      string
	db       database.Storage
	pool     *files.PackagePool
	shared   bool // the database is in etcd, shared with other runners
	lock     *os.File
	progress progress.Reporter
}

// Open opens (creating if needed) the state in opts.Dir, and the database
// opts.DB names. A state directory already held by another repoctl fails
// at once with ErrInUse; an etcd that does not answer fails within a few
// seconds with "cannot reach etcd at ...".
func Open(opts Options) (r *Repo, err error) {
	if opts.Dir == "" {
		return nil, errors.New("repo: no state directory given")
	}
	var etcd *EtcdState
	if opts.DB != "" {
		st, err := ParseEtcdURL(opts.DB)
		if err != nil {
			return nil, err
		}
		etcd = &st
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("repo: state directory %s: %w", dir, err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			unlock(lock)
		}
	}()
	// Import copies and scratch databases a crash left behind: we hold the
	// lock, nobody uses them.
	os.RemoveAll(tmpDBDir(dir))
	var db database.Storage
	if etcd != nil {
		db, err = openEtcd(*etcd, tmpDBDir(dir))
	} else {
		db, err = openDB(filepath.Join(dir, "db"))
	}
	if err != nil {
		return nil, err
	}
	rep := opts.Progress
	if rep == nil {
		rep = progress.Discard
	}
	return &Repo{dir: dir, db: db, lock: lock, progress: rep, shared: etcd != nil,
		pool: files.NewPackagePool(filepath.Join(dir, "pool"), false)}, nil
}

// openDB opens goleveldb. Our own lock is taken first, so goleveldb's lock
// error here means something other than repoctl holds the database.
func openDB(path string) (db database.Storage, err error) {
	defer recoverInto(&err)
	db, err = goleveldb.NewOpenDB(path)
	if err != nil {
		return nil, fmt.Errorf("repo: open database %s: %w", path, err)
	}
	return db, nil
}

// Close releases the database and the lock. Safe to call twice.
func (r *Repo) Close() error {
	if r == nil || r.db == nil {
		return nil
	}
	err := r.db.Close()
	r.db = nil
	unlock(r.lock)
	return err
}

// factory returns a fresh collection factory: aptly's collections cache
// what they read, so a new one per operation never serves stale state.
func (r *Repo) factory() *deb.CollectionFactory {
	return deb.NewCollectionFactory(r.db)
}

// recoverInto turns a panic inside aptly into an error: aptly uses panic
// for some failures it considers impossible.
func recoverInto(err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("aptly failed unexpectedly: %v", p)
	}
}
