package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/publish/verify"
)

const verifyKeyring = "../../testdata/hosts/key.gpg"

// An empty file:// target is read over HTTP in-process and fails with
// exit 3, naming every missing object of the distribution.
func TestVerifyCmdFileTarget(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, "suites: [bookworm]\ntarget: file://"+dir+"\n")
	code, _, errOut := runCLI(t, "--config", cfg, "verify", "--keyring", verifyKeyring)
	if code != 3 {
		t.Fatalf("exit %d, want 3: %s", code, errOut)
	}
	for _, obj := range []string{"dists/bookworm/InRelease", "dists/bookworm/Release", "dists/bookworm/Release.gpg"} {
		if !strings.Contains(errOut, obj+": missing (HTTP 404)") {
			t.Errorf("stderr does not name %s:\n%s", obj, errOut)
		}
	}
}

func TestVerifyCmdJSON(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "dists"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, "")
	code, out, _ := runCLI(t, "--config", cfg, "--json", "verify", "file://"+dir, "--dist", "trixie", "--keyring", verifyKeyring)
	var rep verify.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, out)
	}
	if code != 3 || len(rep.Problems) != 3 || rep.Dists[0] != "trixie" {
		t.Fatalf("exit %d, report %+v: want 3 and the three missing Release files of trixie", code, rep)
	}
}

func TestVerifyCmdUsage(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"s3 without public-url", "suites: [bookworm]\ntarget: s3://b/p\n", "public-url"},
		{"missing keyring", "suites: [bookworm]\npublic-url: http://127.0.0.1:1\n", "keyring"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"--config", writeConfig(t, c.yaml), "verify"}
			if c.name != "missing keyring" {
				args = append(args, "--keyring", verifyKeyring)
			}
			code, _, errOut := runCLI(t, args...)
			if code != 2 || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, stderr %q: want 2 mentioning %q", code, errOut, c.want)
			}
		})
	}
}
