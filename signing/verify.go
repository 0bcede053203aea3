package signing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"

	"github.com/repoctl/repoctl/internal/errs"
)

// VerifyDetached checks a detached signature (armored or binary) of data
// against keyring (armored or binary) and returns the fingerprint of the
// primary key that made it. Failures are errs.Verify.
func VerifyDetached(keyring []byte, data, sig io.Reader) (string, error) {
	el, err := parseKeys(keyring)
	if err != nil {
		return "", errs.Verify(fmt.Errorf("keyring: %w", err))
	}
	return verifyDetached(el, data, sig)
}

func verifyDetached(el openpgp.EntityList, data, sig io.Reader) (string, error) {
	raw, err := io.ReadAll(sig)
	if err != nil {
		return "", err
	}
	bin, _, err := dearmor(raw)
	if err != nil {
		return "", errs.Verify(fmt.Errorf("signature: %w", err))
	}
	_, signer, err := openpgp.VerifyDetachedSignature(el, data, bytes.NewReader(bin), nil)
	if err != nil {
		return "", errs.Verify(describeVerifyError(err))
	}
	return fingerprint(signer), nil
}

func describeVerifyError(err error) error {
	if errors.Is(err, pgperrors.ErrUnknownIssuer) {
		return errors.New("bad signature: made by a key that is not in the keyring")
	}
	return fmt.Errorf("bad signature: %w", err)
}

// VerifyClearSigned checks a clear-signed message (InRelease) against
// keyring and returns the signed text and the signer's fingerprint.
func VerifyClearSigned(keyring []byte, signed []byte) ([]byte, string, error) {
	el, err := parseKeys(keyring)
	if err != nil {
		return nil, "", errs.Verify(fmt.Errorf("keyring: %w", err))
	}
	block, _ := clearsign.Decode(signed)
	if block == nil {
		return nil, "", errs.Verify(errors.New("not a clear-signed message"))
	}
	signer, err := block.VerifySignature(el, nil)
	if err != nil {
		return nil, "", errs.Verify(describeVerifyError(err))
	}
	return block.Plaintext, fingerprint(signer), nil
}

var fprRE = regexp.MustCompile(`^([0-9A-F]{40}|[0-9A-F]{64})$`)

// NormalizeFingerprint upper-cases fp and drops spaces and a 0x prefix;
// it refuses short key IDs, which anyone can forge.
func NormalizeFingerprint(fp string) (string, error) {
	n := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(fp), " ", ""))
	n = strings.TrimPrefix(n, "0X")
	if !fprRE.MatchString(n) {
		return "", errs.Usage(fmt.Errorf("fingerprint %q: want the full 40 (or 64) hex digits, not a key ID", fp))
	}
	return n, nil
}

// VerifySource checks a source's detached signature: keyFile (armored or
// binary) must hold the key whose fingerprint is pinned, and the signature
// must be by that key or one of its subkeys. Other keys in the file count
// for nothing.
func VerifySource(data, signature io.Reader, keyFile, fingerprintPin string) error {
	want, err := NormalizeFingerprint(fingerprintPin)
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(keyFile)
	if err != nil {
		return errs.Usage(fmt.Errorf("key file: %w", err))
	}
	el, err := parseKeys(raw)
	if err != nil {
		return errs.Verify(fmt.Errorf("key file %s: %w", keyFile, err))
	}
	var have []string
	for _, e := range el {
		if fp := fingerprint(e); fp != want {
			have = append(have, fp)
			continue
		}
		if _, err := verifyDetached(openpgp.EntityList{e}, data, signature); err != nil {
			return fmt.Errorf("signature by key %s: %w", want, err)
		}
		return nil
	}
	return errs.Verify(fmt.Errorf("key file %s does not hold the pinned key %s (it holds %s)", keyFile, want, strings.Join(have, ", ")))
}

// ReadKeyring reads a public keyring file (armored or binary) and returns
// it as a binary keyring, as apt's Signed-By and gpgv --keyring want. The
// public part of a secret key file is returned, never its secret.
func ReadKeyring(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, errs.Usage(fmt.Errorf("keyring: %w", err))
	}
	el, err := parseKeys(raw)
	if err != nil {
		return nil, errs.Usage(fmt.Errorf("keyring %s: %w", path, err))
	}
	if !hasSecret(el) {
		bin, _, err := dearmor(raw)
		return bin, err
	}
	var buf bytes.Buffer
	for _, e := range el {
		if err := e.Serialize(&buf); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

func hasSecret(el openpgp.EntityList) bool {
	for _, e := range el {
		if e.PrivateKey != nil {
			return true
		}
	}
	return false
}
