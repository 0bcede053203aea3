package deb

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestShlibdepsOnCompiledProgram compiles a program linked with -lz
// -lpcre2-8 and expects dpkg-shlibdeps, through findELF and shlibdeps, to
// name the three libraries' packages with versions.
func TestShlibdepsOnCompiledProgram(t *testing.T) {
	tree := t.TempDir()
	fakeNginx(t, filepath.Join(tree, "usr/sbin/prog"))
	elfs, err := findELF(tree)
	if err != nil {
		t.Fatal(err)
	}
	if len(elfs) != 1 || elfs[0].Rel != "usr/sbin/prog" || elfs[0].BuildID == "" {
		t.Fatalf("findELF = %+v; want usr/sbin/prog with a build-id", elfs)
	}
	if got := strings.Join(elfs[0].Needed, " "); !strings.Contains(got, "libz.so.1") || !strings.Contains(got, "libpcre2-8.so.0") {
		t.Errorf("NEEDED = %s; want libz.so.1 and libpcre2-8.so.0", got)
	}
	groups, err := shlibdeps(context.Background(), "prog", tree, elfs, "")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(mergeDepends(groups, nil), ", ")
	for _, pkg := range []string{"libc6", "libpcre2-8-0", "zlib1g"} {
		re := regexp.MustCompile(`(^|, )` + regexp.QuoteMeta(pkg) + ` \(>= [^)]+\)`)
		if !re.MatchString(got) {
			t.Errorf("Depends %q lacks a versioned %s", got, pkg)
		}
	}
}

func TestFindELFSkipsNonELF(t *testing.T) {
	tree := t.TempDir()
	for p, data := range map[string]string{
		"usr/bin/script":           "#!/bin/sh\necho hi\n",
		"usr/share/x/empty":        "",
		"usr/share/x/fake.so":      "\x7fELF but not really",
		"usr/lib/debug/.build-id/": "",
	} {
		if strings.HasSuffix(p, "/") {
			continue
		}
		if err := writeFile(tree, "/"+p, []byte(data), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	elfs, err := findELF(tree)
	if err != nil || len(elfs) != 0 {
		t.Errorf("findELF = %+v, %v; want none", elfs, err)
	}
}
