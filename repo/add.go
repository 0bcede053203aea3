package repo

import (
	"context"
	"fmt"

	"github.com/aptly-dev/aptly/deb"

	"github.com/repoctl/repoctl/internal/errs"
)

// AddOptions controls Add.
type AddOptions struct {
	Distribution   string // suite; its local repo is created on first use
	AllowDowngrade bool   // accept a version lower than the newest present
	Keep           int    // versions per package name kept in the repo; 0 = all
}

// Add puts .deb files into dist's local repository, all or nothing: every
// file is read and checked, and every conflict found, before anything is
// written; the database changes in one transaction.
//
// A package already present with the same content is skipped (a note says
// so; it is not in added). The same name, version and architecture with
// other content anywhere in the database is refused: a published version
// must never change under apt's feet. A version lower than the newest of
// that name is refused unless opts.AllowDowngrade.
func (r *Repo) Add(ctx context.Context, debs []string, opts AddOptions) (added []Package, err error) {
	defer recoverInto(&err)
	if err := checkAddOptions(debs, opts); err != nil {
		return nil, err
	}
	cands, err := readAll(ctx, debs)
	if err != nil {
		return nil, err
	}
	f := r.factory()
	lr, list, err := loadLocal(f, opts.Distribution)
	if err != nil {
		return nil, err
	}
	p, err := r.plan(f, list, cands, opts)
	if err != nil {
		return nil, err
	}
	for _, c := range p.present {
		r.progress.Notef("%s %s %s is already in %s", c.name(), c.version(), c.arch(), opts.Distribution)
	}
	if len(p.fresh) == 0 && len(p.reuse) == 0 {
		return nil, nil
	}
	return r.commitAdd(f, lr, list, p, opts)
}

func checkAddOptions(debs []string, opts AddOptions) error {
	if len(debs) == 0 {
		return usagef("no .deb files given")
	}
	if opts.Keep < 0 {
		return usagef("keep %d: want 0 (keep all) or more", opts.Keep)
	}
	return checkDist(opts.Distribution)
}

// readAll reads and checks every file, stopping at the first bad one.
func readAll(ctx context.Context, debs []string) ([]*candidate, error) {
	var out []*candidate
	for _, path := range debs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := readDeb(path)
		if err != nil {
			return nil, errs.Usage(fmt.Errorf("%w (nothing was added)", err))
		}
		out = append(out, c)
	}
	return out, nil
}

// addPlan sorts the candidates: new to the database, already in the
// database (another distribution) with the same bytes, already here.
type addPlan struct {
	fresh   []*candidate
	reuse   []*deb.Package
	present []*candidate
	last    *candidate // the newest added package, for snapshot names
}

func (r *Repo) plan(f *deb.CollectionFactory, list *deb.PackageList, cands []*candidate, opts AddOptions) (*addPlan, error) {
	p := &addPlan{}
	seen := map[string]*candidate{}
	for _, c := range cands {
		key := c.name() + " " + c.version() + " " + c.arch()
		if prev, ok := seen[key]; ok {
			if !sameBytes(prev.sums, c.sums) {
				return nil, usagef("%s and %s are both %s but differ (sha256 %s, %s); nothing was added", prev.path, c.path, key, prev.sums.SHA256, c.sums.SHA256)
			}
			continue
		}
		seen[key] = c
		if err := r.planOne(f, list, c, opts, p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (r *Repo) planOne(f *deb.CollectionFactory, list *deb.PackageList, c *candidate, opts AddOptions, p *addPlan) error {
	existing, err := r.findSame(f, c)
	if err != nil {
		return err
	}
	if existing != nil && list.Has(existing) {
		p.present = append(p.present, c)
		return nil
	}
	if err := checkDowngrade(list, c, opts); err != nil {
		return err
	}
	if existing != nil {
		p.reuse = append(p.reuse, existing)
	} else {
		p.fresh = append(p.fresh, c)
	}
	p.last = c
	return nil
}

// findSame returns the package already in the database with c's name,
// version and architecture, or an error if one exists with other bytes.
func (r *Repo) findSame(f *deb.CollectionFactory, c *candidate) (*deb.Package, error) {
	var same *deb.Package
	var conflict error
	f.PackageCollection().SearchByKey(c.arch(), c.name(), c.version()).ForEach(func(p *deb.Package) error {
		sums := p.Files()[0].Checksums
		switch {
		case sameBytes(sums, c.sums):
			same = p
		case conflict == nil:
			conflict = usagef("%s: %s %s %s already exists with other content (sha256 %s in the repository, %s in the file): a published version must not change; bump the version. Nothing was added",
				c.path, c.name(), c.version(), c.arch(), sums.SHA256, c.sums.SHA256)
		}
		return nil
	})
	if conflict != nil {
		return nil, conflict
	}
	if same == nil {
		// The record may be gone (Cleanup) while the version was published.
		if b, err := r.db.Get(seenKey(c.arch(), c.name(), c.version())); err == nil && string(b) != c.sums.SHA256 {
			return nil, usagef("%s: %s %s %s was added before with other content (sha256 %s, now %s): a published version must not change; bump the version. Nothing was added",
				c.path, c.name(), c.version(), c.arch(), b, c.sums.SHA256)
		}
	}
	return same, nil
}

// checkDowngrade refuses a version lower than the newest of the same name
// and architecture already in the list.
func checkDowngrade(list *deb.PackageList, c *candidate, opts AddOptions) error {
	if opts.AllowDowngrade {
		return nil
	}
	newest := ""
	list.ForEach(func(p *deb.Package) error {
		if p.Name == c.name() && p.Architecture == c.arch() &&
			(newest == "" || deb.CompareVersions(p.Version, newest) > 0) {
			newest = p.Version
		}
		return nil
	})
	if newest != "" && deb.CompareVersions(c.version(), newest) < 0 {
		return usagef("%s: %s %s is older than %s already in %s; pass --allow-downgrade to add it anyway. Nothing was added",
			c.path, c.name(), c.version(), newest, opts.Distribution)
	}
	return nil
}
