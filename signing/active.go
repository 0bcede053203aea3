package signing

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/repoctl/repoctl/internal/errs"
)

// activeFile lists the keys that sign: one normally, two during a rotation's
// overlap, so hosts that trust either key accept the repository.
type activeFile struct {
	Active []string `json:"active"`
}

func (s Store) activePath() string { return filepath.Join(s.secretDir(), "active.json") }

// Active returns the names of the active signing keys, oldest first; none
// (and no error) when no key was ever activated.
func (s Store) Active() ([]string, error) {
	data, err := os.ReadFile(s.activePath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f activeFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, errs.Usage(fmt.Errorf("%s: %w", s.activePath(), err))
	}
	return f.Active, nil
}

func (s Store) setActive(names []string) error {
	data, err := json.MarshalIndent(activeFile{Active: names}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.secretDir(), 0o700); err != nil {
		return err
	}
	return writeFileAtomic(s.activePath(), append(data, '\n'), 0o600)
}

// Activate adds name to the active signing keys; it must have its secret.
func (s Store) Activate(name string) error {
	if _, err := s.loadSecret(name); err != nil {
		return err
	}
	active, err := s.Active()
	if err != nil {
		return err
	}
	if slices.Contains(active, name) {
		return nil
	}
	return s.setActive(append(active, name))
}

// Rotate starts a rotation: it generates opts.Name and makes it active
// beside the keys already active, so that both sign until Retire ends the
// overlap (docs/keys.md: the fleet must trust the new key first).
func (s Store) Rotate(opts GenerateOptions) (*KeyInfo, error) {
	k, err := s.Generate(opts)
	if err != nil {
		return nil, err
	}
	if err := s.Activate(opts.Name); err != nil {
		return nil, err
	}
	k.Active = true
	return k, nil
}

// Retire ends an overlap: name stops signing. Its files stay (hosts may
// still hold the public key; the secret is needed to re-sign old states).
// Retiring the last active key is refused.
func (s Store) Retire(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	active, err := s.Active()
	if err != nil {
		return err
	}
	i := slices.Index(active, name)
	if i < 0 {
		return errs.Usage(fmt.Errorf("key %s is not active (active: %v)", name, active))
	}
	if len(active) == 1 {
		return errs.Usage(fmt.Errorf("key %s is the only active key: rotate to a new key first (repoctl keys rotate --name NEW)", name))
	}
	return s.setActive(slices.Delete(active, i, i+1))
}
