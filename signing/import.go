package signing

import (
	"crypto"
	"fmt"
	"os"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/repoctl/repoctl/internal/errs"
)

// ImportOptions control Store.Import.
type ImportOptions struct {
	// Name is the key's name in the store; empty: its 16-digit key ID.
	Name string
	// Passphrase decrypts an encrypted secret key, needed only to re-sign.
	Passphrase Passphrase
	// Resign replaces SHA-1 self- and binding signatures with SHA-512 ones
	// (needs the secret key) instead of refusing the key.
	Resign bool
	// Activate makes the imported key an active signing key.
	Activate bool
}

// Import adds the key in path (armored or binary, public or secret). A key
// whose self- or binding signatures use SHA-1 is refused, naming them,
// unless opts.Resign: apt on Debian 13 (Sequoia) rejects such keys.
func (s Store) Import(path string, opts ImportOptions) (*KeyInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, errs.Usage(fmt.Errorf("import: %w", err))
	}
	e, err := parseOne(data)
	if err != nil {
		return nil, errs.Usage(fmt.Errorf("import %s: %w", path, err))
	}
	if e.PrimaryKey.Version != 4 {
		return nil, errs.Usage(fmt.Errorf("import %s: a v%d key; apt and gpgv on Debian 12 read only v4 keys", path, e.PrimaryKey.Version))
	}
	name := opts.Name
	if name == "" {
		name = info("", e).KeyID
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	if s.hasKey(name) {
		return nil, errs.Usage(fmt.Errorf("import %s: key %s exists already; pass another --name", path, name))
	}
	if weak := weakSignatures(e); len(weak) > 0 {
		if err := s.resign(path, name, e, weak, opts); err != nil {
			return nil, err
		}
	}
	if err := s.store(name, e); err != nil {
		return nil, err
	}
	if opts.Activate {
		if err := s.Activate(name); err != nil {
			return nil, err
		}
	}
	k := info(name, e)
	k.Active = opts.Activate
	return &k, nil
}

func (s Store) store(name string, e *openpgp.Entity) error {
	if e.PrivateKey == nil {
		return s.savePublic(name, e)
	}
	return s.save(name, e)
}

// weakHash reports hashes that no longer bind a key safely.
func weakHash(h crypto.Hash) bool {
	return h == crypto.SHA1 || h == crypto.MD5 || h == crypto.RIPEMD160
}

// weakSignatures names every self- or binding signature of e made with a
// weak hash.
func weakSignatures(e *openpgp.Entity) []string {
	var weak []string
	for _, id := range e.Identities {
		if id.SelfSignature != nil && weakHash(id.SelfSignature.Hash) {
			weak = append(weak, fmt.Sprintf("self-signature on %q uses %s", id.Name, id.SelfSignature.Hash))
		}
	}
	for _, sig := range e.Signatures {
		if weakHash(sig.Hash) {
			weak = append(weak, fmt.Sprintf("direct-key signature uses %s", sig.Hash))
		}
	}
	for _, sk := range e.Subkeys {
		id := fmt.Sprintf("%016X", sk.PublicKey.KeyId)
		if weakHash(sk.Sig.Hash) {
			weak = append(weak, fmt.Sprintf("binding of subkey %s uses %s", id, sk.Sig.Hash))
		}
		if es := sk.Sig.EmbeddedSignature; es != nil && weakHash(es.Hash) {
			weak = append(weak, fmt.Sprintf("back-signature of subkey %s uses %s", id, es.Hash))
		}
	}
	return weak
}

// resign re-makes e's self- and binding signatures with SHA-512 when
// opts.Resign and the secret key allow; otherwise it refuses the key.
func (s Store) resign(path, name string, e *openpgp.Entity, weak []string, opts ImportOptions) error {
	why := fmt.Sprintf("import %s: key %s: %s; apt on Debian 13 (Sequoia) rejects SHA-1 bindings", path, fingerprint(e), strings.Join(weak, "; "))
	if !opts.Resign {
		return errs.Usage(fmt.Errorf("%s. Re-sign it with SHA-512: repoctl keys import --resign (needs the secret key)", why))
	}
	if e.PrivateKey == nil || e.PrivateKey.Dummy() {
		return errs.Usage(fmt.Errorf("%s, and %s holds only the public key: re-sign where the secret key is", why, path))
	}
	var pass []byte
	if encrypted(e) {
		if err := decrypt(name, e, opts.Passphrase); err != nil {
			return err
		}
		pass, _ = opts.Passphrase() // remembered: decrypt just got it
	}
	if err := resignEntity(e); err != nil {
		return fmt.Errorf("import %s: re-signing: %w", path, err)
	}
	if still := weakSignatures(e); len(still) > 0 {
		return fmt.Errorf("import %s: after re-signing, still: %s", path, strings.Join(still, "; "))
	}
	if pass != nil {
		// Store it as it came: encrypted with the same passphrase.
		return e.EncryptPrivateKeys(pass, &packet.Config{DefaultHash: certHash})
	}
	return nil
}

// resignEntity replaces e's user ID self-signatures and subkey bindings by
// SHA-512 ones, keeping what they say (flags, expiry, preferences).
func resignEntity(e *openpgp.Entity) error {
	cfg := &packet.Config{DefaultHash: certHash}
	for _, id := range e.Identities {
		sig := id.SelfSignature
		if sig == nil {
			continue
		}
		sig.Hash, sig.CreationTime = certHash, cfg.Now()
		if err := sig.SignUserId(id.UserId.Id, e.PrimaryKey, e.PrivateKey, cfg); err != nil {
			return err
		}
		// Drop the superseded self-signatures; keep others' certifications.
		keep := []*packet.Signature{sig}
		for _, other := range id.Signatures {
			own := other.CheckKeyIdOrFingerprint(e.PrimaryKey)
			if other != sig && (!own || other.SigType == packet.SigTypeCertificationRevocation) {
				keep = append(keep, other)
			}
		}
		id.Signatures = keep
	}
	for _, sig := range e.Signatures {
		if sig.SigType != packet.SigTypeDirectSignature || !weakHash(sig.Hash) {
			continue
		}
		sig.Hash, sig.CreationTime = certHash, cfg.Now()
		if err := sig.SignDirectKeyBinding(e.PrimaryKey, e.PrivateKey, cfg); err != nil {
			return err
		}
	}
	for i := range e.Subkeys {
		if err := resignSubkey(e, &e.Subkeys[i], cfg); err != nil {
			return err
		}
	}
	return nil
}

func resignSubkey(e *openpgp.Entity, sk *openpgp.Subkey, cfg *packet.Config) error {
	sig := sk.Sig
	sig.Hash, sig.CreationTime = certHash, cfg.Now()
	if es := sig.EmbeddedSignature; es != nil {
		if sk.PrivateKey == nil || sk.PrivateKey.Dummy() {
			return fmt.Errorf("subkey %016X: its secret is missing, so its back-signature cannot be re-made", sk.PublicKey.KeyId)
		}
		es.Hash, es.CreationTime = certHash, cfg.Now()
		if err := es.CrossSignKey(sk.PublicKey, e.PrimaryKey, sk.PrivateKey, cfg); err != nil {
			return err
		}
	}
	return sig.SignKey(sk.PublicKey, e.PrivateKey, cfg)
}
