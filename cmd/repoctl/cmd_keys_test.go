package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/signing"
)

// keysCLI runs "repoctl [--json] keys SUB --keys-dir DIR/keys ARGS..." with
// its own state directory; a leading "--json" in args is a global flag.
func keysCLI(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	cmd := []string{"--state", filepath.Join(dir, "state")}
	if args[0] == "--json" {
		cmd, args = append(cmd, "--json"), args[1:]
	}
	cmd = append(cmd, "keys", args[0], "--keys-dir", filepath.Join(dir, "keys"))
	return runCLI(t, append(cmd, args[1:]...)...)
}

func TestKeysGenerateKeepsSecretsOutOfPublicDirAndOutput(t *testing.T) {
	dir := t.TempDir()
	const pass = "Passphrase-Never-Shown-5150"
	passFile := filepath.Join(dir, "pass")
	os.WriteFile(passFile, []byte(pass+"\n"), 0o600)
	code, out, errOut := keysCLI(t, dir, "generate", "--name", "prod", "--email", "ops@example.org",
		"--expires", "18mo", "--passphrase-file", passFile)
	if code != 0 {
		t.Fatalf("keys generate: exit %d\n%s%s", code, out, errOut)
	}
	t.Setenv(signing.PassphraseEnv, pass)
	code2, out2, errOut2 := keysCLI(t, dir, "rotate", "--name", "next", "--email", "ops@example.org")
	if code2 != 0 {
		t.Fatalf("keys rotate: exit %d\n%s%s", code2, out2, errOut2)
	}
	if all := out + errOut + out2 + errOut2; strings.Contains(all, pass) {
		t.Fatalf("the passphrase appears in the output:\n%s", all)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "keys"))
	if err != nil || len(entries) != 4 {
		t.Fatalf("keys dir: %v, %v; want prod and next .asc and .gpg", entries, err)
	}
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(dir, "keys", e.Name()))
		if signing.ContainsSecretKey(data) || strings.Contains(string(data), pass) {
			t.Errorf("keys/%s holds secret material", e.Name())
		}
	}
	for _, name := range []string{"prod", "next"} {
		st, err := os.Stat(filepath.Join(dir, "state", "keys", name+".sec.asc"))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("secret key %s has mode %o, want 600", name, st.Mode().Perm())
		}
	}
}

func TestKeysNonInteractiveWithoutPassphraseFails(t *testing.T) {
	t.Setenv(signing.PassphraseEnv, "")
	os.Unsetenv(signing.PassphraseEnv)
	// A CI run has no terminal; make sure of it when a person runs the test.
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	stdin := os.Stdin
	os.Stdin = null
	t.Cleanup(func() { os.Stdin = stdin; null.Close() })
	dir := t.TempDir()
	code, _, errOut := keysCLI(t, dir, "generate", "--name", "k", "--email", "k@example.org")
	if code != 2 || !strings.Contains(errOut, "REPOCTL_SIGNING_PASSPHRASE") || !strings.Contains(errOut, "--passphrase-file") ||
		!strings.Contains(errOut, "--no-passphrase") {
		t.Fatalf("exit %d, stderr %q; want exit 2 naming REPOCTL_SIGNING_PASSPHRASE, --passphrase-file and --no-passphrase", code, errOut)
	}
}

func TestKeysCommands(t *testing.T) {
	dir := t.TempDir()
	bad := [][]string{
		{"generate", "--name", "k"}, // no --email
		{"generate", "--name", "k", "--email", "k@example.org", "--no-passphrase", "--expires", "18m"},
		{"generate", "--name", "k", "--email", "k@example.org", "--no-passphrase", "--algo", "dsa"},
		{"generate", "--name", "../k", "--email", "k@example.org", "--no-passphrase"},
		{"export", "absent"},
		{"import", filepath.Join(dir, "absent.asc")},
	}
	for _, args := range bad {
		if code, _, errOut := keysCLI(t, dir, args...); code != 2 {
			t.Errorf("keys %v: exit %d (%s), want 2", args, code, errOut)
		}
	}
	mustRun := func(args ...string) string {
		t.Helper()
		code, out, errOut := keysCLI(t, dir, args...)
		if code != 0 {
			t.Fatalf("keys %v: exit %d\n%s%s", args, code, out, errOut)
		}
		return out
	}
	mustRun("generate", "--name", "old", "--email", "o@example.org", "--no-passphrase")
	mustRun("rotate", "--name", "new", "--email", "n@example.org", "--no-passphrase", "--expires", "90d")
	if table := mustRun("list"); !strings.Contains(table, "FINGERPRINT") || strings.Count(table, "ed25519") != 2 {
		t.Errorf("keys list:\n%s", table)
	}
	var keys []signing.KeyInfo
	if err := json.Unmarshal([]byte(mustRun("--json", "list")), &keys); err != nil || len(keys) != 2 {
		t.Fatalf("keys list --json: %v %+v", err, keys)
	}
	for _, k := range keys {
		if !k.Active {
			t.Errorf("during the overlap %s is not active", k.Name)
		}
	}
	both := mustRun("export") // the active keys, for hosts during the overlap
	if strings.Count(both, "BEGIN PGP PUBLIC KEY BLOCK") != 1 || len(both) < len(mustRun("export", "old"))+100 {
		t.Errorf("keys export of both active keys: want one armored block holding two keys:\n%s", both)
	}
	if code, _, _ := keysCLI(t, dir, "export", "--secret"); code != 2 {
		t.Errorf("keys export --secret without a name: exit %d, want 2", code)
	}
	mustRun("retire", "old")
	if code, _, _ := keysCLI(t, dir, "retire", "new"); code != 2 {
		t.Errorf("retiring the last active key: exit %d, want 2", code)
	}
	pub := mustRun("export", "new")
	if !strings.HasPrefix(pub, "-----BEGIN PGP PUBLIC KEY BLOCK-----") {
		t.Errorf("keys export: %q", pub)
	}
	secFile := filepath.Join(dir, "new.sec.asc")
	mustRun("export", "new", "--secret", "-o", secFile)
	if st, err := os.Stat(secFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("exported secret key: %v; want mode 0600", err)
	}
	pubFile := filepath.Join(dir, "new.asc")
	os.WriteFile(pubFile, []byte(pub), 0o644)
	mustRun("import", pubFile, "--name", "copy")
}
