package repo

import (
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aptly-dev/aptly/deb"
)

// Snapshot is a frozen package list of one distribution: what publish
// renders, and what rollback returns to.
type Snapshot struct {
	Name         string    `json:"name"`
	Distribution string    `json:"distribution"`
	Created      time.Time `json:"created"`
	Packages     []Package `json:"packages"`
}

// Snapshot names become S3 keys and command-line arguments: no '/', '+' or
// spaces.
var validSnapshot = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~-]*$`)

// CreateSnapshot freezes dist's local repository. An empty name becomes
// "<dist>-<package>-<version>-<YYYYMMDDTHHMMSSZ>" after the package added
// last. A name already taken is refused.
func (r *Repo) CreateSnapshot(dist, name string) (s *Snapshot, err error) {
	defer recoverInto(&err)
	if err := checkDist(dist); err != nil {
		return nil, err
	}
	f := r.factory()
	lr, list, err := loadLocal(f, dist)
	if err != nil {
		return nil, err
	}
	if lr == nil || list.Len() == 0 {
		return nil, usagef("distribution %s has no packages yet: run repoctl repo add first", dist)
	}
	now := time.Now().UTC()
	if name == "" {
		name = r.defaultSnapshotName(dist, now)
	}
	if !validSnapshot.MatchString(name) {
		return nil, usagef("invalid snapshot name %q: want letters, digits, . _ ~ -", name)
	}
	coll := f.SnapshotCollection()
	if _, err := coll.ByName(name); err == nil {
		return nil, usagef("snapshot %s already exists: choose another name", name)
	}
	snap, err := deb.NewSnapshotFromLocalRepo(name, lr)
	if err != nil {
		return nil, err
	}
	snap.CreatedAt = now
	snap.Description = "repoctl snapshot of " + dist
	if err := coll.Add(snap); err != nil {
		return nil, err
	}
	return &Snapshot{Name: name, Distribution: dist, Created: now, Packages: toPackages(list)}, nil
}

// defaultSnapshotName names a snapshot after the package added last.
func (r *Repo) defaultSnapshotName(dist string, now time.Time) string {
	name := dist
	if b, err := r.db.Get([]byte(keyLastAdded + dist)); err == nil {
		if pkg, ver, ok := strings.Cut(string(b), "\x00"); ok {
			name += "-" + pkg + "-" + ver
		}
	}
	name += "-" + now.Format("20060102T150405Z")
	return sanitizeName(name)
}

// sanitizeName maps characters a version may hold but a snapshot name may
// not (':' of an epoch, '+') to '_'.
func sanitizeName(s string) string {
	return strings.Map(func(c rune) rune {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.ContainsRune("._~-", c):
			return c
		}
		return '_'
	}, s)
}

// Snapshots lists dist's snapshots, oldest first; dist "" lists all.
func (r *Repo) Snapshots(dist string) (out []Snapshot, err error) {
	defer recoverInto(&err)
	f := r.factory()
	heads, err := snapshotHeads(f, dist)
	if err != nil {
		return nil, err
	}
	for _, h := range heads {
		full, err := loadSnapshot(f, h.snap, h.dist)
		if err != nil {
			return nil, err
		}
		out = append(out, *full)
	}
	return out, nil
}

// LatestSnapshot returns dist's newest snapshot.
func (r *Repo) LatestSnapshot(dist string) (s *Snapshot, err error) {
	defer recoverInto(&err)
	if dist == "" {
		return nil, usagef("no distribution given")
	}
	f := r.factory()
	heads, err := snapshotHeads(f, dist)
	if err != nil {
		return nil, err
	}
	if len(heads) == 0 {
		return nil, usagef("distribution %s has no snapshot yet: run repoctl snapshot create", dist)
	}
	last := heads[len(heads)-1]
	return loadSnapshot(f, last.snap, last.dist)
}

type snapshotHead struct {
	snap *deb.Snapshot
	dist string
}

// snapshotHeads lists dist's snapshots oldest first without loading their
// packages, so that finding the latest stays cheap with many snapshots.
func snapshotHeads(f *deb.CollectionFactory, dist string) ([]snapshotHead, error) {
	if dist != "" {
		if err := checkDist(dist); err != nil {
			return nil, err
		}
	}
	var out []snapshotHead
	err := f.SnapshotCollection().ForEach(func(s *deb.Snapshot) error {
		if d := snapshotDist(f, s); dist == "" || d == dist {
			out = append(out, snapshotHead{s, d})
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].snap.CreatedAt.Before(out[j].snap.CreatedAt) })
	return out, err
}

// GetSnapshot returns one snapshot by name.
func (r *Repo) GetSnapshot(name string) (s *Snapshot, err error) {
	defer recoverInto(&err)
	f := r.factory()
	snap, err := findSnapshot(f, name)
	if err != nil {
		return nil, err
	}
	return loadSnapshot(f, snap, snapshotDist(f, snap))
}

func findSnapshot(f *deb.CollectionFactory, name string) (*deb.Snapshot, error) {
	snap, err := f.SnapshotCollection().ByName(name)
	if err != nil {
		return nil, usagef("no snapshot named %q (repoctl snapshot list shows them)", name)
	}
	if err := f.SnapshotCollection().LoadComplete(snap); err != nil {
		return nil, err
	}
	return snap, nil
}

// snapshotDist is the distribution a snapshot was taken of: the name of
// its source local repo.
func snapshotDist(f *deb.CollectionFactory, s *deb.Snapshot) string {
	if s.SourceKind != deb.SourceLocalRepo || len(s.SourceIDs) != 1 {
		return ""
	}
	lr, err := f.LocalRepoCollection().ByUUID(s.SourceIDs[0])
	if err != nil {
		return ""
	}
	return lr.Name
}

func loadSnapshot(f *deb.CollectionFactory, s *deb.Snapshot, dist string) (*Snapshot, error) {
	if s.RefList() == nil {
		if err := f.SnapshotCollection().LoadComplete(s); err != nil {
			return nil, err
		}
	}
	list, err := deb.NewPackageListFromRefList(s.RefList(), f.PackageCollection(), nil)
	if err != nil {
		return nil, err
	}
	return &Snapshot{Name: s.Name, Distribution: dist, Created: s.CreatedAt.UTC(), Packages: toPackages(list)}, nil
}
