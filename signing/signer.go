package signing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/repoctl/repoctl/internal/errs"
)

// Signer signs with every active key. Its secret keys were read and
// decrypted once, by Store.Signer, and stay in memory only. Its methods
// are safe for concurrent use.
type Signer struct {
	mu    sync.Mutex
	names []string
	keys  []signingKey
	now   func() time.Time
}

type signingKey struct {
	entity *openpgp.Entity
	key    openpgp.Key // the (sub)key that makes data signatures
}

// Signer loads the secret keys names (nil: the active keys), asking pass
// for the passphrase at most once and only if a key is encrypted. It
// refuses a wrong passphrase, an expired key (naming the date) and a key
// that cannot sign, before anything is signed.
func (s Store) Signer(names []string, pass Passphrase) (*Signer, error) {
	if len(names) == 0 {
		active, err := s.Active()
		if err != nil {
			return nil, err
		}
		names = active
	}
	if len(names) == 0 {
		return nil, errs.Usage(errors.New("no active signing key: create one with repoctl keys generate --name NAME --email EMAIL"))
	}
	sg := &Signer{names: names, now: s.now}
	for _, name := range names {
		k, err := s.loadSigningKey(name, pass)
		if err != nil {
			return nil, err
		}
		sg.keys = append(sg.keys, k)
	}
	return sg, nil
}

func (s Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s Store) loadSigningKey(name string, pass Passphrase) (signingKey, error) {
	e, err := s.loadSecret(name)
	if err != nil {
		return signingKey{}, err
	}
	ki := info(name, e)
	now := s.now()
	if ki.Expired(now) {
		return signingKey{}, errs.Usage(fmt.Errorf("key %s (%s) expired on %s: rotate to a new key (repoctl keys rotate --name NEW)",
			name, ki.Fingerprint, ki.Expires.Format(time.RFC3339)))
	}
	if !ki.CanSign {
		return signingKey{}, errs.Usage(fmt.Errorf("key %s (%s) has no key allowed to sign data", name, ki.Fingerprint))
	}
	if err := decrypt(name, e, pass); err != nil {
		return signingKey{}, err
	}
	k, ok := e.SigningKey(now)
	if !ok || k.PrivateKey == nil || k.PrivateKey.Dummy() {
		return signingKey{}, errs.Usage(fmt.Errorf("key %s (%s) has no usable signing key (revoked, expired subkey, or secret part missing)", name, ki.Fingerprint))
	}
	return signingKey{entity: e, key: k}, nil
}

// decrypt decrypts e's secret keys in place when they are encrypted.
func decrypt(name string, e *openpgp.Entity, pass Passphrase) error {
	if !encrypted(e) {
		return nil
	}
	if pass == nil {
		return errs.Usage(fmt.Errorf("key %s is encrypted: %w", name, ErrNoPassphrase))
	}
	p, err := pass()
	if err != nil {
		return err
	}
	if err := e.DecryptPrivateKeys(p); err != nil {
		// go-crypto reports a wrong passphrase as a checksum or
		// decryption failure; never echo what was typed.
		return errs.Usage(fmt.Errorf("wrong passphrase for key %s", name))
	}
	return nil
}

func encrypted(e *openpgp.Entity) bool {
	if e.PrivateKey != nil && e.PrivateKey.Encrypted {
		return true
	}
	for _, sk := range e.Subkeys {
		if sk.PrivateKey != nil && sk.PrivateKey.Encrypted {
			return true
		}
	}
	return false
}

func (sg *Signer) config(k signingKey) *packet.Config {
	return &packet.Config{DefaultHash: certHash, Time: sg.now, SigningKeyId: k.key.PublicKey.KeyId}
}

// ClearSign writes in as a clear-signed message (InRelease) with one
// signature per active key.
func (sg *Signer) ClearSign(in io.Reader, out io.Writer) error {
	text, err := io.ReadAll(in)
	if err != nil {
		return fmt.Errorf("clear-sign: %w", err)
	}
	// The newline ending the text belongs to the armor, as in gpg's
	// output: go-crypto would sign it as an extra empty line, and apt
	// would then read a Release with a trailing blank line.
	text = bytes.TrimSuffix(text, []byte("\n"))
	raw, err := sg.clearSign(text)
	if err != nil {
		return fmt.Errorf("clear-sign: %w", err)
	}
	signed, err := withChecksum(raw)
	if err != nil {
		return fmt.Errorf("clear-sign: %w", err)
	}
	_, err = out.Write(signed)
	return err
}

// clearSign is go-crypto's clear-signing by every key.
func (sg *Signer) clearSign(text []byte) ([]byte, error) {
	sg.mu.Lock()
	defer sg.mu.Unlock()
	privs := make([]*packet.PrivateKey, len(sg.keys))
	for i, k := range sg.keys {
		privs[i] = k.key.PrivateKey
	}
	var buf bytes.Buffer
	w, err := clearsign.EncodeMulti(&buf, privs, sg.config(sg.keys[0]))
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(text); err != nil {
		w.Close()
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var sigBegin = []byte("\n-----BEGIN PGP SIGNATURE-----")

// withChecksum re-armors the signature block of a clear-signed message
// with a CRC-24 line and a final newline. go-crypto omits the CRC (as RFC
// 9580 allows), but bookworm's gpgv (GnuPG 2.2) then misreads some blocks
// ("invalid radix64 character", exit 2: reproduced), and apt with it.
func withChecksum(msg []byte) ([]byte, error) {
	i := bytes.LastIndex(msg, sigBegin)
	if i < 0 {
		return nil, errors.New("no signature block in the clear-signed output")
	}
	block, err := armor.Decode(bytes.NewReader(msg[i+1:]))
	if err != nil {
		return nil, err
	}
	sigs, err := io.ReadAll(block.Body)
	if err != nil {
		return nil, err
	}
	out := bytes.NewBuffer(append([]byte(nil), msg[:i+1]...))
	if err := armorSignature(out, sigs); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// armorSignature writes binary signature packets as an armored block with
// a CRC-24 line, ending in a newline as gpg's output does.
func armorSignature(w io.Writer, sigs []byte) error {
	aw, err := armor.Encode(w, "PGP SIGNATURE", nil)
	if err != nil {
		return err
	}
	if _, err := aw.Write(sigs); err != nil {
		return err
	}
	if err := aw.Close(); err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n")
	return err
}

// DetachSign writes an armored detached signature of in (Release.gpg):
// one signature packet per active key in one armor block, as gpg writes
// for several -u options.
func (sg *Signer) DetachSign(in io.Reader, out io.Writer) error {
	var sigs bytes.Buffer
	if err := sg.detachSign(in, &sigs, len(sg.keys)); err != nil {
		return err
	}
	return armorSignature(out, sigs.Bytes())
}

// detachSign writes binary signature packets by the first n keys.
func (sg *Signer) detachSign(in io.Reader, out io.Writer, n int) error {
	sg.mu.Lock()
	defer sg.mu.Unlock()
	data, err := io.ReadAll(in)
	if err != nil {
		return fmt.Errorf("detach-sign: %w", err)
	}
	for _, k := range sg.keys[:n] {
		if err := openpgp.DetachSign(out, k.entity, bytes.NewReader(data), sg.config(k)); err != nil {
			return fmt.Errorf("detach-sign: %w", err)
		}
	}
	return nil
}

// SignFn is nfpm's deb.Signature.SignFn for the debsigs "origin" signature
// (_gpgorigin): an armored detached signature by the first active key over
// debian-binary + control.tar.* + data.tar.*, the format nfpm itself
// writes and debsig-verify accepts.
func (sg *Signer) SignFn() func(io.Reader) ([]byte, error) {
	return func(r io.Reader) ([]byte, error) {
		var sigs, out bytes.Buffer
		if err := sg.detachSign(r, &sigs, 1); err != nil {
			return nil, err
		}
		if err := armorSignature(&out, sigs.Bytes()); err != nil {
			return nil, err
		}
		return out.Bytes(), nil
	}
}

// ClearSignFile and DetachSignFile sign the file src into dst, for
// adapters whose interface is file names (aptly's pgp.Signer).
func (sg *Signer) ClearSignFile(src, dst string) error {
	return signFile(src, dst, sg.ClearSign)
}

// DetachSignFile writes the armored detached signature of src to dst.
func (sg *Signer) DetachSignFile(src, dst string) error {
	return signFile(src, dst, sg.DetachSign)
}

func signFile(src, dst string, sign func(io.Reader, io.Writer) error) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	var out bytes.Buffer
	if err := sign(in, &out); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(src), err)
	}
	return writeFileAtomic(dst, out.Bytes(), 0o644)
}

// Names returns the names of the keys that sign, in order.
func (sg *Signer) Names() []string { return append([]string(nil), sg.names...) }

// Fingerprints returns the primary-key fingerprints of the signing keys.
func (sg *Signer) Fingerprints() []string {
	fps := make([]string, len(sg.keys))
	for i, k := range sg.keys {
		fps[i] = fingerprint(k.entity)
	}
	return fps
}

// KeyIDs returns the 16-hex-digit IDs of the keys that actually sign
// (a signing subkey's ID when the key has one).
func (sg *Signer) KeyIDs() []string {
	ids := make([]string, len(sg.keys))
	for i, k := range sg.keys {
		ids[i] = fmt.Sprintf("%016X", k.key.PublicKey.KeyId)
	}
	return ids
}

// PublicKeyring returns a binary keyring of the active public keys: what
// hosts need in Signed-By to accept every signature.
func (sg *Signer) PublicKeyring() []byte {
	var buf bytes.Buffer
	for _, k := range sg.keys {
		// Serialize writes public packets only; it fails only on a
		// broken writer, and a bytes.Buffer never breaks.
		_ = k.entity.Serialize(&buf)
	}
	return buf.Bytes()
}
