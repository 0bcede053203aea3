package verify

import (
	"bytes"
	"context"
	"time"

	"github.com/repoctl/repoctl/signing"
)

// release checks InRelease (clear-signed) and Release with Release.gpg
// (detached), and that both carry the same text. It returns the Release
// text to check the indexes against and the object it came from: the
// verified InRelease text, else Release (verified or not: its problem is
// reported, and one run still reports the indexes' problems too).
func (v *verifier) release(ctx context.Context, prefix string) ([]byte, string) {
	inRelease := v.inRelease(ctx, prefix)
	rel, relErr := v.f.get(ctx, prefix+"Release")
	if relErr != nil {
		v.problem(prefix+"Release", "%v", relErr)
	}
	sig, sigErr := v.f.get(ctx, prefix+"Release.gpg")
	if sigErr != nil {
		v.problem(prefix+"Release.gpg", "%v", sigErr)
	}
	if relErr == nil && sigErr == nil {
		fpr, err := signing.VerifyDetached(v.keyring, bytes.NewReader(rel), bytes.NewReader(sig))
		if err != nil {
			v.problem(prefix+"Release.gpg", "does not verify Release: %v", err)
		} else {
			v.signer(fpr)
		}
	}
	if inRelease != nil && rel != nil && !sameText(inRelease, rel) {
		v.problem(prefix+"Release", "differs from the text signed in InRelease")
	}
	switch {
	case inRelease != nil:
		return inRelease, "InRelease"
	case rel != nil:
		return rel, "Release"
	}
	return nil, ""
}

// inRelease returns InRelease's signed text, or nil after a problem.
func (v *verifier) inRelease(ctx context.Context, prefix string) []byte {
	signed, err := v.f.get(ctx, prefix+"InRelease")
	if err != nil {
		v.problem(prefix+"InRelease", "%v", err)
		return nil
	}
	text, fpr, err := signing.VerifyClearSigned(v.keyring, signed)
	if err != nil {
		v.problem(prefix+"InRelease", "%v", err)
		return nil
	}
	v.signer(fpr)
	return text
}

// sameText compares InRelease's signed text with Release: a clear
// signature does not sign the final line break, so that one is ignored.
func sameText(signed, release []byte) bool {
	return bytes.Equal(bytes.TrimRight(signed, "\r\n"), bytes.TrimRight(release, "\r\n"))
}

// releaseFields checks what apt checks in a Release before it trusts it,
// and warns about what apt accepts but a good repository avoids.
func (v *verifier) releaseFields(object, dist string, rel *release) {
	now := v.opts.Now()
	r := v
	if len(rel.SHA256) == 0 {
		r.problem(object, "no SHA256 list: apt refuses a Release without a strong hash")
	}
	if len(rel.Architectures) == 0 || len(rel.Components) == 0 {
		r.problem(object, "Architectures and Components must both be set")
	}
	if !rel.ValidUntil.IsZero() && rel.ValidUntil.Before(now) {
		r.problem(object, "expired: Valid-Until %s is past; apt refuses it", rel.ValidUntil.UTC().Format(time.RFC1123))
	}
	if rel.Suite != dist && rel.Codename != dist {
		r.warn(object, "neither Suite %q nor Codename %q is %q: apt warns of a conflicting distribution", rel.Suite, rel.Codename, dist)
	}
	if !rel.AcquireByHash {
		r.warn(object, "no Acquire-By-Hash: yes: a client updating during a publish may see a mix of old and new indexes")
	}
	if rel.Date.IsZero() {
		r.warn(object, "no Date: apt cannot tell an old Release from a new one")
	}
	if rel.Date.After(now.Add(time.Minute)) {
		r.warn(object, "Date %s is in the future (clock skew?): apt refuses it until then", rel.Date.UTC().Format(time.RFC1123))
	}
}
