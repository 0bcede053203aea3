package repo

import (
	"bytes"
	"testing"
)

// FuzzControl feeds arbitrary bytes to the control parsing and checking
// path Add uses: it must never panic, and what it accepts must be sane.
func FuzzControl(f *testing.F) {
	f.Add([]byte("Package: hello\nVersion: 1.0-1\nArchitecture: amd64\nMaintainer: a <a@b>\nDescription: x\n"))
	f.Add([]byte("Package: hello\nVersion: 1:2.0+dfsg-1~bookworm1\nArchitecture: all\nMaintainer: a\nDescription: x\n long\n .\n"))
	f.Add([]byte("Package:\n"))
	f.Add([]byte("no colon\n"))
	f.Add([]byte("Version: 1.0\n\nPackage: x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseControl(bytes.NewReader(b))
		if err != nil {
			return
		}
		if !validName.MatchString(st["Package"]) || checkVersion(st["Version"]) != nil {
			t.Fatalf("accepted bad control %q", b)
		}
		name := canonicalFilename(st["Package"], st["Version"], st["Architecture"])
		if !validSnapshot.MatchString(sanitizeName(name)) {
			t.Fatalf("unsafe name from %q", b)
		}
	})
}
