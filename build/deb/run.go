package deb

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/repoctl/repoctl/build/compile"
	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/errs"
)

// packaging is one run of Package: its input and its work directory.
type packaging struct {
	r     *recipe.Recipe
	built *compile.Result
	opts  Options
	l     *layout
	mtime time.Time
	work  string // tree/ (the package), dbgsym/, scripts/
}

func (p *packaging) run(ctx context.Context, out *outputs) (*Result, error) {
	tree, dbg := filepath.Join(p.work, "tree"), filepath.Join(p.work, "dbgsym")
	p.opts.Progress.Notef("package: assembling %s %s from %s", p.l.Name, p.l.Version, p.built.StagingDir)
	if err := p.fillTree(tree); err != nil {
		return nil, err
	}
	conffiles, err := conffileSet(p.r, tree)
	if err != nil {
		return nil, err
	}
	elfs, err := findELF(tree)
	if err != nil {
		return nil, err
	}
	arch := archOf(elfs)
	ids, err := stripAll(ctx, tree, dbg, elfs)
	if err != nil {
		return nil, err
	}
	depends, err := p.depends(ctx, tree, elfs)
	if err != nil {
		return nil, err
	}
	main, err := p.mainInfo(tree, arch, depends, conffiles)
	if err != nil {
		return nil, err
	}
	res := &Result{Name: p.l.Name, Version: p.l.Version, Arch: arch, Depends: depends}
	if res.Path, res.SHA256, err = out.writeDeb(main); err != nil {
		return nil, err
	}
	if len(ids) > 0 {
		if res.DbgsymPath, err = p.writeDbgsym(out, dbg, arch, ids); err != nil {
			return nil, err
		}
	}
	res.ProvenancePath = strings.TrimSuffix(res.Path, ".deb") + ".provenance.json"
	prov, err := provenanceJSON(p.built.Provenance)
	if err != nil {
		return nil, err
	}
	p.opts.Progress.Notef("package: %s (%d ELF files stripped, Depends: %s)", filepath.Base(res.Path), len(elfs), strings.Join(depends, ", "))
	return res, out.writeFile(res.ProvenancePath, prov)
}

// fillTree builds the package tree: staging copy, layout, generated files.
func (p *packaging) fillTree(tree string) error {
	if err := assemble(p.built.StagingDir, tree, p.l); err != nil {
		return err
	}
	if err := writeGenerated(p.r, p.built, tree, p.l); err != nil {
		return err
	}
	return addRecipeFiles(p.r, tree)
}

// depends is dpkg-shlibdeps' answer, less DropAlternatives, plus the
// recipe's Depends.
func (p *packaging) depends(ctx context.Context, tree string, elfs []elfFile) ([]string, error) {
	var computed []depGroup
	var err error
	if p.opts.ShlibdepsRoot == "" && p.built.Root != "" {
		computed, err = rootShlibdeps(ctx, p.built, p.l.Name, tree, elfs)
	} else {
		computed, err = shlibdeps(ctx, p.l.Name, tree, elfs, p.opts.ShlibdepsRoot)
	}
	if err != nil {
		return nil, err
	}
	groups, err := dropAlternatives(computed, p.r.Package.DropAlternatives)
	if err != nil {
		return nil, errs.Usage(fmt.Errorf("recipe %s: %w", p.r.Path, err))
	}
	return mergeDepends(groups, p.r.Package.Depends), nil
}

// conffileSet is every regular file under /etc (what dh_installdeb marks)
// plus the recipe's conffiles, each of which must be a shipped file.
func conffileSet(r *recipe.Recipe, tree string) (map[string]bool, error) {
	set := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(tree, "etc"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(tree, p)
			set["/"+filepath.ToSlash(rel)] = true
		}
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	for _, c := range r.Package.Conffiles {
		st, err := os.Lstat(filepath.Join(tree, c))
		if !path.IsAbs(c) || err != nil || !st.Mode().IsRegular() {
			return nil, errs.Usage(fmt.Errorf("recipe %s: package.conffiles: %s is not a regular file shipped in the package", r.Path, c))
		}
		set[path.Clean(c)] = true
	}
	return set, nil
}

// archOf is the Debian architecture of the shipped code, or the host's.
func archOf(elfs []elfFile) string {
	if a, ok := debArch(elfs); ok {
		return a
	}
	if runtime.GOARCH == "386" {
		return "i386"
	}
	return runtime.GOARCH
}
