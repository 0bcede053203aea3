// Package deb turns a compiled staging root into a Debian package (and its
// -dbgsym companion) with nfpm: Depends computed from the ELF files shipped,
// real conffiles under /etc, maintainer scripts that behave in a chroot,
// stripped binaries, and byte-identical output for identical input.
package deb
