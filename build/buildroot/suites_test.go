package buildroot

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestSuitesDiffer builds the same program linking libcrypto in a
// bookworm and a trixie root: the roots have different glibc versions,
// and dpkg-shlibdeps, run inside each, names each suite's OpenSSL package
// (libssl3 in bookworm, libssl3t64 in trixie), which a host build could
// not do.
func TestSuitesDiffer(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a trixie root takes minutes to make the first time")
	}
	deps := []string{"gcc", "libc6-dev", "make", "libssl-dev"}
	want := map[string]string{"bookworm": "libssl3 (", "trixie": "libssl3t64 ("}
	glibc := map[string]string{}
	for _, suite := range []string{"bookworm", "trixie"} {
		s := session(t, testRoot(t, suite, deps...))
		glibc[suite] = buildHello(t, s)
		depends := buildSSL(t, s)
		t.Logf("%s: glibc %s, shlibs:Depends %s", suite, glibc[suite], depends)
		if !strings.Contains(depends, want[suite]) || !strings.Contains(depends, "libc6 (>= ") {
			t.Errorf("%s: shlibs:Depends %q, want libc6 and %q", suite, depends, want[suite])
		}
	}
	if glibc["bookworm"] == glibc["trixie"] {
		t.Errorf("bookworm and trixie roots have the same glibc %s: is the trixie root really trixie?", glibc["trixie"])
	}
}

// buildSSL compiles testdata/ssl in s, copies it out and returns what
// Shlibdeps, run in s, says the program depends on.
func buildSSL(t *testing.T, s *Root) string {
	t.Helper()
	if err := s.CopyIn("testdata/ssl", "/build/ssl"); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	if err := s.Run(context.Background(), "/build/ssl", s.Env(), &log, "make", "install", "DESTDIR=/build/ssl-staging"); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	tree := filepath.Join(t.TempDir(), "tree")
	if err := s.CopyOut("/build/ssl-staging", tree); err != nil {
		t.Fatal(err)
	}
	depends, err := s.Shlibdeps(context.Background(), "sslv", tree, []string{"usr/bin/sslv"}, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	return depends
}
