package deb

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/repoctl/repoctl/build/compile"
	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/errs"
)

// generated is one file made from a template: package path, template, mode.
type generated struct {
	dst, tmpl string
	mode      os.FileMode
}

func (l *layout) generatedFiles() []generated {
	return []generated{
		{l.ConfDir + "/nginx.conf", "nginx.conf", 0o644},
		{l.NginxRoot + "/html/index.html", "index.html", 0o644},
		{"/lib/systemd/system/" + l.Service + ".service", "service", 0o644},
		{"/etc/init.d/" + l.Service, "init", 0o755},
		{"/etc/logrotate.d/" + l.Service, "logrotate", 0o644},
	}
}

// writeGenerated renders the config, service files and docs into tree.
func writeGenerated(r *recipe.Recipe, built *compile.Result, tree string, l *layout) error {
	for _, g := range l.generatedFiles() {
		data, err := render(g.tmpl, l)
		if err != nil {
			return fmt.Errorf("template %s: %w", g.tmpl, err)
		}
		if err := writeFile(tree, g.dst, data, g.mode); err != nil {
			return err
		}
	}
	doc := "/usr/share/doc/" + l.Name
	copyright, err := copyrightText(r, l)
	if err != nil {
		return err
	}
	changelog, err := gzipTemplate("changelog", l)
	if err != nil {
		return err
	}
	manpage, err := gzipTemplate("manpage", l)
	if err != nil {
		return err
	}
	prov, err := provenanceJSON(built.Provenance)
	if err != nil {
		return err
	}
	for dst, data := range map[string][]byte{
		doc + "/copyright":           copyright,
		doc + "/changelog.Debian.gz": changelog,
		doc + "/provenance.json":     prov,
		l.manPath():                  manpage,
	} {
		if err := writeFile(tree, dst, data, 0o644); err != nil {
			return err
		}
	}
	return writeOverrides(tree, l)
}

// copyrightText is the DEP-5 copyright file. recipe.Package.License is
// the license of the main work (Files: *), e.g. BSD-2-Clause (the default);
// a whole DEP-5 text, or the name of a file next to the recipe holding one,
// replaces the template.
func copyrightText(r *recipe.Recipe, l *layout) ([]byte, error) {
	lic := strings.TrimSpace(r.Package.License)
	file := filepath.Join(filepath.Dir(r.Path), lic)
	switch {
	case strings.HasPrefix(lic, "Format:"):
		return []byte(lic + "\n"), nil
	case lic != "" && strings.ContainsAny(lic, "/.") && fileExists(file):
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, errs.Usage(fmt.Errorf("recipe %s: package.license: %w", r.Path, err))
		}
		return data, nil
	case lic == "" || strings.EqualFold(lic, "BSD-2-Clause"):
		l.License = "BSD-2-clause" // DEP-5's spelling; its text is in the template
	default:
		l.License = lic
		l.LicenseExtra = true
	}
	return render("copyright", l)
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// gzipTemplate renders a template compressed as "gzip -9n" does (for
// changelog.Debian.gz and the manual page): no file name, mtime 0, so the
// bytes depend on the text only.
func gzipTemplate(name string, l *layout) ([]byte, error) {
	text, err := render(name, l)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(text); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// provenanceJSON is the provenance with struct-ordered keys, 2-space indent.
func provenanceJSON(p compile.Provenance) ([]byte, error) {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// writeOverrides ships a lintian override when the prefix is under
// /usr/local or /opt: the OpenResty convention (FACTS §1) that policy
// reserves for the local administrator, chosen knowingly by the recipe.
func writeOverrides(tree string, l *layout) error {
	var tags []string
	switch {
	case strings.HasPrefix(l.Prefix, "/usr/local/"):
		tags = []string{"dir-in-usr-local", "file-in-usr-local", "file-in-unusual-dir"}
	case strings.HasPrefix(l.Prefix, "/opt/"):
		tags = []string{"dir-or-file-in-opt", "file-in-unusual-dir"}
	default:
		return nil
	}
	var b strings.Builder
	b.WriteString("# The install prefix follows OpenResty's packages; see the recipe.\n")
	for _, t := range tags {
		fmt.Fprintf(&b, "%s: %s\n", l.Name, t)
	}
	return writeFile(tree, "/usr/share/lintian/overrides/"+l.Name, []byte(b.String()), 0o644)
}

// writeScripts renders the maintainer scripts into dir and returns their
// paths for nfpm.
func writeScripts(dir string, l *layout) (map[string]string, error) {
	out := map[string]string{}
	for _, name := range []string{"postinst", "prerm", "postrm"} {
		data, err := render(name, l)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o755); err != nil {
			return nil, err
		}
		out[name] = p
	}
	return out, nil
}
