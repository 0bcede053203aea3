package publish

import (
	"path"
	"strings"
)

// Cache lifetimes. Pool files and by-hash files never change under their
// name, so caches may keep them for a year. Index and Release files change
// with every publish: a CDN or proxy must not serve a stale InRelease for
// long, and a stale Packages is harmless with Acquire-By-Hash but confusing.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheIndex     = "public, max-age=60"
	cacheRelease   = "public, max-age=60, must-revalidate"
	cacheState     = "no-store"
)

// metaFor chooses Content-Type and Cache-Control by key.
func metaFor(key string) Meta {
	base := path.Base(key)
	switch {
	case strings.HasPrefix(key, stateDir):
		return Meta{"application/json", cacheState}
	case isImmutable(key):
		return Meta{contentType(base), cacheImmutable}
	case base == "InRelease" || base == "Release":
		return Meta{"text/plain; charset=utf-8", cacheRelease}
	case base == "Release.gpg":
		return Meta{"application/pgp-signature", cacheRelease}
	}
	return Meta{contentType(base), cacheIndex}
}

// isImmutable: pool files (a version's content never changes) and by-hash
// files (named by their content).
func isImmutable(key string) bool {
	return strings.HasPrefix(key, "pool/") || strings.Contains(key, "/by-hash/")
}

func contentType(base string) string {
	switch ext := path.Ext(base); ext {
	case ".deb", ".udeb", ".ddeb":
		return "application/vnd.debian.binary-package"
	case ".gz":
		return "application/gzip"
	case ".xz":
		return "application/x-xz"
	case ".bz2":
		return "application/x-bzip2"
	case ".zst":
		return "application/zstd"
	case ".dsc", ".changes", ".buildinfo":
		return "text/plain; charset=utf-8"
	}
	if base == "Packages" || base == "Sources" || base == "Release" || strings.HasPrefix(base, "Translation-") {
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}
