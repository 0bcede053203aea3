package compile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCacheKeyInputs(t *testing.T) {
	f := newFixture(t)
	key := func() string {
		t.Helper()
		in, err := computeKey(context.Background(), f.load(t), "bookworm", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return in.key
	}
	base := key()
	if again := key(); again != base {
		t.Fatalf("same inputs, different keys: %s %s", base, again)
	}
	edit := func(p string, fn func(string) string) func() {
		old, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(fn(string(old))), 0o644); err != nil {
			t.Fatal(err)
		}
		return func() { os.WriteFile(p, old, 0o644) }
	}
	cases := []struct {
		name string
		file string
		fn   func(string) string
	}{
		{"patch file", "hello.patch", func(s string) string { return strings.Replace(s, "patched", "PATCHED", 1) }},
		{"recipe", "hello.yaml", func(s string) string { return s + "# a comment is an input too\n" }},
	}
	for _, c := range cases {
		undo := edit(filepath.Join(f.dir, c.file), c.fn)
		if k := key(); k == base {
			t.Errorf("%s changed, key did not", c.name)
		}
		undo()
		if k := key(); k != base {
			t.Errorf("%s restored, key did not come back", c.name)
		}
	}
	// Not inputs: the run log the build writes, the state directory.
	os.WriteFile(f.runLog, []byte("configure\n"), 0o644)
	os.MkdirAll(filepath.Join(f.state, "builds"), 0o755)
	if k := key(); k != base {
		t.Error("key changed though no input did")
	}
	other, _ := computeKey(context.Background(), f.load(t), "trixie", nil, nil)
	if other.key == base {
		t.Error("suite is not part of the key")
	}
	old := compilerVersion
	defer func() { compilerVersion = old }()
	compilerVersion = func(context.Context) (string, error) { return "cc (Debian 99.0) 99.0", nil }
	if k := key(); k == base {
		t.Error("compiler version is not part of the key")
	}
}

func TestExpand(t *testing.T) {
	env := map[string]string{"LDFLAGS": "-Wl,-z,now", "X": "x"}
	cases := []struct{ in, want, err string }{
		{"--with-ld-opt=$LDFLAGS", "--with-ld-opt=-Wl,-z,now", ""},
		{"--a=${X}y", "--a=xy", ""},
		{"--cc-opt=$CPPFLAGS", "--cc-opt=", ""}, // hardening off: empty
		{"--cost=$$5", "--cost=$5", ""},
		{"--b=$TYPO", "", "$TYPO is not set"},
	}
	for _, c := range cases {
		got, err := expand(c.in, env)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("expand(%q): err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("expand(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}
