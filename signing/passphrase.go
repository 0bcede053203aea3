package signing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/term"

	"github.com/repoctl/repoctl/internal/errs"
)

// PassphraseEnv names the environment variable read for the passphrase.
const PassphraseEnv = "REPOCTL_SIGNING_PASSPHRASE"

// Passphrase returns the passphrase of the secret keys. It is called only
// when an encrypted key is met, and at most once: the result is kept.
type Passphrase func() ([]byte, error)

// PassphraseOptions say where a passphrase may come from, first match wins:
// File (--passphrase-file), then PassphraseEnv in Env, then a prompt on
// the terminal when Terminal is true.
type PassphraseOptions struct {
	Env      []string
	File     string
	Terminal bool
	Prompt   io.Writer // where the prompt is written (stderr)
	Confirm  bool      // ask twice on a terminal (a new key's passphrase)
}

// PassphraseFrom is PassphraseOptions{env, file, terminal, prompt}.Passphrase().
func PassphraseFrom(env []string, file string, terminal bool, prompt io.Writer) Passphrase {
	return PassphraseOptions{Env: env, File: file, Terminal: terminal, Prompt: prompt}.Passphrase()
}

// ErrNoPassphrase is returned (wrapped, as a usage error) when a passphrase
// is needed and no source is available.
var ErrNoPassphrase = errors.New("a passphrase is needed: set " + PassphraseEnv +
	" or pass --passphrase-file FILE (no terminal to prompt on)")

// Passphrase returns the lazily resolved, remembered passphrase.
func (o PassphraseOptions) Passphrase() Passphrase {
	var (
		once sync.Once
		pass []byte
		err  error
	)
	return func() ([]byte, error) {
		once.Do(func() { pass, err = o.resolve() })
		return pass, err
	}
}

func (o PassphraseOptions) resolve() ([]byte, error) {
	if o.File != "" {
		return readPassphraseFile(o.File)
	}
	for _, kv := range o.Env {
		if v, ok := bytes.CutPrefix([]byte(kv), []byte(PassphraseEnv+"=")); ok {
			if len(v) == 0 {
				return nil, errs.Usage(errors.New(PassphraseEnv + " is set but empty"))
			}
			return v, nil
		}
	}
	if !o.Terminal {
		return nil, errs.Usage(ErrNoPassphrase)
	}
	return o.prompt()
}

func readPassphraseFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errs.Usage(fmt.Errorf("passphrase file: %w", err))
	}
	// Files written by editors and echo end with a newline that is not
	// part of the passphrase.
	data = bytes.TrimSuffix(data, []byte("\n"))
	data = bytes.TrimSuffix(data, []byte("\r"))
	if len(data) == 0 {
		return nil, errs.Usage(fmt.Errorf("passphrase file %s is empty", path))
	}
	return data, nil
}

// readPassword reads a line from the terminal without echo; tests replace it.
var readPassword = termReadPassword

func termReadPassword() ([]byte, error) { return term.ReadPassword(int(os.Stdin.Fd())) }

func (o PassphraseOptions) prompt() ([]byte, error) {
	w := o.Prompt
	if w == nil {
		w = io.Discard
	}
	fmt.Fprint(w, "Passphrase for the signing key: ")
	p, err := readPassword()
	fmt.Fprintln(w)
	if err != nil {
		return nil, fmt.Errorf("reading the passphrase: %w", err)
	}
	if len(p) == 0 {
		return nil, errs.Usage(errors.New("empty passphrase"))
	}
	if !o.Confirm {
		return p, nil
	}
	fmt.Fprint(w, "Repeat the passphrase: ")
	again, err := readPassword()
	fmt.Fprintln(w)
	if err != nil {
		return nil, fmt.Errorf("reading the passphrase: %w", err)
	}
	if !bytes.Equal(p, again) {
		return nil, errs.Usage(errors.New("the two passphrases differ"))
	}
	return p, nil
}
