package signing

import (
	"crypto"
	"fmt"
	"math"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/repoctl/repoctl/internal/errs"
)

// GenerateOptions describe a new key.
type GenerateOptions struct {
	Name    string // the key's name in the store (file names)
	Email   string
	Comment string
	// RealName is the user ID's name part; empty: Name.
	RealName string
	// Algo is "ed25519" (default) or "rsa4096".
	Algo string
	// Expires is the key's lifetime; 0 means it never expires.
	Expires time.Duration
	// Passphrase encrypts the secret key; nil leaves it unencrypted.
	Passphrase []byte
	// Now replaces the clock (tests make keys that are already expired).
	Now func() time.Time
}

// certHash signs every self-signature, binding and data signature repoctl
// makes. SHA-512: accepted by gpgv, apt (gpgv and Sequoia) and debsig-verify.
const certHash = crypto.SHA512

func keyConfig(opts GenerateOptions) (*packet.Config, error) {
	cfg := &packet.Config{
		DefaultHash: certHash,
		Time:        opts.Now,
		V6Keys:      false, // bookworm's gpgv and apt cannot read v6 keys
	}
	switch opts.Algo {
	case "", "ed25519":
		// Legacy EdDSA (algorithm 22), which GnuPG 2.2 reads; the RFC 9580
		// Ed25519 (27) is not understood by bookworm's gpgv.
		cfg.Algorithm = packet.PubKeyAlgoEdDSA
		cfg.Curve = packet.Curve25519
	case "rsa4096":
		cfg.Algorithm = packet.PubKeyAlgoRSA
		cfg.RSABits = 4096
	default:
		return nil, errs.Usage(fmt.Errorf("key algorithm %q: want ed25519 or rsa4096", opts.Algo))
	}
	if opts.Expires < 0 {
		return nil, errs.Usage(fmt.Errorf("key lifetime %s is negative", opts.Expires))
	}
	secs := opts.Expires.Round(time.Second) / time.Second
	if secs > math.MaxUint32 {
		return nil, errs.Usage(fmt.Errorf("key lifetime %s is too long (at most 136 years)", opts.Expires))
	}
	cfg.KeyLifetimeSecs = uint32(secs)
	return cfg, nil
}

// Generate makes a new signing key named opts.Name and stores it.
func (s Store) Generate(opts GenerateOptions) (*KeyInfo, error) {
	if err := checkName(opts.Name); err != nil {
		return nil, err
	}
	if s.hasKey(opts.Name) {
		return nil, errs.Usage(fmt.Errorf("key %s exists already (%s); choose another name", opts.Name, s.keyringPath(opts.Name)))
	}
	e, err := newEntity(opts)
	if err != nil {
		return nil, err
	}
	if err := s.save(opts.Name, e); err != nil {
		return nil, fmt.Errorf("key %s: %w", opts.Name, err)
	}
	k := info(opts.Name, e)
	return &k, nil
}

func newEntity(opts GenerateOptions) (*openpgp.Entity, error) {
	cfg, err := keyConfig(opts)
	if err != nil {
		return nil, err
	}
	realName := opts.RealName
	if realName == "" {
		realName = opts.Name
	}
	e, err := openpgp.NewEntity(realName, opts.Comment, opts.Email, cfg)
	if err != nil {
		return nil, errs.Usage(fmt.Errorf("key %s: %w", opts.Name, err))
	}
	// NewEntity adds an encryption subkey: a repository key never decrypts
	// anything, so ship only the signing primary key.
	e.Subkeys = nil
	if opts.Passphrase != nil {
		if len(opts.Passphrase) == 0 {
			return nil, errs.Usage(fmt.Errorf("key %s: the passphrase is empty; use --no-passphrase for an unencrypted key", opts.Name))
		}
		if err := e.EncryptPrivateKeys(opts.Passphrase, cfg); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// EnsureDevKey makes the embedded default work on a fresh machine: it
// generates an unencrypted, non-expiring development key called name on
// first use and makes it the active key when none is active. created says
// whether it did.
func (s Store) EnsureDevKey(name string) (created bool, err error) {
	if err := checkName(name); err != nil {
		return false, err
	}
	if !exists(s.secretPath(name)) {
		if exists(s.keyringPath(name)) {
			return false, errs.Usage(fmt.Errorf("key %s: its public key is in %s but its secret key is not in %s", name, s.PublicDir, s.secretDir()))
		}
		_, err = s.Generate(GenerateOptions{Name: name, Comment: "development key, not for production", Email: name + "@localhost"})
		if err != nil {
			return false, err
		}
		created = true
	}
	active, err := s.Active()
	if err != nil || len(active) > 0 {
		return created, err
	}
	return created, s.setActive([]string{name})
}
