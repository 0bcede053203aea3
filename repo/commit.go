package repo

import (
	"fmt"
	"os"
	"sort"

	"github.com/aptly-dev/aptly/database"
	"github.com/aptly-dev/aptly/deb"
)

// Keys repoctl adds to aptly's database. aptly's own prefixes are single
// capital letters and "x"; "~" sorts after all of them and clashes with none.
const (
	keyLastAdded = "~repoctl/last-added/" // + dist -> name NUL version
	keyPublished = "~repoctl/published/"  // + target + "\x00" + dist -> JSON history
	keySeen      = "~repoctl/seen/"       // + "arch name version" -> sha256, never deleted
)

func seenKey(arch, name, version string) []byte {
	return []byte(keySeen + arch + " " + name + " " + version)
}

// commitAdd imports the new files into the pool and writes packages, the
// local repo and its package list in one transaction. Pool files are
// content-addressed, so one left behind by a failed transaction is
// harmless and reused by the next attempt.
func (r *Repo) commitAdd(f *deb.CollectionFactory, lr *deb.LocalRepo, list *deb.PackageList, p *addPlan, opts AddOptions) ([]Package, error) {
	tx, err := r.db.OpenTransaction()
	if err != nil {
		return nil, err
	}
	defer tx.Discard()
	var added []Package
	for _, c := range p.fresh {
		pkg, err := r.importFile(f, tx, c)
		if err != nil {
			return nil, err
		}
		if err := list.Add(pkg); err != nil {
			return nil, err
		}
		added = append(added, toPackage(pkg))
		if err := tx.Put(seenKey(c.arch(), c.name(), c.version()), []byte(c.sums.SHA256)); err != nil {
			return nil, err
		}
	}
	for _, pkg := range p.reuse {
		if err := list.Add(pkg); err != nil {
			return nil, err
		}
		added = append(added, toPackage(pkg))
	}
	r.retain(list, opts)
	if err := writeLocal(tx, lr, list, opts.Distribution); err != nil {
		return nil, err
	}
	last := p.last.name() + "\x00" + p.last.version()
	if err := tx.Put([]byte(keyLastAdded+opts.Distribution), []byte(last)); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("save repository %s: %w", opts.Distribution, err)
	}
	sortPackages(added)
	return added, nil
}

// importFile copies (or hardlinks) c into the pool and stores its record.
func (r *Repo) importFile(f *deb.CollectionFactory, tx database.Transaction, c *candidate) (*deb.Package, error) {
	pkg := deb.NewPackageFromControlFile(trimStanza(c.stanza))
	private, err := r.privateCopy(c)
	if err != nil {
		return nil, err
	}
	defer os.Remove(private)
	sums := c.sums
	poolPath, err := r.pool.Import(private, c.filename(), &sums, true, deb.NewChecksumCollection(tx))
	if err != nil {
		return nil, fmt.Errorf("%s: import into pool: %w", c.path, err)
	}
	pkg.UpdateFiles(deb.PackageFiles{{Filename: c.filename(), Checksums: sums, PoolPath: poolPath}})
	if err := f.PackageCollection().UpdateInTransaction(pkg, tx); err != nil {
		return nil, fmt.Errorf("%s: save package: %w", c.path, err)
	}
	return pkg, nil
}

// writeLocal stores dist's local repo (created if new) and its package list.
func writeLocal(tx database.Transaction, lr *deb.LocalRepo, list *deb.PackageList, dist string) error {
	if lr == nil {
		lr = deb.NewLocalRepo(dist, "packages of "+dist+", managed by repoctl")
		lr.DefaultDistribution = dist
	}
	lr.UpdateRefList(deb.NewPackageRefListFromPackageList(list))
	if err := tx.Put(lr.Key(), lr.Encode()); err != nil {
		return err
	}
	return tx.Put(lr.RefKey(), lr.RefList().Encode())
}

// retain keeps the opts.Keep newest versions of each package name in the
// list (all architectures of a kept version stay). Removed packages stay
// in the database and the pool: snapshots may still reference them.
func (r *Repo) retain(list *deb.PackageList, opts AddOptions) {
	if opts.Keep <= 0 {
		return
	}
	versions := map[string][]string{}
	list.ForEach(func(p *deb.Package) error {
		if !contains(versions[p.Name], p.Version) {
			versions[p.Name] = append(versions[p.Name], p.Version)
		}
		return nil
	})
	kept := map[string]bool{}
	for name, vs := range versions {
		sort.Slice(vs, func(i, j int) bool { return deb.CompareVersions(vs[i], vs[j]) > 0 })
		for _, v := range vs[:min(opts.Keep, len(vs))] {
			kept[name+" "+v] = true
		}
	}
	var drop []*deb.Package
	list.ForEach(func(p *deb.Package) error {
		if !kept[p.Name+" "+p.Version] {
			drop = append(drop, p)
		}
		return nil
	})
	for _, p := range drop {
		list.Remove(p)
		r.progress.Notef("retention (keep %d): %s %s %s removed from %s", opts.Keep, p.Name, p.Version, p.Architecture, opts.Distribution)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
