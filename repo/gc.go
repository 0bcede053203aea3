package repo

import (
	"encoding/json"
	"strings"

	"github.com/aptly-dev/aptly/deb"
)

// CleanupReport says what Cleanup removed.
type CleanupReport struct {
	Packages int   `json:"packages"` // package records no repo or snapshot references
	Files    int   `json:"files"`    // pool files of no referenced package
	Bytes    int64 `json:"bytes"`    // their total size
}

// DropSnapshot deletes a snapshot. The snapshot live at any publish target,
// and the one before it (what rollback returns to), are refused. Pool
// files go with the next Cleanup, once nothing else references them.
func (r *Repo) DropSnapshot(name string) (err error) {
	defer recoverInto(&err)
	f := r.factory()
	snap, err := findSnapshot(f, name)
	if err != nil {
		return err
	}
	if where := r.neededAt(name); where != "" {
		return usagef("snapshot %s is live, or the rollback target, at %s: publish others first", name, where)
	}
	return f.SnapshotCollection().Drop(snap)
}

// neededAt returns "target (dist)" where snapshot is one of the two newest
// published, or "".
func (r *Repo) neededAt(snapshot string) string {
	where := ""
	r.db.ProcessByPrefix([]byte(keyPublished), func(k, v []byte) error {
		var hist []string
		if json.Unmarshal(v, &hist) == nil && contains(hist[max(0, len(hist)-2):], snapshot) {
			target, dist, _ := strings.Cut(strings.TrimPrefix(string(k), keyPublished), "\x00")
			where = target + " (" + dist + ")"
		}
		return nil
	})
	return where
}

// Cleanup removes package records that no local repo or snapshot
// references, and pool files that no remaining package uses. What a
// snapshot references always stays. Records of versions ever added are
// kept (see keySeen), so a removed version still cannot come back with
// other content.
func (r *Repo) Cleanup() (rep CleanupReport, err error) {
	defer recoverInto(&err)
	f := r.factory()
	refs, err := referencedRefs(f)
	if err != nil {
		return rep, err
	}
	keep := map[string]bool{}
	err = refs.ForEach(func(key []byte) error {
		p, err := f.PackageCollection().ByKey(key)
		if err != nil {
			return err
		}
		for _, file := range p.Files() {
			keep[file.PoolPath] = true
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	if rep.Packages, err = r.dropRecords(f, refs); err != nil {
		return rep, err
	}
	rep.Files, rep.Bytes, err = r.dropPoolFiles(keep)
	return rep, err
}

// referencedRefs merges the package lists of every local repo and snapshot.
func referencedRefs(f *deb.CollectionFactory) (*deb.PackageRefList, error) {
	all := deb.NewPackageRefList()
	err := f.LocalRepoCollection().ForEach(func(lr *deb.LocalRepo) error {
		if err := f.LocalRepoCollection().LoadComplete(lr); err != nil {
			return err
		}
		all = all.Merge(lr.RefList(), false, true)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = f.SnapshotCollection().ForEach(func(s *deb.Snapshot) error {
		if err := f.SnapshotCollection().LoadComplete(s); err != nil {
			return err
		}
		all = all.Merge(s.RefList(), false, true)
		return nil
	})
	return all, err
}

func (r *Repo) dropRecords(f *deb.CollectionFactory, keep *deb.PackageRefList) (int, error) {
	orphans := f.PackageCollection().AllPackageRefs().Subtract(keep)
	batch := r.db.CreateBatch()
	err := orphans.ForEach(func(key []byte) error {
		return f.PackageCollection().DeleteByKey(key, batch)
	})
	if err != nil {
		return 0, err
	}
	return orphans.Len(), batch.Write()
}

func (r *Repo) dropPoolFiles(keep map[string]bool) (n int, size int64, err error) {
	paths, err := r.pool.FilepathList(nil)
	if err != nil {
		return 0, 0, err
	}
	for _, p := range paths {
		if keep[p] {
			continue
		}
		s, err := r.pool.Remove(p)
		if err != nil {
			return n, size, err
		}
		r.db.Delete([]byte("C" + p))
		n, size = n+1, size+s
	}
	return n, size, nil
}
