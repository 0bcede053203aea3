package signing

import (
	"bytes"
	"crypto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/repoctl/repoctl/internal/errs"
)

func wantUsage(t *testing.T, err error, contains ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want a usage error containing %q", contains)
	}
	if errs.Code(err) != errs.ExitUsage {
		t.Errorf("error %q has exit code %d, want %d (usage)", err, errs.Code(err), errs.ExitUsage)
	}
	for _, c := range contains {
		if !strings.Contains(err.Error(), c) {
			t.Errorf("error %q does not contain %q", err, c)
		}
	}
}

func TestWrongPassphrase(t *testing.T) {
	s := newStore(t)
	generate(t, s, GenerateOptions{Name: "enc", Passphrase: []byte("Right-Zebra-42")})
	asked := 0
	_, err := s.Signer([]string{"enc"}, func() ([]byte, error) { asked++; return []byte("Wrong-Okapi-17"), nil })
	wantUsage(t, err, "wrong passphrase for key enc")
	if strings.Contains(err.Error(), "Okapi") || strings.Contains(err.Error(), "Zebra") {
		t.Errorf("error %q shows a passphrase", err)
	}
	if asked != 1 {
		t.Errorf("passphrase asked %d times, want 1", asked)
	}
	sg := signer(t, s, fixed("Right-Zebra-42"), "enc")
	if _, err := sg.SignFn()(strings.NewReader("data")); err != nil {
		t.Fatalf("signing with the right passphrase: %v", err)
	}
}

func TestExpiredKeyRefusesToSign(t *testing.T) {
	s := newStore(t)
	created := time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC)
	generate(t, s, GenerateOptions{Name: "short", Expires: 24 * time.Hour, Now: func() time.Time { return created }})
	k, err := s.Info("short")
	if err != nil {
		t.Fatal(err)
	}
	if want := created.Add(24 * time.Hour); !k.Expires.Equal(want) {
		t.Fatalf("expires %s, want %s", k.Expires, want)
	}
	_, err = s.Signer([]string{"short"}, nil)
	wantUsage(t, err, "key short", "expired on 2023-01-03T03:04:05Z")

	// The same key an hour after its creation still signs, and gpg-style
	// verification at that time accepts it.
	s.Now = func() time.Time { return created.Add(time.Hour) }
	sg := signer(t, s, nil, "short")
	var sig bytes.Buffer
	if err := sg.DetachSign(strings.NewReader("x"), &sig); err != nil {
		t.Fatal(err)
	}
}

// A key whose only key may certify but not sign data must be refused
// before anything is signed.
func TestKeyWithoutSigningCapability(t *testing.T) {
	cfg := &packet.Config{DefaultHash: crypto.SHA512, Algorithm: packet.PubKeyAlgoEdDSA}
	e, err := openpgp.NewEntity("certify only", "", "cert@example.org", cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.Subkeys = nil
	for _, id := range e.Identities {
		id.SelfSignature.FlagSign = false
		if err := id.SelfSignature.SignUserId(id.UserId.Id, e.PrimaryKey, e.PrivateKey, cfg); err != nil {
			t.Fatal(err)
		}
	}
	file := writeSecret(t, e)
	s := newStore(t)
	k, err := s.Import(file, ImportOptions{Name: "cert"})
	if err != nil {
		t.Fatal(err)
	}
	if k.CanSign {
		t.Fatalf("a certify-only key reports CanSign: %+v", k)
	}
	_, err = s.Signer([]string{"cert"}, nil)
	wantUsage(t, err, "key cert", "no key allowed to sign")
}

func writeSecret(t *testing.T, e *openpgp.Entity) string {
	t.Helper()
	var buf bytes.Buffer
	if err := armorSecret(&buf, e); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, filepath.Join(t.TempDir(), "key.asc"), buf.Bytes())
}

func TestCorruptedKeyFiles(t *testing.T) {
	s := newStore(t)
	generate(t, s, GenerateOptions{Name: "good"})
	good := readFile(t, s.secretPath("good"))
	half := good[:len(good)/2]
	// A changed byte in the middle of the armored key body.
	mid := bytes.Index(good, []byte("\n\n")) + 20
	bodyFlip := append([]byte(nil), good...)
	bodyFlip[mid] = map[bool]byte{true: 'B', false: 'A'}[bodyFlip[mid] == 'A']
	cases := map[string][]byte{
		"empty":              {},
		"garbage":            []byte("this is not a key\n"),
		"binary noise":       bytes.Repeat([]byte{0xff, 0x00, 0x99}, 50),
		"truncated armor":    half,
		"changed armor body": bodyFlip,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			os.WriteFile(s.secretPath("bad"), data, 0o600)
			_, err := s.Signer([]string{"bad"}, nil)
			wantUsage(t, err, "key bad")
			path := writeFile(t, filepath.Join(t.TempDir(), "bad.asc"), data)
			_, err = s.Import(path, ImportOptions{Name: "imp"})
			wantUsage(t, err, "import")
			if _, err := VerifyDetached(data, strings.NewReader("x"), strings.NewReader("y")); errs.Code(err) != errs.ExitVerify {
				t.Errorf("VerifyDetached with a corrupted keyring: %v, want a verify error", err)
			}
		})
	}
}

func TestNoPassphraseSourceFailsAtOnce(t *testing.T) {
	pass := PassphraseFrom(nil, "", false, nil)
	readPassword = func() ([]byte, error) { t.Fatal("prompted without a terminal"); return nil, nil }
	t.Cleanup(func() { readPassword = termReadPassword })
	_, err := pass()
	wantUsage(t, err, "REPOCTL_SIGNING_PASSPHRASE", "--passphrase-file")

	s := newStore(t)
	generate(t, s, GenerateOptions{Name: "enc", Passphrase: []byte("p")})
	_, err = s.Signer([]string{"enc"}, pass)
	wantUsage(t, err, "REPOCTL_SIGNING_PASSPHRASE", "--passphrase-file")
	_, err = s.Signer([]string{"enc"}, nil)
	wantUsage(t, err, "key enc is encrypted", "REPOCTL_SIGNING_PASSPHRASE")
}

func TestPassphraseSources(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, filepath.Join(dir, "pass"), []byte("from-file\n"))
	empty := writeFile(t, filepath.Join(dir, "empty"), []byte("\n"))
	env := []string{"HOME=/root", PassphraseEnv + "=from-env"}
	readPassword = func() ([]byte, error) { return []byte("from-tty"), nil }
	t.Cleanup(func() { readPassword = termReadPassword })
	cases := []struct {
		name string
		o    PassphraseOptions
		want string
		err  string
	}{
		{"file wins over env", PassphraseOptions{Env: env, File: file}, "from-file", ""},
		{"env", PassphraseOptions{Env: env, Terminal: true}, "from-env", ""},
		{"terminal", PassphraseOptions{Terminal: true}, "from-tty", ""},
		{"terminal confirmed", PassphraseOptions{Terminal: true, Confirm: true}, "from-tty", ""},
		{"empty file", PassphraseOptions{File: empty}, "", "is empty"},
		{"missing file", PassphraseOptions{File: filepath.Join(dir, "absent")}, "", "passphrase file"},
		{"empty env", PassphraseOptions{Env: []string{PassphraseEnv + "="}}, "", "set but empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var prompt bytes.Buffer
			c.o.Prompt = &prompt
			got, err := c.o.Passphrase()()
			if c.err != "" {
				wantUsage(t, err, c.err)
				return
			}
			if err != nil || string(got) != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
			if strings.Contains(prompt.String(), "from-") {
				t.Errorf("the prompt output shows the passphrase: %q", prompt.String())
			}
		})
	}
	answers := [][]byte{[]byte("one"), []byte("two")}
	readPassword = func() ([]byte, error) { a := answers[0]; answers = answers[1:]; return a, nil }
	_, err := PassphraseOptions{Terminal: true, Confirm: true}.Passphrase()()
	wantUsage(t, err, "differ")
}
