package source

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/errs"
)

const fpr = "25451EB088460026195BD62CB550E09EA0E98066"

// fakeVerifier accepts a signature equal to "sig:"+sha256(data) made with a
// key file whose content is "key:"+fingerprint, and records its calls.
type fakeVerifier struct {
	calls int
	keys  []string
}

func (f *fakeVerifier) verify(data, sig io.Reader, keyFile, fingerprint string) error {
	f.calls++
	f.keys = append(f.keys, keyFile)
	d, _ := io.ReadAll(data)
	s, _ := io.ReadAll(sig)
	k, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	if string(k) != "key:"+fingerprint {
		return errors.New("key fingerprint is not the pinned one")
	}
	if string(s) != "sig:"+sum(d) {
		return errors.New("bad signature")
	}
	return nil
}

func signedServer(t *testing.T, sig string) *server {
	srv := newServer(t)
	srv.files["/pkg.tar.gz"] = tarball
	srv.files["/pkg.tar.gz.asc"] = []byte(sig)
	srv.files["/key"] = []byte("key:" + fpr)
	srv.files["/otherkey"] = []byte("key:" + strings.Repeat("0", 40))
	return srv
}

// TestSignature: a bad signature (or the wrong key) stops before extraction
// and caches neither signature nor key; a good one records the key.
func TestSignature(t *testing.T) {
	good := "sig:" + sum(tarball)
	tests := []struct {
		name, sig, keyURL string
		keptKey           bool // keys/<FPR>.asc next to the recipe
		wantErr           string
	}{
		{"good, kept key", good, "", true, ""},
		{"good, key-url", good, "/key", false, ""},
		{"bad signature", "sig:forged", "", true, "bad signature"},
		{"key-url with another key", good, "/otherkey", false, "key fingerprint is not the pinned one"},
		{"no key at all", good, "", false, "no key-file or key-url, and no key kept at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := signedServer(t, tt.sig)
			s := recipe.Source{Name: "pkg", URL: srv.URL + "/pkg.tar.gz", SHA256: sum(tarball), StripComponents: 1,
				Signature: srv.URL + "/pkg.tar.gz.asc", SigningKey: strings.ToLower(fpr)}
			if tt.keyURL != "" {
				s.KeyURL = srv.URL + tt.keyURL
			}
			r := testRecipe(t, s)
			if tt.keptKey {
				os.MkdirAll(filepath.Join(r.Dir(), "keys"), 0o755)
				os.WriteFile(filepath.Join(r.Dir(), "keys", fpr+".asc"), []byte("key:"+fpr), 0o644)
			}
			v := &fakeVerifier{}
			o := testOptions(t)
			o.Verify = v.verify
			work := t.TempDir()
			p, err := Prepare(context.Background(), r, o, work)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if _, err := os.Stat(filepath.Join(work, "pkg")); err == nil {
					t.Error("extracted despite the failed signature check")
				}
				for _, f := range cacheFiles(t, o) {
					if !strings.Contains(f, "sha256") {
						t.Errorf("unverified %s left in the cache", f)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Sources[0].SigningKey != fpr || v.calls != 1 {
				t.Errorf("signing key %q after %d verifier calls", p.Sources[0].SigningKey, v.calls)
			}
			// A second run needs no network: data, signature and key are cached.
			srv.requests.Store(0)
			if _, err := Prepare(context.Background(), r, o, t.TempDir()); err != nil {
				t.Fatal(err)
			}
			if n := srv.requests.Load(); n != 0 {
				t.Errorf("second run made %d requests, want 0", n)
			}
		})
	}
}

func TestSignatureCodes(t *testing.T) {
	srv := signedServer(t, "sig:forged")
	r := testRecipe(t, recipe.Source{Name: "pkg", URL: srv.URL + "/pkg.tar.gz", SHA256: sum(tarball),
		Signature: srv.URL + "/pkg.tar.gz.asc", SigningKey: fpr, KeyURL: srv.URL + "/key"})
	o := testOptions(t)
	_, err := Fetch(context.Background(), r, r.Sources[0], o)
	if err == nil || !strings.Contains(err.Error(), "no signature verifier") {
		t.Errorf("nil verifier: error %v, want a clear error", err)
	}
	o.Verify = (&fakeVerifier{}).verify
	_, err = Fetch(context.Background(), r, r.Sources[0], o)
	if errs.Code(err) != errs.ExitVerify || !strings.Contains(err.Error(), "source pkg: signature") {
		t.Errorf("forged: error %v (code %d), want a verify error naming the source", err, errs.Code(err))
	}
}

// TestNoSignatureNoVerifier: a source without a signature never calls the
// verifier.
func TestNoSignatureNoVerifier(t *testing.T) {
	srv := newServer(t)
	srv.files["/pkg.tar.gz"] = tarball
	r := testRecipe(t, recipe.Source{Name: "pkg", URL: srv.URL + "/pkg.tar.gz", SHA256: sum(tarball)})
	o := testOptions(t)
	o.Verify = func(io.Reader, io.Reader, string, string) error {
		t.Error("verifier called for a source without a signature")
		return nil
	}
	p, err := Prepare(context.Background(), r, o, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if p.Sources[0].SigningKey != "" {
		t.Errorf("signing key %q recorded without a signature", p.Sources[0].SigningKey)
	}
}
