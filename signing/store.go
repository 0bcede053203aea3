package signing

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/repoctl/repoctl/internal/errs"
)

// Store is where keys are kept: secret keys under <StateDir>/keys, public
// keys under PublicDir.
type Store struct {
	StateDir  string
	PublicDir string
	// Now is the clock used to judge expiry and date signatures; nil means
	// time.Now (tests set it).
	Now func() time.Time
}

// KeyInfo describes one key of the store.
type KeyInfo struct {
	Name        string    `json:"name"`
	UserID      string    `json:"user_id"`
	Fingerprint string    `json:"fingerprint"` // 40 upper-case hex digits
	KeyID       string    `json:"key_id"`      // last 16 hex digits
	Algorithm   string    `json:"algorithm"`   // ed25519, rsa4096, ...
	Created     time.Time `json:"created"`
	Expires     time.Time `json:"expires,omitzero"` // zero: never
	CanSign     bool      `json:"can_sign"`
	HasSecret   bool      `json:"has_secret"`
	Active      bool      `json:"active"`
}

// Expired reports whether the key has expired at now.
func (k KeyInfo) Expired(now time.Time) bool {
	return !k.Expires.IsZero() && !now.Before(k.Expires)
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// checkName refuses names that could escape the key directories.
func checkName(name string) error {
	if !nameRE.MatchString(name) || strings.Contains(name, "..") {
		return errs.Usage(fmt.Errorf("key name %q: use letters, digits, '.', '_' and '-' (at most 64)", name))
	}
	return nil
}

func (s Store) secretDir() string             { return filepath.Join(s.StateDir, "keys") }
func (s Store) secretPath(name string) string { return filepath.Join(s.secretDir(), name+".sec.asc") }
func (s Store) armoredPath(name string) string {
	return filepath.Join(s.PublicDir, name+".asc")
}
func (s Store) keyringPath(name string) string { return filepath.Join(s.PublicDir, name+".gpg") }

// KeyringPath is the binary public keyring of key name (apt's Signed-By).
func (s Store) KeyringPath(name string) string { return s.keyringPath(name) }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// hasKey reports whether name is taken, secret or public.
func (s Store) hasKey(name string) bool {
	return exists(s.secretPath(name)) || exists(s.keyringPath(name)) || exists(s.armoredPath(name))
}

// save writes e: the secret part (when present) to the state directory,
// the public part to the public directory. Secret first, so that a public
// key never names a key whose secret was lost on the way.
func (s Store) save(name string, e *openpgp.Entity) error {
	if e.PrivateKey != nil {
		var sec bytes.Buffer
		if err := armorSecret(&sec, e); err != nil {
			return err
		}
		if err := os.MkdirAll(s.secretDir(), 0o700); err != nil {
			return err
		}
		// MkdirAll leaves an existing directory's mode alone: tighten it.
		if err := os.Chmod(s.secretDir(), 0o700); err != nil {
			return err
		}
		if err := writeFileAtomic(s.secretPath(name), sec.Bytes(), 0o600); err != nil {
			return err
		}
	}
	return s.savePublic(name, e)
}

func (s Store) savePublic(name string, e *openpgp.Entity) error {
	var bin, asc bytes.Buffer
	if err := e.Serialize(&bin); err != nil {
		return err
	}
	if err := armorPublic(&asc, bin.Bytes()); err != nil {
		return err
	}
	if err := os.MkdirAll(s.PublicDir, 0o755); err != nil {
		return err
	}
	if err := writeFileAtomic(s.keyringPath(name), bin.Bytes(), 0o644); err != nil {
		return err
	}
	return writeFileAtomic(s.armoredPath(name), asc.Bytes(), 0o644)
}

// writeFileAtomic writes through a temporary file in the same directory
// (created 0600 by os.CreateTemp) so readers never see half a key.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// loadSecret reads the secret key of name (still encrypted if it was).
func (s Store) loadSecret(name string) (*openpgp.Entity, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	path := s.secretPath(name)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		if exists(s.keyringPath(name)) {
			return nil, errs.Usage(fmt.Errorf("key %s: only its public part is here (%s); import the secret key to sign with it", name, s.keyringPath(name)))
		}
		return nil, errs.Usage(fmt.Errorf("key %s: no such key (looked for %s)", name, path))
	}
	if err != nil {
		return nil, err
	}
	e, err := parseOne(data)
	if err != nil {
		return nil, errs.Usage(fmt.Errorf("key %s: %s: %w", name, path, err))
	}
	if e.PrivateKey == nil {
		return nil, errs.Usage(fmt.Errorf("key %s: %s holds no secret key", name, path))
	}
	return e, nil
}

// loadPublic reads the public key of name.
func (s Store) loadPublic(name string) (*openpgp.Entity, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(s.keyringPath(name))
	if os.IsNotExist(err) {
		data, err = os.ReadFile(s.armoredPath(name))
	}
	if os.IsNotExist(err) {
		return nil, errs.Usage(fmt.Errorf("key %s: no public key in %s", name, s.PublicDir))
	}
	if err != nil {
		return nil, err
	}
	e, err := parseOne(data)
	if err != nil {
		return nil, errs.Usage(fmt.Errorf("key %s: %w", name, err))
	}
	return e, nil
}
