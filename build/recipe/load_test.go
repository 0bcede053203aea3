package recipe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/internal/errs"
)

const fixtures = "../../testdata/recipes"

func TestLoadGood(t *testing.T) {
	r, err := Load(filepath.Join(fixtures, "good.yaml"))
	if err != nil {
		t.Fatalf("good.yaml: %v", err)
	}
	if r.Name != "demo" || r.Revision != 2 || len(r.Sources) != 4 || r.Package.Prefix != "/usr/local/demo" {
		t.Errorf("decoded %+v", r)
	}
	if got := r.Sources[2].Subdir; got != "debian/modules/http-cache-purge" {
		t.Errorf("sources[2].subdir = %q", got)
	}
	if p := r.Sources[2].Patches[0].Strip; p == nil || *p != 1 {
		t.Errorf("strip not decoded: %v", p)
	}
}

// TestLoadBad checks that every problem of a bad recipe is reported, each
// with its file, line and field.
func TestLoadBad(t *testing.T) {
	tests := []struct {
		file string
		want []string // each a whole line of the error, after "<file>:"
	}{
		{"bad-unknown-field.yaml", []string{
			`7: sources[0].sha265: unknown field (did you mean "sha256"?)`,
			`13: package.colour: unknown field`,
			`5: sources[0].sha256: missing (required for url sources)`,
		}},
		{"bad-sources.yaml", []string{
			`5: sources[0].sha256: missing (required for url sources)`,
			`8: sources[1].url: "ftp://example.org/b.tar.gz": scheme must be https or http`,
			`11: sources[2].url: URL must not contain credentials (user:password@)`,
			`12: sources[2].sha256: "9ebb333a": want 64 hex digits`,
			`13: sources[3].name: duplicate source name "a" (also sources[0], line 5)`,
			`15: sources[3].archive: "backports": want main or security`,
			`17: sources[4].name: "../etc": want [a-z0-9][a-z0-9._-]* (it becomes a directory name)`,
			`18: sources[4].path: missing-dir: no such file or directory`,
			`19: sources[5]: set exactly one of url, debian, path (2 set)`,
			`27: sources[6].signing-key: "A0E98066": want the key's full fingerprint, 40 hex digits`,
			`28: sources[7].sha256: missing (required for path sources)`,
		}},
		{"bad-refs.yaml", []string{
			`7: sources[0].subdir: "../up": must be a relative path inside the source (no leading / or ..)`,
			`9: sources[0].patches[0].file: patches/nope.patch: no such file or directory`,
			`10: sources[0].patches[1].from: no source named "ghost"`,
			`11: sources[0].patches[2].series: "../../series": must be a relative path inside the source (no leading / or ..)`,
			`12: sources[0].patches[3]: set exactly one of file, from, series (2 set)`,
			`15: build.directory: no source named "nowhere"`,
			`17: build.modules[0].source: no source named "ghost"`,
			`18: build.modules[1].source: missing`,
			`20: build.install[0].copy: no source named "ghost"`,
			`21: build.install[0].to: "relative/path": must be an absolute path`,
			`22: build.install[1].mkdir: "/var/lib/../x": not a clean path (want "/var/x")`,
		}},
		{"bad-package.yaml", []string{
			`1: name: "Demo": want lower-case letters, digits, '.', '_', '-'`,
			`2: version: "1.2+3": no '+' allowed (S3 front ends read it as a space); use '.' or '~'`,
			`3: revision: 0: must be >= 1`,
			`8: package.name: "Demo_Pkg": not a Debian package name`,
			`7: package.maintainer: missing`,
			`7: package.description: missing`,
			`9: package.prefix: "usr/local/demo": must be an absolute path`,
			`10: package.conf-dir: "etc/demo": must be an absolute path`,
			`14: package.files[0].mode: "rw-r--r--": want an octal mode such as "0644"`,
		}},
		{"bad-syntax.yaml", []string{`3: did not find expected '-' indicator`}},
		{"bad-type.yaml", []string{"3: revision: cannot unmarshal !!str `one` into int"}},
		{"bad-empty.yaml", []string{` empty recipe`}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(fixtures, tt.file)
			_, err := Load(path)
			if err == nil {
				t.Fatal("loaded without error")
			}
			if errs.Code(err) != errs.ExitUsage {
				t.Errorf("exit code %d, want %d (usage)", errs.Code(err), errs.ExitUsage)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Errorf("%d problems, want %d:\n%v", len(lines), len(tt.want), err)
			}
			for _, w := range tt.want {
				if !containsPrefix(lines, path+":"+w) {
					t.Errorf("missing problem %q in:\n%v", path+":"+w, err)
				}
			}
			if n := len(Problems(err)); n != len(tt.want) {
				t.Errorf("Problems() found %d, want %d", n, len(tt.want))
			}
		})
	}
}

func containsPrefix(lines []string, want string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, want) {
			return true
		}
	}
	return false
}

// TestValidateInline covers single rules on a known-good recipe changed in
// one place.
func TestValidateInline(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Recipe)
		want   string // "" = valid
	}{
		{"good", func(*Recipe) {}, ""},
		{"version with epoch", func(r *Recipe) { r.Version = "1:1.0" }, `version: "1:1.0": not a Debian upstream version`},
		{"version empty", func(r *Recipe) { r.Version = "" }, "version: missing"},
		{"no sources", func(r *Recipe) { r.Sources = nil }, "sources: missing"},
		{"debian path traversal", func(r *Recipe) { r.Sources[1].Debian = "pool/../../etc/passwd" }, `sources[1].debian: "pool/../../etc/passwd": want a clean pool path`},
		{"signature on debian source", func(r *Recipe) {
			r.Sources[1].Signature = "https://example.org/x.asc"
			r.Sources[1].SigningKey = "13C82A63B603576156E30A4EA0EA981B66B0D967"
		}, "sources[1].signature: only url sources can have a signature"},
		{"signing-key alone", func(r *Recipe) { r.Sources[1].SigningKey = "ab" }, "sources[1].signing-key: only used with signature"},
		{"key-file and key-url", func(r *Recipe) { r.Sources[0].KeyURL = "https://k.example.org/k"; r.Sources[0].KeyFile = "keys/x" }, "sources[0].key-url: set key-file or key-url, not both"},
		{"missing default key", func(r *Recipe) { r.Sources[0].SigningKey = strings.Repeat("AB", 20) }, "sources[0].signing-key: no key-file or key-url, and the default key file keys/ABAB"},
		{"key-url instead of kept key", func(r *Recipe) {
			r.Sources[0].SigningKey = strings.Repeat("AB", 20)
			r.Sources[0].KeyURL = "https://keys.example.org/lookup?op=get&search=0xABAB"
		}, ""},
		{"key-url credentials", func(r *Recipe) { r.Sources[0].KeyURL = "https://u:p@k.example.org/k" }, "sources[0].key-url: URL must not contain credentials"},
		{"sha256 on a directory", func(r *Recipe) { r.Sources[3].SHA256 = strings.Repeat("a", 64) }, "sources[3].sha256: not used for a directory"},
		{"negative strip", func(r *Recipe) { r.Sources[0].StripComponents = -1 }, "sources[0].strip-components: -1: must not be negative"},
		{"bad suite", func(r *Recipe) { r.Suites["Bad Suite"] = SuiteOverride{} }, `suites.Bad Suite: invalid suite name`},
		{"install both", func(r *Recipe) { r.Build.Install[1].Copy = "local:x" }, "build.install[1]: set copy (with to) or mkdir, not both"},
		{"url without host", func(r *Recipe) { r.Sources[0].URL = "https:///x.tar.gz" }, `sources[0].url: "https:///x.tar.gz": no host`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Load(filepath.Join(fixtures, "good.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			tt.change(r)
			err = r.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || errs.Code(err) != errs.ExitUsage || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("error %v (code %d), want a usage error naming the file", err, errs.Code(err))
	}
}

func TestLoadTooBig(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(p, []byte("name: "+strings.Repeat("a", maxRecipeSize)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("error %v, want a size error", err)
	}
}
