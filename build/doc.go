// Package build turns a recipe into a Debian package, in small packages with
// one job each:
//
//   - recipe:  the recipe schema, loading and validation (errors name file, line, field)
//   - source:  fetching sources (URL, Debian archive, local path), SHA-256 and
//     signature checks, the content-addressed cache, safe extraction, patches
//   - compile: configure, make, make install into a staging root, the build cache
//   - deb:     the .deb (nfpm), Depends from ELF NEEDED, layout, provenance
//
// Data flows one way: recipe -> source -> compile -> deb.
package build
