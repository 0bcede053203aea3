package debarchive

import (
	"os"
	"path/filepath"
	"testing"
)

func writeSources(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "sources.list.d"), 0o755)
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestDeb822AndOneLine(t *testing.T) {
	root := writeSources(t, map[string]string{
		"sources.list.d/debian.sources": "Types: deb\n# a comment\nURIs: http://mirror.example/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n\n" +
			"Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\nComponents: main\n\n" +
			"Types: deb\nURIs: http://disabled.example/\nSuites: sid\nEnabled: no\n",
		"sources.list": "# old style\ndeb [signed-by=/k.gpg arch=amd64] http://old.example/debian trixie main\n",
	})
	entries, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("want 3 entries (disabled one skipped), got %+v", entries)
	}
	main, err := PoolURL(entries, Main, "pool/main/n/nginx/nginx_1.22.1.orig.tar.gz")
	if err != nil || main != "http://old.example/debian/pool/main/n/nginx/nginx_1.22.1.orig.tar.gz" {
		t.Errorf("main PoolURL = %q, %v", main, err)
	}
	sec, err := PoolURL(entries, Security, "pool/updates/main/n/nginx/x.tar.xz")
	if err != nil || sec != "http://mirror.example/debian-security/pool/updates/main/n/nginx/x.tar.xz" {
		t.Errorf("security PoolURL = %q, %v", sec, err)
	}
	if s := HostSuite(entries); s != "trixie" {
		t.Errorf("HostSuite = %q, want trixie (first main entry)", s)
	}
}

func TestBadInput(t *testing.T) {
	entries := []Entry{{URI: "http://m.example/debian", Suites: []string{"bookworm"}}}
	for _, p := range []string{"../etc/passwd", "pool/../../x", "/pool/x", "dists/x"} {
		if _, err := PoolURL(entries, Main, p); err == nil {
			t.Errorf("PoolURL(%q) accepted a bad path", p)
		}
	}
	if _, err := PoolURL(entries, Security, "pool/x"); err == nil {
		t.Error("security archive resolved with no security source")
	}
	if _, err := PoolURL(entries, "backports", "pool/x"); err == nil {
		t.Error("unknown archive accepted")
	}
	if _, err := Load(t.TempDir()); err == nil {
		t.Error("Load of an empty apt root must fail")
	}
}
