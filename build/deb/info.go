package deb

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/goreleaser/nfpm/v2"
)

// baseInfo holds what both packages share. VersionSchema "none" keeps nfpm
// from re-parsing our Debian version as semver.
func (p *packaging) baseInfo(name, arch string) *nfpm.Info {
	return &nfpm.Info{
		Name:            name,
		Arch:            arch,
		Platform:        "linux",
		Version:         p.l.Version,
		VersionSchema:   "none",
		Maintainer:      p.r.Package.Maintainer,
		Homepage:        p.r.Package.Homepage,
		MTime:           p.mtime,
		DisableGlobbing: true,
	}
}

func (p *packaging) mainInfo(tree, arch string, depends []string, conffiles map[string]bool) (*nfpm.Info, error) {
	contents, err := treeContents(tree, conffiles, p.mtime)
	if err != nil {
		return nil, err
	}
	scripts := filepath.Join(p.work, "scripts")
	if err := os.MkdirAll(scripts, 0o755); err != nil {
		return nil, err
	}
	s, err := writeScripts(scripts, p.l)
	if err != nil {
		return nil, err
	}
	pkg := p.r.Package
	info := p.baseInfo(pkg.Name, arch)
	info.Section = or(pkg.Section, "httpd")
	info.Priority = or(pkg.Priority, "optional")
	info.Description = pkg.Description
	info.Depends = depends
	info.Conflicts, info.Replaces, info.Provides = pkg.Conflicts, pkg.Replaces, pkg.Provides
	info.Contents = contents
	info.Scripts = nfpm.Scripts{PostInstall: s["postinst"], PreRemove: s["prerm"], PostRemove: s["postrm"]}
	info.Deb.Compression = "xz"
	if p.opts.SignFn != nil {
		info.Deb.Signature.SignFn = p.opts.SignFn
		info.Deb.Signature.Type = "origin"
	}
	return info, nil
}

// writeDbgsym packages dbg (the .build-id tree) as <name>-dbgsym, the way
// debhelper's dh_strip does: Section debug, exact dependency on the
// package, Build-Ids listing what it carries.
func (p *packaging) writeDbgsym(out *outputs, dbg, arch string, ids []string) (string, error) {
	name := p.l.Name
	// debhelper links the dbgsym doc directory to the package's.
	if err := symlink(dbg, "/usr/share/doc/"+name+"-dbgsym", name); err != nil {
		return "", err
	}
	contents, err := treeContents(dbg, nil, p.mtime)
	if err != nil {
		return "", err
	}
	info := p.baseInfo(name+"-dbgsym", arch)
	info.Section, info.Priority = "debug", "optional"
	info.Description = "debug symbols for " + name
	info.Depends = []string{name + " (= " + p.l.Version + ")"}
	info.Contents = contents
	info.Deb.Compression = "xz"
	info.Deb.Fields = map[string]string{
		"Auto-Built-Package": "debug-symbols",
		"Build-Ids":          strings.Join(ids, " "),
	}
	path, _, err := out.writeDeb(info)
	return path, err
}
