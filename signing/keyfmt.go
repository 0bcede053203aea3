package signing

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// isArmored reports whether data is ASCII-armored rather than binary.
func isArmored(data []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("-----BEGIN PGP"))
}

// dearmor returns the binary packets of data, which may be armored or not.
func dearmor(data []byte) ([]byte, string, error) {
	if !isArmored(data) {
		return data, "", nil
	}
	block, err := armor.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("bad ASCII armor: %w", err)
	}
	body, err := io.ReadAll(block.Body)
	if err != nil {
		return nil, "", fmt.Errorf("bad ASCII armor: %w", err)
	}
	return body, block.Type, nil
}

// parseKeys reads every key in data (armored or binary, public or secret).
func parseKeys(data []byte) (openpgp.EntityList, error) {
	bin, typ, err := dearmor(data)
	if err != nil {
		return nil, err
	}
	if typ != "" && typ != openpgp.PublicKeyType && typ != openpgp.PrivateKeyType {
		return nil, fmt.Errorf("armored block is a %q, not a key", typ)
	}
	el, err := openpgp.ReadKeyRing(bytes.NewReader(bin))
	if err == nil && len(el) == 0 {
		err = errors.New("no key found")
	}
	if err != nil {
		return nil, fmt.Errorf("not a readable OpenPGP key: %w", err)
	}
	return el, nil
}

// parseOne reads data that must hold exactly one key.
func parseOne(data []byte) (*openpgp.Entity, error) {
	el, err := parseKeys(data)
	if err != nil {
		return nil, err
	}
	if len(el) != 1 {
		return nil, fmt.Errorf("holds %d keys, want one", len(el))
	}
	return el[0], nil
}

func armorPublic(w io.Writer, bin []byte) error {
	aw, err := armor.Encode(w, openpgp.PublicKeyType, nil)
	if err != nil {
		return err
	}
	if _, err := aw.Write(bin); err != nil {
		return err
	}
	if err := aw.Close(); err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n") // go-crypto ends the armor without one
	return err
}

// armorSecret writes e's secret key as stored: self-signatures are kept as
// they are (not re-made), encrypted keys stay encrypted.
func armorSecret(w io.Writer, e *openpgp.Entity) error {
	aw, err := armor.Encode(w, openpgp.PrivateKeyType, nil)
	if err != nil {
		return err
	}
	if err := e.SerializePrivateWithoutSigning(aw, nil); err != nil {
		return err
	}
	if err := aw.Close(); err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n")
	return err
}

func fingerprint(e *openpgp.Entity) string {
	return strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
}

// info describes e; name and the secret/active flags are the caller's.
func info(name string, e *openpgp.Entity) KeyInfo {
	fp := fingerprint(e)
	k := KeyInfo{
		Name:        name,
		Fingerprint: fp,
		KeyID:       fp[len(fp)-16:],
		Algorithm:   algoName(e.PrimaryKey),
		Created:     e.PrimaryKey.CreationTime.UTC(),
		CanSign:     canSign(e),
		HasSecret:   e.PrivateKey != nil && !e.PrivateKey.Dummy(),
	}
	if sig, id := e.PrimarySelfSignature(); sig != nil {
		if id != nil {
			k.UserID = id.Name
		}
		if sig.KeyLifetimeSecs != nil && *sig.KeyLifetimeSecs != 0 {
			k.Expires = k.Created.Add(time.Duration(*sig.KeyLifetimeSecs) * time.Second)
		}
	}
	return k
}

func algoName(pk *packet.PublicKey) string {
	bits, _ := pk.BitLength()
	switch pk.PubKeyAlgo {
	case packet.PubKeyAlgoEd25519:
		return "ed25519"
	case packet.PubKeyAlgoEdDSA:
		if c, err := pk.Curve(); err == nil && c == packet.Curve25519 {
			return "ed25519"
		}
		return "eddsa"
	case packet.PubKeyAlgoEd448:
		return "ed448"
	case packet.PubKeyAlgoRSA, packet.PubKeyAlgoRSASignOnly:
		return fmt.Sprintf("rsa%d", bits)
	case packet.PubKeyAlgoECDSA:
		return fmt.Sprintf("ecdsa%d", bits)
	case packet.PubKeyAlgoDSA:
		return fmt.Sprintf("dsa%d", bits)
	}
	return fmt.Sprintf("algorithm-%d", pk.PubKeyAlgo)
}

// canSign reports whether e has a key allowed to make data signatures,
// whatever the date: expiry is reported separately, with its date.
func canSign(e *openpgp.Entity) bool {
	if sig, _ := e.PrimarySelfSignature(); sig != nil &&
		sig.FlagsValid && sig.FlagSign && e.PrimaryKey.PubKeyAlgo.CanSign() {
		return true
	}
	for _, sk := range e.Subkeys {
		if sk.Sig != nil && sk.Sig.FlagsValid && sk.Sig.FlagSign && sk.PublicKey.PubKeyAlgo.CanSign() && len(sk.Revocations) == 0 {
			return true
		}
	}
	return false
}

// ContainsSecretKey reports whether data (armored or binary OpenPGP, or
// anything else) holds secret key material: a guard for what is published
// or written under the public keys directory.
func ContainsSecretKey(data []byte) bool {
	if bytes.Contains(data, []byte("PRIVATE KEY BLOCK")) {
		return true
	}
	bin, _, err := dearmor(data)
	if err != nil {
		return false
	}
	r := packet.NewReader(bytes.NewReader(bin))
	for {
		p, err := r.Next()
		if err != nil { // the end, or packets that are not OpenPGP
			return false
		}
		if _, ok := p.(*packet.PrivateKey); ok {
			return true
		}
	}
}
