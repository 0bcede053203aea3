package deb

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/repoctl/repoctl/build/recipe"
)

// layout is where everything goes, derived from the recipe's Package
// section; it is also the data of every template.
type layout struct {
	Name, Version, Upstream, Suite string
	Revision, Build                int
	Recipe, BuildKey               string
	Maintainer, Homepage, Date     string

	Service string // systemd unit and init script name
	Prefix  string // e.g. /usr/local/nginx-realtime
	// NginxRoot is nginx's own prefix (-p): Prefix, or Prefix/nginx in
	// OpenResty's layout (/usr/local/openresty/nginx/sbin/nginx).
	NginxRoot string
	ConfDir   string // real config files, e.g. /etc/nginx-realtime
	Binary    string // /usr/bin/<name> -> <NginxRoot>/sbin/nginx
	LogDir    string // /var/log/<name>
	CacheDir  string // /var/cache/<name>
	PidFile   string // /run/<service>.pid
	Nginx     string // <NginxRoot>/sbin/nginx
	Args      string // nginx flags every caller passes

	License      string // DEP-5 short name of the main work's license
	LicenseExtra bool   // License has no text in the template: add a paragraph

	LoadModules []string // load_module lines for dynamic modules, ndk first
	Lua         bool     // <Prefix>/lualib exists: emit lua_package_path
}

func newLayout(r *recipe.Recipe) (*layout, error) {
	p := r.Package
	l := &layout{
		Name:       p.Name,
		Upstream:   r.Version,
		Revision:   r.Revision,
		Recipe:     r.Name,
		Maintainer: p.Maintainer,
		Homepage:   p.Homepage,
		Service:    or(p.Service, p.Name),
		Prefix:     path.Clean(p.Prefix),
		ConfDir:    or(p.ConfDir, "/etc/"+p.Name),
		Binary:     or(p.Binary, "/usr/bin/"+p.Name),
		LogDir:     or(p.LogDir, "/var/log/"+p.Name),
		CacheDir:   "/var/cache/" + p.Name,
	}
	l.PidFile = "/run/" + l.Service + ".pid"
	l.setNginxRoot(l.Prefix)
	for field, v := range map[string]string{"prefix": p.Prefix, "conf-dir": l.ConfDir, "binary": l.Binary, "log-dir": l.LogDir} {
		if !path.IsAbs(v) || strings.ContainsAny(v, " \t\n\"'$`\\") {
			return nil, fmt.Errorf("package.%s %q: want an absolute path without spaces or quotes", field, v)
		}
	}
	if !strings.HasPrefix(l.ConfDir, "/etc/") {
		return nil, fmt.Errorf("package.conf-dir %q: config files must live under /etc (Debian policy 10.7.2)", l.ConfDir)
	}
	return l, nil
}

func (l *layout) setNginxRoot(root string) {
	l.NginxRoot = root
	l.Nginx = root + "/sbin/nginx"
	l.Args = fmt.Sprintf("-p %s/ -c %s/nginx.conf", root, l.ConfDir)
}

// locateNginx finds nginx in the staging root: <prefix>/sbin/nginx (nginx's
// own layout) or <prefix>/nginx/sbin/nginx (OpenResty's).
func (l *layout) locateNginx(staging string) bool {
	for _, root := range []string{l.Prefix, l.Prefix + "/nginx"} {
		if st, err := os.Stat(filepath.Join(staging, root, "sbin/nginx")); err == nil && st.Mode().IsRegular() {
			l.setNginxRoot(root)
			return true
		}
	}
	return false
}

// ManName is the command the manual page documents: the Binary link's name.
func (l *layout) ManName() string { return path.Base(l.Binary) }

// manPath is where the manual page goes: section 8, as for Debian's nginx.
func (l *layout) manPath() string { return "/usr/share/man/man8/" + l.ManName() + ".8.gz" }

func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// inspect fills what the staging root decides: dynamic modules and Lua.
func (l *layout) inspect(tree string) {
	mods, _ := filepath.Glob(filepath.Join(tree, l.NginxRoot, "modules", "*.so"))
	names := make([]string, 0, len(mods))
	for _, m := range mods {
		names = append(names, filepath.Base(m))
	}
	// ngx_devel_kit must load before lua, or "undefined symbol:
	// ndk_set_var_value" (FACTS §2).
	sort.Slice(names, func(i, j int) bool {
		ni, nj := strings.HasPrefix(names[i], "ndk"), strings.HasPrefix(names[j], "ndk")
		if ni != nj {
			return ni
		}
		return names[i] < names[j]
	})
	for _, n := range names {
		l.LoadModules = append(l.LoadModules, "modules/"+n)
	}
	if st, err := os.Stat(filepath.Join(tree, l.Prefix, "lualib")); err == nil && st.IsDir() {
		l.Lua = true
	}
}
