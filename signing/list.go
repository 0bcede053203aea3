package signing

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/repoctl/repoctl/internal/errs"
)

// List describes every key of the store, secret or public only, by name.
func (s Store) List() ([]KeyInfo, error) {
	names, err := s.names()
	if err != nil {
		return nil, err
	}
	active, err := s.Active()
	if err != nil {
		return nil, err
	}
	keys := make([]KeyInfo, 0, len(names))
	for _, name := range names {
		k, err := s.Info(name)
		if err != nil {
			return nil, err
		}
		k.Active = slices.Contains(active, name)
		keys = append(keys, *k)
	}
	return keys, nil
}

// Info describes key name (Active is left false; List sets it).
func (s Store) Info(name string) (*KeyInfo, error) {
	e, err := s.loadPublic(name)
	if err != nil && exists(s.secretPath(name)) {
		e, err = s.loadSecret(name)
	}
	if err != nil {
		return nil, err
	}
	k := info(name, e)
	k.HasSecret = exists(s.secretPath(name))
	return &k, nil
}

// names lists key names found in both directories, sorted, once each.
func (s Store) names() ([]string, error) {
	var names []string
	for _, g := range []struct{ dir, suffix string }{
		{s.PublicDir, ".gpg"}, {s.PublicDir, ".asc"}, {s.secretDir(), ".sec.asc"},
	} {
		matches, err := filepath.Glob(filepath.Join(g.dir, "*"+g.suffix))
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			name := strings.TrimSuffix(filepath.Base(m), g.suffix)
			if g.suffix == ".asc" && strings.HasSuffix(name, ".sec") {
				continue // never expected under PublicDir; not ours to list
			}
			if checkName(name) == nil {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// Export writes key name to w, armored: the public key, or with secret the
// secret key exactly as stored (still encrypted if it was).
func (s Store) Export(name string, secret bool, w io.Writer) error {
	if err := checkName(name); err != nil {
		return err
	}
	if !secret {
		return s.ExportPublic([]string{name}, w)
	}
	data, err := os.ReadFile(s.secretPath(name))
	if os.IsNotExist(err) {
		return errs.Usage(fmt.Errorf("key %s: no secret key in %s", name, s.secretDir()))
	}
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// ExportPublic writes the public keys names (none: the active keys) as
// one armored block: during a rotation, the keyring hosts need so that
// either key's signature is accepted.
func (s Store) ExportPublic(names []string, w io.Writer) error {
	if len(names) == 0 {
		active, err := s.Active()
		if err != nil {
			return err
		}
		if len(active) == 0 {
			return errs.Usage(fmt.Errorf("no active key to export: name one"))
		}
		names = active
	}
	var bin bytes.Buffer
	for _, name := range names {
		e, err := s.loadPublic(name)
		if err != nil {
			return err
		}
		if err := e.Serialize(&bin); err != nil {
			return err
		}
	}
	return armorPublic(w, bin.Bytes())
}

// SigningNames says which keys sign: the active ones, or configured (the
// config's signing-key) when none was ever activated.
func (s Store) SigningNames(configured string) ([]string, error) {
	active, err := s.Active()
	if err != nil || len(active) > 0 {
		return active, err
	}
	if configured == "" {
		return nil, errs.Usage(fmt.Errorf("no signing key: set signing-key or run repoctl keys generate"))
	}
	return []string{configured}, nil
}
