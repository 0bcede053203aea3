package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const hostsKey = "../../testdata/hosts/key.asc"

// writeConfig writes a repoctl.yaml into a temp dir and returns its path.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "repoctl.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHostsCmd(t *testing.T) {
	cfg := writeConfig(t, "public-url: https://apt.example.com/repo\nsuites: [bookworm, trixie]\ntarget: s3://fleet-apt/stable\nregion: eu-west-1\n")
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"sources", []string{"sources", "--suite", "trixie"}, 0, []string{"URIs: https://apt.example.com/repo\n", "Suites: trixie\n", "Signed-By: /etc/apt/keyrings/repoctl.asc\n", "Architectures: amd64\n"}},
		{"sources without suite", []string{"sources"}, 2, []string{"--suite"}},
		{"shell detects suite", []string{"shell"}, 0, []string{"SUITE=''", "SUITES='bookworm trixie'", "PACKAGE='openresty-realtime'"}},
		{"shell pinned", []string{"shell", "--package", "nginx-realtime", "--version", "1.0-1~bookworm1"}, 0, []string{"VERSION='1.0-1~bookworm1'", "PACKAGE='nginx-realtime'"}},
		{"unpublished suite", []string{"shell", "--suite", "buster"}, 2, []string{"not one of the published suites"}},
		{"cloud-init", []string{"cloud-init", "--name", "fleet"}, 0, []string{"#cloud-config\n", "    fleet:\n", "$RELEASE main"}},
		{"s3 from target", []string{"s3"}, 0, []string{"URL='s3://fleet-apt/stable'", "REGION='eu-west-1'"}},
		{"s3 needs s3 url", []string{"s3", "--url", "https://x/y"}, 2, []string{"want s3://"}},
		{"keyring", []string{"keyring"}, 0, []string{"-----BEGIN PGP PUBLIC KEY BLOCK-----"}},
		{"unknown form", []string{"yaml"}, 2, []string{"unknown form"}},
		{"missing key", []string{"shell", "--key", "/nonexistent.asc"}, 2, []string{"keys export"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"--config", cfg, "hosts"}, c.args...)
			if !strings.Contains(strings.Join(c.args, " "), "--key") {
				args = append(args, "--key", hostsKey)
			}
			code, out, errOut := runCLI(t, args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout %s\nstderr %s", code, c.code, out, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(out+errOut, w) {
					t.Errorf("output lacks %q:\n%s%s", w, out, errOut)
				}
			}
		})
	}
}

func TestHostsCmdNeedsURL(t *testing.T) {
	cfg := writeConfig(t, "suites: [bookworm]\n")
	code, _, errOut := runCLI(t, "--config", cfg, "hosts", "shell", "--key", hostsKey)
	if code != 2 || !strings.Contains(errOut, "public-url") {
		t.Fatalf("exit %d, stderr %q: want 2 and a hint about public-url", code, errOut)
	}
}

func TestHostsCmdDearmor(t *testing.T) {
	cfg := writeConfig(t, "")
	code, out, errOut := runCLI(t, "--config", cfg, "hosts", "keyring", "--dearmor", "--key", hostsKey)
	want, err := os.ReadFile("../../testdata/hosts/key.gpg")
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || out != string(want) {
		t.Fatalf("exit %d (%s): binary keyring differs from gpg's", code, errOut)
	}
}
