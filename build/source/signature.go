package source

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/errs"
)

// maxSmall bounds a signature or key download: both are a few KiB.
const maxSmall = 1 << 20

// verifySignature checks s's detached signature over the bytes at data with
// the pinned key. The signature (and a key fetched from key-url) enter the
// cache only once they have verified, so a bad one is fetched again next
// time rather than failing forever.
func verifySignature(ctx context.Context, r *recipe.Recipe, s recipe.Source, data string, o Options) error {
	if o.Verify == nil {
		return fmt.Errorf("source %s has a signature, but no signature verifier was given (a bug in the caller)", s.Name)
	}
	fpr := strings.ToUpper(s.SigningKey)
	sha := strings.ToLower(s.SHA256)
	sig, commitSig, err := small(ctx, o, s.Name+" signature", s.Signature, filepath.Join(o.CacheDir, "signatures"), sha+".sig", basename(s.Signature))
	if err != nil {
		return err
	}
	defer commitSig(false)
	key, commitKey, err := keyFile(ctx, r, s, o)
	if err != nil {
		return err
	}
	defer commitKey(false)
	if err := callVerifier(o.Verify, data, sig, key, fpr); err != nil {
		return errs.Verify(fmt.Errorf("source %s: signature %s does not verify with key %s (%s): %w", s.Name, s.Signature, fpr, key, err))
	}
	commitSig(true)
	commitKey(true)
	return nil
}

func callVerifier(v SignatureVerifier, data, sig, key, fpr string) error {
	d, err := os.Open(data)
	if err != nil {
		return err
	}
	defer d.Close()
	sf, err := os.Open(sig)
	if err != nil {
		return err
	}
	defer sf.Close()
	return v(d, sf, key, fpr)
}

// keyFile returns the public key to verify s with: key-file, else the key
// kept next to the recipe (keys/<FINGERPRINT>.asc), else one fetched from
// key-url (cached once it has verified a signature, which proves its
// fingerprint is the pin).
func keyFile(ctx context.Context, r *recipe.Recipe, s recipe.Source, o Options) (string, func(bool), error) {
	none := func(bool) {}
	if s.KeyFile != "" {
		return r.Resolve(s.KeyFile), none, nil
	}
	kept := r.Resolve(recipe.DefaultKeyFile(s.SigningKey))
	if _, err := os.Stat(kept); err == nil {
		return kept, none, nil
	}
	if s.KeyURL == "" {
		return "", none, errs.Usage(fmt.Errorf("source %s: no key-file or key-url, and no key kept at %s", s.Name, kept))
	}
	fpr := strings.ToUpper(s.SigningKey)
	return small(ctx, o, s.Name+" signing key", s.KeyURL, filepath.Join(o.CacheDir, "keys"), fpr+".asc", fpr+".asc")
}

// small returns a cached small file (dir/name), or one found in a mirror
// (as mirrorName), or one downloaded into a temporary file; commit(true)
// moves that into the cache, commit(false) deletes it. commit is idempotent.
func small(ctx context.Context, o Options, label, u, dir, name, mirrorName string) (string, func(bool), error) {
	cached := filepath.Join(dir, name)
	if st, err := os.Stat(cached); err == nil && st.Mode().IsRegular() {
		return cached, func(bool) {}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("source cache: %w", err)
	}
	if p := smallFromMirrors(o, mirrorName); p != "" {
		return p, func(bool) {}, nil
	}
	tmp, _, err := download(ctx, o, label, u, dir, maxSmall)
	if err != nil {
		return "", nil, err
	}
	done := false
	return tmp, func(ok bool) {
		if done {
			return
		}
		done = true
		if !ok || os.Rename(tmp, cached) != nil {
			os.Remove(tmp)
		}
	}, nil
}

// smallFromMirrors finds a signature or key by its basename in a mirror;
// it is verified by the verifier, not by a hash.
func smallFromMirrors(o Options, base string) string {
	for _, m := range o.Mirrors {
		p := filepath.Join(m, base)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Size() <= maxSmall {
			return p
		}
	}
	return ""
}
