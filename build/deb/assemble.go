package deb

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/errs"
)

// assemble copies the staging root to tree and turns it into the package
// layout. Config files move to the real directory under /etc (dpkg
// conffiles must be real files there, Debian policy 10.7.2 and lintian),
// and <prefix>/conf becomes a link to it so "nginx -p <prefix>" still
// finds conf/nginx.conf. The official OpenResty .deb links the other way
// (/etc/openresty -> nginx/conf); we prefer what dpkg and lintian expect.
func assemble(staging, tree string, l *layout) error {
	if !l.locateNginx(staging) {
		return errs.Usage(fmt.Errorf("staging root %s has no nginx binary at %s/sbin/nginx or %s/nginx/sbin/nginx (package.prefix)", staging, l.Prefix, l.Prefix))
	}
	if err := copyTreeTo(staging, tree); err != nil {
		return fmt.Errorf("copy staging root: %w", err)
	}
	if err := moveConf(tree, l); err != nil {
		return err
	}
	// nginx opens <prefix>/logs/error.log before it reads its config.
	if err := symlink(tree, l.NginxRoot+"/logs", l.LogDir); err != nil {
		return err
	}
	if err := symlink(tree, l.Binary, relLink(l.Binary, l.Nginx)); err != nil {
		return err
	}
	l.inspect(tree)
	return nil
}

// moveConf moves <nginx root>/conf/* (minus nginx's *.default copies) to the
// conf dir and links <prefix>/conf to it.
func moveConf(tree string, l *layout) error {
	src := filepath.Join(tree, l.NginxRoot, "conf")
	dst := filepath.Join(tree, l.ConfDir)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".default") {
			continue
		}
		if err := os.Rename(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return symlink(tree, l.NginxRoot+"/conf", l.ConfDir)
}

// relLink returns the target of link as a relative path when both share a
// top-level directory (Debian policy 10.5), else the absolute target.
func relLink(link, target string) string {
	top := func(p string) string { return strings.SplitN(strings.TrimPrefix(p, "/"), "/", 2)[0] }
	if top(link) != top(target) {
		return target
	}
	rel, err := filepath.Rel(path.Dir(link), target)
	if err != nil {
		return target
	}
	return rel
}

// addRecipeFiles copies recipe.Package.Files into tree. A glob matching
// several files, or a dst ending in '/', names a directory.
func addRecipeFiles(r *recipe.Recipe, tree string) error {
	base := filepath.Dir(r.Path)
	for i, f := range r.Package.Files {
		matches, err := filepath.Glob(filepath.Join(base, f.Src))
		if err != nil || len(matches) == 0 {
			return errs.Usage(fmt.Errorf("recipe %s: package.files[%d].src %q matches no file in %s", r.Path, i, f.Src, base))
		}
		if !path.IsAbs(f.Dst) {
			return errs.Usage(fmt.Errorf("recipe %s: package.files[%d].dst %q: want an absolute path", r.Path, i, f.Dst))
		}
		mode, err := fileMode(f.Mode)
		if err != nil {
			return errs.Usage(fmt.Errorf("recipe %s: package.files[%d].mode: %w", r.Path, i, err))
		}
		for _, m := range matches {
			dst := f.Dst
			if len(matches) > 1 || strings.HasSuffix(dst, "/") {
				dst = path.Join(dst, filepath.Base(m))
			}
			if err := copyFile(m, filepath.Join(tree, dst)); err != nil {
				return err
			}
			if mode != 0 {
				if err := os.Chmod(filepath.Join(tree, dst), mode); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func fileMode(s string) (os.FileMode, error) {
	if s == "" {
		return 0, nil
	}
	var m uint32
	if _, err := fmt.Sscanf(s, "%o", &m); err != nil || m > 0o777 {
		return 0, fmt.Errorf("%q: want an octal mode such as 0644", s)
	}
	return os.FileMode(m), nil
}
