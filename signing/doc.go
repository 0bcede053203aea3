// Package signing owns repoctl's OpenPGP keys and every signature repoctl
// makes: the repository's InRelease and Release.gpg, and the .deb's
// debsig-style _gpgorigin member. It is the only importer of go-crypto.
//
// Keys live in two places. Secret keys stay in the state directory
// (<state>/keys/<name>.sec.asc, mode 0600, directory 0700) and are loaded
// and decrypted once per run by Store.Signer. Public keys go to the public
// directory (the repository's keys/ by default) as <name>.asc (armored, for
// people) and <name>.gpg (a binary keyring, which apt's Signed-By and gpgv
// read directly).
//
// Keys are OpenPGP v4 (bookworm's gpgv cannot read v6) and every self- and
// binding signature uses SHA-512: Debian 13's apt verifies with Sequoia,
// which rejects SHA-1 bindings.
package signing
