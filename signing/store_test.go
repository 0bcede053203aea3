package signing

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/repoctl/repoctl/internal/errs"
)

func TestParseLifetime(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"2y", 730 * day, false},
		{"18mo", 540 * day, false},
		{"90d", 90 * day, false},
		{"6w", 42 * day, false},
		{"36h", 36 * time.Hour, false},
		{"never", 0, false},
		{"0", 0, false},
		{" 2Y ", 730 * day, false},
		{"18m", 0, true}, // minutes to Go, months to a person: refused
		{"2h", 0, true},
		{"-1d", 0, true},
		{"y", 0, true},
		{"1.5y", 0, true},
		{"200y", 0, true}, // beyond an OpenPGP lifetime
		{"soon", 0, true},
		{"", 0, true},
	}
	for _, c := range cases {
		got, err := ParseLifetime(c.in)
		if c.err {
			if errs.Code(err) != errs.ExitUsage {
				t.Errorf("ParseLifetime(%q) = %v, %v; want a usage error", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseLifetime(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestGenerateValidation(t *testing.T) {
	s := newStore(t)
	generate(t, s, GenerateOptions{Name: "taken"})
	cases := map[string]GenerateOptions{
		"path in name":    {Name: "../evil"},
		"slash in name":   {Name: "a/b"},
		"empty name":      {Name: ""},
		"taken":           {Name: "taken"},
		"unknown algo":    {Name: "x", Algo: "dsa1024"},
		"negative life":   {Name: "x", Expires: -time.Hour},
		"empty pass":      {Name: "x", Passphrase: []byte{}},
		"bad user id":     {Name: "x", Email: "a<b>@example.org"},
		"absurd lifetime": {Name: "x", Expires: 200 * 365 * 24 * time.Hour},
	}
	for name, o := range cases {
		if _, err := s.Generate(o); errs.Code(err) != errs.ExitUsage {
			t.Errorf("%s: %v; want a usage error", name, err)
		}
	}
}

func TestListExportAndActive(t *testing.T) {
	s := newStore(t)
	if created, err := s.EnsureDevKey("repoctl-dev"); err != nil || !created {
		t.Fatalf("EnsureDevKey: %v, %v; want a new key", created, err)
	}
	if created, err := s.EnsureDevKey("repoctl-dev"); err != nil || created {
		t.Fatalf("EnsureDevKey again: %v, %v; want the existing key", created, err)
	}
	generate(t, s, GenerateOptions{Name: "spare", Expires: 90 * 24 * time.Hour})
	keys, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].Name != "repoctl-dev" || keys[1].Name != "spare" {
		t.Fatalf("List: %+v", keys)
	}
	dev, spare := keys[0], keys[1]
	if !dev.Active || !dev.HasSecret || !dev.CanSign || !dev.Expires.IsZero() || dev.Algorithm != "ed25519" || len(dev.Fingerprint) != 40 {
		t.Errorf("dev key: %+v", dev)
	}
	if spare.Active || spare.Expires.Sub(spare.Created) != 90*24*time.Hour {
		t.Errorf("spare key: %+v", spare)
	}
	if _, err := json.Marshal(keys); err != nil {
		t.Fatal(err)
	}
	if sg := signer(t, s, nil); strings.Join(sg.Fingerprints(), ",") != dev.Fingerprint {
		t.Errorf("active signer fingerprints %v, want the dev key's %s", sg.Fingerprints(), dev.Fingerprint)
	}
	var pub, sec bytes.Buffer
	if err := s.Export("spare", false, &pub); err != nil || !strings.HasPrefix(pub.String(), "-----BEGIN PGP PUBLIC KEY BLOCK-----") {
		t.Fatalf("export public: %v %q", err, pub.String())
	}
	if err := s.Export("spare", true, &sec); err != nil || !strings.HasPrefix(sec.String(), "-----BEGIN PGP PRIVATE KEY BLOCK-----") {
		t.Fatalf("export secret: %v", err)
	}
	if err := s.Export("absent", false, &pub); errs.Code(err) != errs.ExitUsage {
		t.Errorf("export of a missing key: %v", err)
	}
	if err := s.Retire("spare"); errs.Code(err) != errs.ExitUsage {
		t.Errorf("retiring an inactive key: %v", err)
	}
	if _, err := s.Signer([]string{"absent"}, nil); errs.Code(err) != errs.ExitUsage {
		t.Errorf("signer for a missing key: %v", err)
	}
	fresh := newStore(t)
	if names, err := fresh.SigningNames("repoctl-dev"); err != nil || len(names) != 1 || names[0] != "repoctl-dev" {
		t.Errorf("SigningNames with nothing active: %v, %v; want the configured key", names, err)
	}
	if _, err := fresh.SigningNames(""); errs.Code(err) != errs.ExitUsage {
		t.Errorf("SigningNames with nothing configured: %v", err)
	}
	if _, err := newStore(t).Signer(nil, nil); errs.Code(err) != errs.ExitUsage || !strings.Contains(err.Error(), "keys generate") {
		t.Errorf("signer with no active key: %v", err)
	}
}
