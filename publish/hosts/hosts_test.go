package hosts

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/hosts/*.golden")

const testdata = "../../testdata/hosts"

func testKey(t *testing.T) []byte {
	t.Helper()
	key, err := os.ReadFile(filepath.Join(testdata, "key.asc"))
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// cases are the option sets every renderer is checked with: a pinned
// suite with an architecture, and suite detection with a pinned version.
func cases(t *testing.T) map[string]Options {
	key := testKey(t)
	return map[string]Options{
		"fixed": {
			Name: "repoctl", URL: "https://apt.example.com/repo/", Suite: "bookworm",
			Suites: []string{"bookworm", "trixie"}, Component: "main",
			Architectures: []string{"amd64"}, Package: "openresty-realtime", Armored: key,
		},
		"detect": {
			Name: "repoctl", URL: "http://127.0.0.1:8080", Suites: []string{"bookworm", "trixie"},
			Component: "main", Package: "openresty-realtime", Version: "1.27.1.2-1~bookworm1", Armored: key,
		},
		"s3": {
			Name: "repoctl", URL: "s3://fleet-apt/stable", Suite: "trixie", Component: "main",
			Package: "openresty-realtime", Armored: key, Region: "eu-west-1",
		},
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(testdata, name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (run go test -update if intended):\n%s", name, path, got)
	}
}

func TestGolden(t *testing.T) {
	renderers := map[string]func(Options) string{
		"sources": Sources, "cloud-init": CloudInit, "shell": Shell, "s3": S3Private,
	}
	for cname, o := range cases(t) {
		if err := o.Validate(); err != nil {
			t.Fatalf("%s: %v", cname, err)
		}
		for rname, render := range renderers {
			// Sources needs a suite: it is static text, detection is the scripts' job.
			if (cname == "s3") != (rname == "s3") || (cname == "detect" && rname == "sources") {
				continue
			}
			checkGolden(t, rname+"-"+cname, []byte(render(o)))
		}
	}
}

func TestValidate(t *testing.T) {
	good := cases(t)["fixed"]
	bad := map[string]func(*Options){
		"name with slash":        func(o *Options) { o.Name = "../x" },
		"url with quote":         func(o *Options) { o.URL = "https://x/'$(reboot)'" },
		"ftp url":                func(o *Options) { o.URL = "ftp://x/" },
		"unpublished suite":      func(o *Options) { o.Suite = "buster" },
		"package with space":     func(o *Options) { o.Package = "a b" },
		"version with semicolon": func(o *Options) { o.Version = "1;reboot" },
		"no key":                 func(o *Options) { o.Armored = nil },
		"bucket with dots":       func(o *Options) { o.URL = "s3://apt.example.com/x" },
		"empty component":        func(o *Options) { o.Component = "" },
		"url with credentials":   func(o *Options) { o.URL = "https://user:secret@apt.example.com/x" },
	}
	for name, mutate := range bad {
		o := good
		mutate(&o)
		err := o.Validate()
		if err == nil {
			t.Errorf("%s: Validate accepted %+v", name, o)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the error prints the password: %v", name, err)
		}
	}
}

func TestKeyring(t *testing.T) {
	got, err := Keyring(testKey(t))
	if err != nil {
		t.Fatal(err)
	}
	// key.gpg was made by `gpg --export` of the key in key.asc.
	want, err := os.ReadFile(filepath.Join(testdata, "key.gpg"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Keyring differs from gpg --dearmor (%d vs %d bytes)", len(got), len(want))
	}
}

func TestKeyringDamaged(t *testing.T) {
	lines := strings.Split(string(testKey(t)), "\n")
	// Flip one character of the base64 body (line 3): the CRC must catch it.
	b := []byte(lines[2])
	if b[10] == 'A' {
		b[10] = 'B'
	} else {
		b[10] = 'A'
	}
	lines[2] = string(b)
	if _, err := Keyring([]byte(strings.Join(lines, "\n"))); err == nil {
		t.Fatal("Keyring accepted a damaged key")
	}
	if _, err := Keyring([]byte("not a key")); err == nil {
		t.Fatal("Keyring accepted text without a key block")
	}
}
