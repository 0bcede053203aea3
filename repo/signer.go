package repo

import (
	"errors"
	"io"
	"os"

	"github.com/aptly-dev/aptly/pgp"
)

// Signer makes OpenPGP signatures; *signing.Signer satisfies it. Render
// uses it for InRelease (ClearSign) and Release.gpg (DetachSign).
type Signer interface {
	ClearSign(in io.Reader, out io.Writer) error
	DetachSign(in io.Reader, out io.Writer) error
}

// aptlySigner adapts a Signer to aptly's file-based pgp.Signer. Key
// selection and passphrases belong to the Signer, so the setters are no-ops.
type aptlySigner struct{ s Signer }

var _ pgp.Signer = aptlySigner{}

func (aptlySigner) Init() error                  { return nil }
func (aptlySigner) SetKey(string)                {}
func (aptlySigner) SetKeyRing(string, string)    {}
func (aptlySigner) SetPassphrase(string, string) {}
func (aptlySigner) SetBatch(bool)                {}

func (a aptlySigner) DetachedSign(source, destination string) error {
	return signFile(source, destination, a.s.DetachSign)
}

func (a aptlySigner) ClearSign(source, destination string) error {
	return signFile(source, destination, a.s.ClearSign)
}

// signFile signs source into destination; a failed signature leaves no
// destination file behind.
func signFile(source, destination string, sign func(io.Reader, io.Writer) error) (err error) {
	in, err := os.Open(source)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(destination)
	if err != nil {
		return err
	}
	err = sign(in, out)
	err = errors.Join(err, out.Close())
	if err != nil {
		os.Remove(destination)
	}
	return err
}
