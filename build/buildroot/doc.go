// Package buildroot makes and enters clean Debian build roots, one per
// suite, the way sbuild and pbuilder do: a package built for trixie must
// be compiled and have its Depends computed against trixie's libraries,
// whatever the host runs.
//
// A root is made once with debootstrap from the host's own mirror, kept
// under a cache directory, refreshed when older than a day, and gets the
// recipe's build-depends installed on demand. Builds run in a Session, a
// throw-away overlay on the cached root, as an unprivileged user, with an
// empty environment, no network and no setuid binaries: third-party build
// code cannot reach the host, the state directory's keys or repoctl's
// environment (signing passphrase, cloud credentials).
//
// RunIsolated gives the same treatment (user, environment, network) to a
// build on the host itself, for recipes built without a suite root.
package buildroot
