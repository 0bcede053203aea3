package recipe

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
)

// Source kinds, as returned by (Source).Kind.
const (
	KindURL    = "url"
	KindDebian = "debian"
	KindPath   = "path"
)

// Dir is the directory of the recipe file: relative paths in the recipe
// resolve against it.
func (r *Recipe) Dir() string { return filepath.Dir(r.Path) }

// Resolve returns p relative to the recipe's directory (p unchanged when
// absolute).
func (r *Recipe) Resolve(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(r.Dir(), p)
}

// Source returns the source named name.
func (r *Recipe) Source(name string) (*Source, bool) {
	for i := range r.Sources {
		if r.Sources[i].Name == name {
			return &r.Sources[i], true
		}
	}
	return nil, false
}

// ForSuite returns a copy of r with the overrides of suite applied: lists
// replace, maps merge. An unknown suite gives an unchanged copy. Every list
// and map a suite can override is copied, so changing the result never
// changes r.
func (r *Recipe) ForSuite(suite string) *Recipe {
	c := *r
	c.BuildDepends = slices.Clone(r.BuildDepends)
	c.Sources = slices.Clone(r.Sources)
	c.Build.Env = maps.Clone(r.Build.Env)
	c.Build.Configure = slices.Clone(r.Build.Configure)
	c.Package.Depends = slices.Clone(r.Package.Depends)
	c.Package.DropAlternatives = slices.Clone(r.Package.DropAlternatives)
	o, ok := r.Suites[suite]
	if !ok {
		return &c
	}
	if o.BuildDepends != nil {
		c.BuildDepends = slices.Clone(o.BuildDepends)
	}
	if o.Depends != nil {
		c.Package.Depends = slices.Clone(o.Depends)
	}
	if o.DropAlternatives != nil {
		c.Package.DropAlternatives = slices.Clone(o.DropAlternatives)
	}
	if len(o.Env) > 0 {
		if c.Build.Env == nil {
			c.Build.Env = map[string]string{}
		}
		maps.Copy(c.Build.Env, o.Env)
	}
	return &c
}

// Kind says which of url, debian or path the source is ("" when none is
// set; Validate rejects that).
func (s Source) Kind() string {
	switch {
	case s.URL != "":
		return KindURL
	case s.Debian != "":
		return KindDebian
	case s.Path != "":
		return KindPath
	}
	return ""
}

// DefaultKeyFile is where a signing key is kept when key-file is not set:
// keys/<FINGERPRINT>.asc next to the recipe.
func DefaultKeyFile(fingerprint string) string {
	return filepath.Join("keys", strings.ToUpper(fingerprint)+".asc")
}

// SplitRef splits "source:path/in/source" as used by from:, series: and
// install copy:.
func SplitRef(ref string) (source, path string, ok bool) {
	source, path, ok = strings.Cut(ref, ":")
	return source, path, ok && source != "" && path != ""
}
