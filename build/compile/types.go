// Package compile configures, compiles and installs a recipe's sources into
// a staging root, with one log file per step and a build cache keyed by a
// hash of every input.
package compile

// Result is a finished (or cached) build.
type Result struct {
	StagingDir string     `json:"staging_dir"` // the installed tree (DESTDIR), e.g. <state>/builds/<key>/staging
	Key        string     `json:"key"`         // hex hash of every input (recipe, sources, patches, compiler)
	Cached     bool       `json:"cached"`      // true when nothing was compiled
	LogDir     string     `json:"log_dir"`     // one log file per step
	Provenance Provenance `json:"provenance"`  // what went in, for provenance.json
	// Root is the suite of the clean build root the build ran in ("" for
	// a build on the host), RootCacheDir where that root is kept: build/deb
	// computes Depends inside the same root.
	Root         string `json:"root,omitempty"`
	RootCacheDir string `json:"root_cache_dir,omitempty"`
}

// Provenance records every input of a build; build/deb ships it as
// /usr/share/doc/<name>/provenance.json and writes it next to the .deb.
type Provenance struct {
	Recipe     string             `json:"recipe"`      // recipe name
	RecipeHash string             `json:"recipe_hash"` // sha256 of the recipe file
	BuildKey   string             `json:"build_key"`
	Sources    []ProvenanceSource `json:"sources"`
	Patches    []string           `json:"patches"` // "source: patch name" in the order applied
	Configure  []string           `json:"configure"`
	Compiler   string             `json:"compiler"` // first line of cc --version
	Suite      string             `json:"suite"`    // Debian suite of the build root
	// RootPackages are the versions of the toolchain and build-depends in
	// the clean build root (absent for a build on the host).
	RootPackages map[string]string `json:"root_packages,omitempty"`
	// SourceDateEpoch is the recipe's, or the newest source file's mtime.
	SourceDateEpoch int64 `json:"source_date_epoch"`
}

// ProvenanceSource is one verified input.
type ProvenanceSource struct {
	Name       string `json:"name"`
	Origin     string `json:"origin"` // URL, "debian:<archive>:<pool path>" or "path:<path>"
	SHA256     string `json:"sha256"`
	SigningKey string `json:"signing_key,omitempty"` // fingerprint, when a signature was verified
}
