// Package recipe is the schema of a build recipe (recipes/*.yaml) and its
// loading and validation. docs/recipes.md documents every field.
package recipe

// Recipe says what to build and how to package it.
type Recipe struct {
	// Path is the file the recipe was loaded from; relative paths in the
	// recipe (patch files, path sources, key files) resolve against its
	// directory.
	Path string `yaml:"-"`

	// lines maps a field path ("sources[2].sha256") to the line it was
	// read from, so that validation errors point at the recipe's text.
	lines map[string]int

	Name     string `yaml:"name"`     // recipe name, e.g. nginx-realtime
	Version  string `yaml:"version"`  // upstream version, e.g. 1.22.1
	Revision int    `yaml:"revision"` // Debian revision, >= 1
	// SourceDateEpoch fixes timestamps for reproducible output; 0 means
	// "newest source's mtime" as computed by the build.
	SourceDateEpoch int64 `yaml:"source-date-epoch,omitempty"`

	BuildDepends []string `yaml:"build-depends,omitempty"` // Debian packages
	Sources      []Source `yaml:"sources"`
	Build        Build    `yaml:"build"`
	Package      Package  `yaml:"package"`

	// Suites holds per-suite overrides (bookworm, trixie, ...), merged over
	// the top-level fields by ForSuite.
	Suites map[string]SuiteOverride `yaml:"suites,omitempty"`
}

// Source is one input archive or directory. Exactly one of URL, Debian,
// Path is set. SHA256 is required for URL and Debian sources (and for a
// Path that is a file).
type Source struct {
	Name   string `yaml:"name"`
	SHA256 string `yaml:"sha256,omitempty"`

	URL string `yaml:"url,omitempty"`
	// Signature is the URL of a detached OpenPGP signature of URL's bytes;
	// SigningKey the fingerprint it must verify against; KeyFile the public
	// key (relative to the recipe; default keys/<FINGERPRINT>.asc next to
	// the recipe). KeyURL is where to fetch the key when no key file is
	// kept: it is accepted only if its fingerprint equals SigningKey.
	Signature  string `yaml:"signature,omitempty"`
	SigningKey string `yaml:"signing-key,omitempty"`
	KeyFile    string `yaml:"key-file,omitempty"`
	KeyURL     string `yaml:"key-url,omitempty"`

	// Debian is a pool path (pool/main/n/nginx/...) resolved against the
	// host's own apt sources; Archive selects "main" (default) or "security".
	Debian  string `yaml:"debian,omitempty"`
	Archive string `yaml:"archive,omitempty"`

	Path string `yaml:"path,omitempty"` // local file or directory

	StripComponents int     `yaml:"strip-components,omitempty"`
	Subdir          string  `yaml:"subdir,omitempty"` // keep only this directory of the archive
	Patches         []Patch `yaml:"patches,omitempty"`
}

// Patch is applied to its source with patch -p<Strip>, in order. Exactly one
// of File (a file next to the recipe), From ("source:path" of a patch inside
// another source) or Series ("source:path/to/series", every patch listed,
// relative to the series file's directory) is set.
type Patch struct {
	File   string `yaml:"file,omitempty"`
	From   string `yaml:"from,omitempty"`
	Series string `yaml:"series,omitempty"`
	Strip  *int   `yaml:"strip,omitempty"` // default 1
}

// Build is how the sources are compiled.
type Build struct {
	Directory string            `yaml:"directory,omitempty"` // source whose ./configure runs; default the first source
	Env       map[string]string `yaml:"env,omitempty"`
	Configure []string          `yaml:"configure,omitempty"`
	Modules   []Module          `yaml:"modules,omitempty"`
	MakeArgs  []string          `yaml:"make-args,omitempty"`
	// Hardening adds dpkg-buildflags' CFLAGS/LDFLAGS (default true).
	Hardening *bool         `yaml:"hardening,omitempty"`
	Install   []InstallStep `yaml:"install,omitempty"`
}

// Module becomes --add-module=<dir of Source> (or --add-dynamic-module).
type Module struct {
	Source  string `yaml:"source"`
	Dynamic bool   `yaml:"dynamic,omitempty"`
}

// InstallStep runs after make install. Copy copies "source:path" (a file or
// a directory's contents) to To, an absolute path inside the staging root.
type InstallStep struct {
	Copy string `yaml:"copy,omitempty"`
	To   string `yaml:"to,omitempty"`
	// Mkdir creates an absolute directory inside the staging root.
	Mkdir string `yaml:"mkdir,omitempty"`
}

// Package is the Debian package made from the staging root.
type Package struct {
	Name        string `yaml:"name"`
	Maintainer  string `yaml:"maintainer"`
	Description string `yaml:"description"` // first line is the synopsis
	Homepage    string `yaml:"homepage,omitempty"`
	Section     string `yaml:"section,omitempty"`
	Priority    string `yaml:"priority,omitempty"`
	License     string `yaml:"license,omitempty"` // for debian/copyright

	Depends []string `yaml:"depends,omitempty"` // added to the computed Depends
	// DropAlternatives removes these package names from computed "a | b"
	// alternatives (e.g. libluajit-5.1-2, not OpenResty's LuaJIT).
	DropAlternatives []string `yaml:"drop-alternatives,omitempty"`
	Conflicts        []string `yaml:"conflicts,omitempty"`
	Replaces         []string `yaml:"replaces,omitempty"`
	Provides         []string `yaml:"provides,omitempty"`

	Prefix  string `yaml:"prefix"`             // install prefix, e.g. /usr/local/nginx-realtime
	ConfDir string `yaml:"conf-dir,omitempty"` // symlink to <prefix>/conf, e.g. /etc/nginx-realtime
	Binary  string `yaml:"binary,omitempty"`   // symlink to the nginx binary, e.g. /usr/bin/nginx-realtime
	Service string `yaml:"service,omitempty"`  // systemd unit and init script name; default Name
	LogDir  string `yaml:"log-dir,omitempty"`  // default /var/log/<Name>

	Conffiles []string `yaml:"conffiles,omitempty"` // absolute paths in the package
	Files     []File   `yaml:"files,omitempty"`     // extra files from the recipe dir
}

// File is an extra file shipped in the package.
type File struct {
	Src  string `yaml:"src"`            // relative to the recipe directory; may be a glob
	Dst  string `yaml:"dst"`            // absolute path in the package
	Mode string `yaml:"mode,omitempty"` // octal, e.g. "0644"
}

// SuiteOverride changes fields for one Debian suite; lists replace, maps merge.
type SuiteOverride struct {
	BuildDepends     []string          `yaml:"build-depends,omitempty"`
	Env              map[string]string `yaml:"env,omitempty"`
	Depends          []string          `yaml:"depends,omitempty"`
	DropAlternatives []string          `yaml:"drop-alternatives,omitempty"`
}
