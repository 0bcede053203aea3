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
	Progress progress.Reporter // nil means progress.Discard
}

// Repo is an open aptly state directory. It is held exclusively by one
// process from Open to Close.
type Repo struct {
	dir      string
	db       database.Storage
	pool     *files.PackagePool
	lock     *os.File
	progress progress.Reporter
}

// Open opens (creating if needed) the state in opts.Dir. A state directory
// already held by another repoctl fails at once with ErrInUse.
func Open(opts Options) (r *Repo, err error) {
	if opts.Dir == "" {
		return nil, errors.New("repo: no state directory given")
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
	db, err := openDB(filepath.Join(dir, "db"))
	if err != nil {
		return nil, err
	}
	// Import copies a crash left behind: we hold the lock, nobody uses them.
	os.RemoveAll(filepath.Join(dir, "tmp"))
	rep := opts.Progress
	if rep == nil {
		rep = progress.Discard
	}
	return &Repo{dir: dir, db: db, lock: lock, progress: rep,
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
