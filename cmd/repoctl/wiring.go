package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/repoctl/repoctl/build/source"
	"github.com/repoctl/repoctl/signing"
)

// The wiring between packages that must not import each other: build gets
// signature checks and the .deb signer from signing through function
// values, so only signing imports go-crypto.
func init() {
	sourceVerifier = signing.VerifySource
	DebSignFn = func(_ context.Context, app *App) (func(io.Reader) ([]byte, error), error) {
		s, err := openSigner(app, signerOptions{})
		if err != nil {
			return nil, err
		}
		return s.SignFn(), nil
	}
}

// sourceVerifier checks upstream signatures for build/source.
var sourceVerifier source.SignatureVerifier

// devKeyName is the embedded default's signing key: generated on first use,
// unencrypted, for trying repoctl out, never for a fleet.
const devKeyName = "repoctl-dev"

// signerOptions are the flags of commands that sign.
type signerOptions struct {
	PassphraseFile string
	KeysDir        string // public keys; default ./keys
}

func keyStore(app *App, o signerOptions) (signing.Store, error) {
	state, err := app.StateDir()
	if err != nil {
		return signing.Store{}, err
	}
	dir := o.KeysDir
	if dir == "" {
		dir = "keys"
	}
	return signing.Store{StateDir: state, PublicDir: dir}, nil
}

// openSigner loads the signing keys once (asking for the passphrase once),
// creating the development key when the embedded default is in use.
func openSigner(app *App, o signerOptions) (*signing.Signer, error) {
	store, err := keyStore(app, o)
	if err != nil {
		return nil, err
	}
	name := app.Config.SigningKey
	if name == devKeyName {
		created, err := store.EnsureDevKey(name)
		if err != nil {
			return nil, err
		}
		if created {
			fmt.Fprintf(app.Err, "WARNING: generated the DEVELOPMENT signing key %q (unencrypted, in %s).\n"+
				"WARNING: it is NOT for production: generate a real key with `repoctl keys generate` and set signing-key.\n",
				name, filepath.Join(store.StateDir, "keys"))
		}
	}
	names, err := store.SigningNames(name)
	if err != nil {
		return nil, err
	}
	pass := signing.PassphraseFrom(os.Environ(), o.PassphraseFile, app.Terminal, app.Err)
	return store.Signer(names, pass)
}
