package verify

import (
	"strings"
	"testing"
	"time"
)

func TestParseRelease(t *testing.T) {
	text := `Origin: Debian
Suite: stable
Codename: bookworm
Date: Sat, 7 Jun 2025 08:52:23 UTC
Valid-Until: Sat, 14 Jun 2025 08:52:23 +0000
Acquire-By-Hash: yes
Architectures: amd64 arm64
Components: main contrib
SHA256:
 0f4c5e2d1b4f0c8f3e0d7c1a9a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d 738242 main/binary-amd64/Packages
 1f4c5e2d1b4f0c8f3e0d7c1a9a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d 0 main/binary-amd64/Packages.xz
`
	r, err := parseRelease([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if r.Codename != "bookworm" || !r.AcquireByHash || len(r.Architectures) != 2 || len(r.Components) != 2 {
		t.Fatalf("fields: %+v", r)
	}
	if !r.Date.Equal(time.Date(2025, 6, 7, 8, 52, 23, 0, time.UTC)) || !r.ValidUntil.Equal(time.Date(2025, 6, 14, 8, 52, 23, 0, time.UTC)) {
		t.Fatalf("dates: %v %v", r.Date, r.ValidUntil)
	}
	if len(r.SHA256) != 2 || r.SHA256[0].Size != 738242 || r.SHA256[1].Path != "main/binary-amd64/Packages.xz" {
		t.Fatalf("SHA256: %+v", r.SHA256)
	}
}

func TestParseReleaseErrors(t *testing.T) {
	for name, text := range map[string]string{
		"continuation first": " orphan\n",
		"not a field":        "Origin Debian\n",
		"bad date":           "Date: yesterday\n",
		"short hash":         "SHA256:\n abc 1 main/Packages\n",
		"bad size":           "SHA256:\n " + strings.Repeat("a", 64) + " -1 main/Packages\n",
		"empty":              "\n\n",
	} {
		if _, err := parseRelease([]byte(text)); err == nil {
			t.Errorf("%s: parsed %q", name, text)
		}
	}
}

func TestParagraphs(t *testing.T) {
	var got []paragraph
	err := paragraphs(strings.NewReader("# comment\nA: 1\nB: x\n y\n\n\nA: 2\n"), func(p paragraph) error {
		got = append(got, p)
		return nil
	})
	if err != nil || len(got) != 2 || got[0]["B"] != "x\ny" || got[1]["A"] != "2" {
		t.Fatalf("paragraphs = %v, %v", got, err)
	}
}
