package recipe

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/repoctl/repoctl/internal/errs"
)

var (
	// sourceName keeps names usable as directory names: no "/", no "..".
	sourceName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	// debName is Debian Policy 5.6.1.
	debName = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	// upstreamVersion is Debian Policy 5.6.12 without epoch and without '+'
	// (DESIGN: '+' is read as a space by some S3 front ends).
	upstreamVersion = regexp.MustCompile(`^[0-9][A-Za-z0-9.~-]*$`)
	hex64           = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
	hex40           = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)
	octalMode       = regexp.MustCompile(`^0?[0-7]{3,4}$`)
)

// validator collects every problem of a recipe, each located by the line
// its field (or the nearest enclosing field) was read from.
type validator struct {
	r        *Recipe
	problems []error
}

func (v *validator) addf(field, format string, args ...any) {
	v.problems = append(v.problems, Problem{File: v.r.Path, Line: v.r.line(field), Field: field, Msg: fmt.Sprintf(format, args...)})
}

// line returns the line of field, or of its nearest enclosing field.
func (r *Recipe) line(field string) int {
	for field != "" {
		if l, ok := r.lines[field]; ok {
			return l
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			break
		}
		field = field[:i]
	}
	return 0
}

// Validate reports every problem of the recipe (not just the first), joined,
// each naming file, line and field; the error is marked errs.Usage.
func (r *Recipe) Validate() error {
	v := &validator{r: r}
	v.top()
	v.sources()
	v.build()
	v.pkg()
	for name := range r.Suites {
		if !sourceName.MatchString(name) {
			v.addf("suites."+name, "invalid suite name (want lower-case letters, digits, '.', '-', e.g. bookworm)")
		}
	}
	if len(v.problems) == 0 {
		return nil
	}
	return errs.Usage(errors.Join(v.problems...))
}

func (v *validator) top() {
	r := v.r
	switch {
	case r.Name == "":
		v.addf("name", "missing")
	case !sourceName.MatchString(r.Name):
		v.addf("name", "%q: want lower-case letters, digits, '.', '_', '-'", r.Name)
	}
	switch {
	case r.Version == "":
		v.addf("version", "missing")
	case strings.Contains(r.Version, "+"):
		v.addf("version", "%q: no '+' allowed (S3 front ends read it as a space); use '.' or '~'", r.Version)
	case !upstreamVersion.MatchString(r.Version):
		v.addf("version", "%q: not a Debian upstream version (a digit first, then letters, digits, '.', '~', '-'; no epoch)", r.Version)
	}
	if r.Revision < 1 {
		v.addf("revision", "%d: must be >= 1", r.Revision)
	}
	if r.SourceDateEpoch < 0 {
		v.addf("source-date-epoch", "must not be negative")
	}
	for i, d := range r.BuildDepends {
		if strings.TrimSpace(d) == "" {
			v.addf(fmt.Sprintf("build-depends[%d]", i), "empty")
		}
	}
}

func (v *validator) build() {
	b := v.r.Build
	if b.Directory != "" {
		v.sourceRef("build.directory", b.Directory)
	}
	for i, m := range b.Modules {
		f := fmt.Sprintf("build.modules[%d].source", i)
		if m.Source == "" {
			v.addf(f, "missing")
			continue
		}
		v.sourceRef(f, m.Source)
	}
	for i, s := range b.Install {
		v.installStep(fmt.Sprintf("build.install[%d]", i), s)
	}
}

func (v *validator) installStep(f string, s InstallStep) {
	switch {
	case s.Copy != "" && s.Mkdir != "":
		v.addf(f, "set copy (with to) or mkdir, not both")
	case s.Copy != "":
		v.ref(f+".copy", s.Copy)
		if s.To == "" {
			v.addf(f+".to", "missing (copy needs a destination)")
		} else {
			v.absolute(f+".to", s.To)
		}
	case s.Mkdir != "":
		v.absolute(f+".mkdir", s.Mkdir)
		if s.To != "" {
			v.addf(f+".to", "only used with copy")
		}
	default:
		v.addf(f, "empty step: set copy (with to) or mkdir")
	}
}

func (v *validator) pkg() {
	p := v.r.Package
	switch {
	case p.Name == "":
		v.addf("package.name", "missing")
	case !debName.MatchString(p.Name):
		v.addf("package.name", "%q: not a Debian package name (lower-case letters, digits, '+', '-', '.'; 2 or more, starting with a letter or digit)", p.Name)
	}
	if p.Maintainer == "" {
		v.addf("package.maintainer", "missing (e.g. \"Ops Team <ops@example.com>\")")
	}
	if strings.TrimSpace(p.Description) == "" {
		v.addf("package.description", "missing")
	}
	if p.Prefix == "" {
		v.addf("package.prefix", "missing (e.g. /usr/local/openresty)")
	} else {
		v.absolute("package.prefix", p.Prefix)
	}
	for _, fv := range [][2]string{{"package.conf-dir", p.ConfDir}, {"package.binary", p.Binary}, {"package.log-dir", p.LogDir}} {
		if fv[1] != "" {
			v.absolute(fv[0], fv[1])
		}
	}
	for i, c := range p.Conffiles {
		v.absolute(fmt.Sprintf("package.conffiles[%d]", i), c)
	}
	for i, f := range p.Files {
		v.file(fmt.Sprintf("package.files[%d]", i), f)
	}
}

func (v *validator) file(field string, f File) {
	if f.Src == "" {
		v.addf(field+".src", "missing")
	}
	if f.Dst == "" {
		v.addf(field+".dst", "missing")
	} else {
		v.absolute(field+".dst", f.Dst)
	}
	if f.Mode != "" && !octalMode.MatchString(f.Mode) {
		v.addf(field+".mode", "%q: want an octal mode such as \"0644\"", f.Mode)
	}
}

// absolute checks an absolute, clean path inside the package.
func (v *validator) absolute(field, p string) {
	switch {
	case !path.IsAbs(p):
		v.addf(field, "%q: must be an absolute path", p)
	case path.Clean(p) != p:
		v.addf(field, "%q: not a clean path (want %q)", p, path.Clean(p))
	}
}

// sourceRef checks that name is one of the recipe's sources.
func (v *validator) sourceRef(field, name string) {
	if _, ok := v.r.Source(name); !ok {
		v.addf(field, "no source named %q", name)
	}
}

// ref checks "source:relative/path".
func (v *validator) ref(field, ref string) {
	name, p, ok := SplitRef(ref)
	if !ok {
		v.addf(field, "%q: want source:path/inside/source", ref)
		return
	}
	v.sourceRef(field, name)
	v.relative(field, p)
}

// relative checks a path that must stay inside its directory.
func (v *validator) relative(field, p string) {
	clean := path.Clean(p)
	if path.IsAbs(p) || clean == ".." || strings.HasPrefix(clean, "../") {
		v.addf(field, "%q: must be a relative path inside the source (no leading / or ..)", p)
	}
}
