package repo

import (
	"fmt"
	"regexp"
	"sort"

	"github.com/aptly-dev/aptly/deb"
)

// Package is one binary package file as repoctl reports it.
type Package struct {
	Name         string `json:"name"`
	Version      string `json:"version"`
	Architecture string `json:"architecture"`
	Filename     string `json:"filename"` // canonical name_version_arch.deb
	SHA256       string `json:"sha256"`
	Size         int64  `json:"size"`
}

// String is "name version arch", the way apt prints a package.
func (p Package) String() string {
	return p.Name + " " + p.Version + " " + p.Architecture
}

func toPackage(p *deb.Package) Package {
	out := Package{Name: p.Name, Version: p.Version, Architecture: p.Architecture}
	if fs := p.Files(); len(fs) > 0 {
		out.Filename = fs[0].Filename
		out.SHA256 = fs[0].Checksums.SHA256
		out.Size = fs[0].Checksums.Size
	}
	return out
}

// toPackages converts and sorts by name, version (Debian order), arch.
func toPackages(list *deb.PackageList) []Package {
	out := make([]Package, 0, list.Len())
	list.ForEach(func(p *deb.Package) error {
		out = append(out, toPackage(p))
		return nil
	})
	sortPackages(out)
	return out
}

func sortPackages(ps []Package) {
	sort.Slice(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if c := deb.CompareVersions(a.Version, b.Version); c != 0 {
			return c < 0
		}
		return a.Architecture < b.Architecture
	})
}

// A distribution names an aptly local repo and a directory under dists/:
// keep it to characters safe in both and in S3 keys.
var validDist = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func checkDist(dist string) error {
	if !validDist.MatchString(dist) {
		return usagef("invalid distribution %q: want letters, digits, . _ - (e.g. bookworm)", dist)
	}
	return nil
}

// loadLocal returns the local repo of dist (nil if none yet) and its packages.
func loadLocal(f *deb.CollectionFactory, dist string) (*deb.LocalRepo, *deb.PackageList, error) {
	coll := f.LocalRepoCollection()
	lr, err := coll.ByName(dist)
	if err != nil {
		// ByName's only error is "not found".
		return nil, deb.NewPackageList(), nil
	}
	if err := coll.LoadComplete(lr); err != nil {
		return nil, nil, fmt.Errorf("load repository %s: %w", dist, err)
	}
	list, err := deb.NewPackageListFromRefList(lr.RefList(), f.PackageCollection(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("load packages of %s: %w", dist, err)
	}
	return lr, list, nil
}

// List returns the packages currently in dist's local repository.
func (r *Repo) List(dist string) (ps []Package, err error) {
	defer recoverInto(&err)
	if err := checkDist(dist); err != nil {
		return nil, err
	}
	_, list, err := loadLocal(r.factory(), dist)
	if err != nil {
		return nil, err
	}
	return toPackages(list), nil
}
