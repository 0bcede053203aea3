package hosts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/internal/harness"
)

func scripts(t *testing.T) map[string]string {
	c := cases(t)
	return map[string]string{
		"shell-fixed":  Shell(c["fixed"]),
		"shell-detect": Shell(c["detect"]),
		"s3":           S3Private(c["s3"]),
	}
}

func TestShellSyntax(t *testing.T) {
	harness.Require(t, "sh")
	for name, script := range scripts(t) {
		cmd := exec.Command("sh", "-n")
		cmd.Stdin = strings.NewReader(script)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: sh -n: %v\n%s", name, err, out)
		}
	}
}

func TestShellcheck(t *testing.T) {
	harness.Require(t, "shellcheck")
	for name, script := range scripts(t) {
		cmd := exec.Command("shellcheck", "--shell=sh", "-")
		cmd.Stdin = strings.NewReader(script)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: shellcheck: %v\n%s", name, err, out)
		}
	}
}

// runFunctions runs the script's functions without its main: the script
// with its last line replaced by call, so nothing is written under /etc.
func runFunctions(t *testing.T, script, call string, env ...string) (string, error) {
	t.Helper()
	body, ok := strings.CutSuffix(script, mainCall)
	if !ok {
		t.Fatalf("script does not end with %q", mainCall)
	}
	cmd := exec.Command("sh", "-c", body+call+"\n", "test")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestPickSuite(t *testing.T) {
	harness.Require(t, "sh")
	dir := t.TempDir()
	osRelease := func(content string) string {
		f := filepath.Join(dir, strings.NewReplacer(" ", "", "=", "", "\"", "", "\n", "").Replace(content)+".os-release")
		if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return "OS_RELEASE_FILE=" + f
	}
	detect, fixed := scripts(t)["shell-detect"], scripts(t)["shell-fixed"]
	tests := []struct {
		name, script, env, want string
		fail                    bool
	}{
		{"quoted codename", detect, osRelease("ID=debian\nVERSION_CODENAME=\"trixie\"\n"), "trixie", false},
		{"bare codename", detect, osRelease("ID=debian\nVERSION_CODENAME=bookworm\n"), "bookworm", false},
		{"unsupported", detect, osRelease("VERSION_CODENAME=bullseye\n"), "publishes only: bookworm trixie", true},
		{"no codename", detect, osRelease("ID=debian\n"), "has no VERSION_CODENAME", true},
		{"missing file", detect, "OS_RELEASE_FILE=" + filepath.Join(dir, "absent"), "cannot read", true},
		{"fixed suite ignores os-release", fixed, osRelease("VERSION_CODENAME=jammy\n"), "bookworm", false},
	}
	for _, tc := range tests {
		out, err := runFunctions(t, tc.script, "pick_suite", tc.env)
		if (err != nil) != tc.fail {
			t.Errorf("%s: err = %v, want failure %v\n%s", tc.name, err, tc.fail, out)
		}
		if !strings.Contains(out, tc.want) {
			t.Errorf("%s: output %q does not contain %q", tc.name, out, tc.want)
		}
	}
}

// The script's source file must be what Sources renders for the same suite.
func TestShellWritesSources(t *testing.T) {
	harness.Require(t, "sh")
	o := cases(t)["fixed"]
	dst := filepath.Join(t.TempDir(), "x.sources")
	if out, err := runFunctions(t, Shell(o), "SOURCES="+quote(dst)+"; write_sources bookworm"); err != nil {
		t.Fatalf("write_sources: %v\n%s", err, out)
	}
	got, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != Sources(o) {
		t.Fatalf("script wrote\n%s\nSources renders\n%s", got, Sources(o))
	}
}

// The script's keyring must be the armored key, byte for byte but for the
// final newline, with the mode apt's _apt user can read.
func TestShellWritesKeyring(t *testing.T) {
	harness.Require(t, "sh", "install")
	o := cases(t)["detect"]
	dir := t.TempDir()
	call := "KEYRING_DIR=" + quote(dir+"/keyrings") + "; KEYRING=$KEYRING_DIR/k.asc; write_keyring"
	if out, err := runFunctions(t, Shell(o), call); err != nil {
		t.Fatalf("write_keyring: %v\n%s", err, out)
	}
	path := filepath.Join(dir, "keyrings", "k.asc")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(got)) != strings.TrimSpace(string(o.Armored)) {
		t.Fatalf("keyring differs from the key:\n%s", got)
	}
	if _, err := Keyring(got); err != nil {
		t.Fatalf("written keyring does not parse: %v", err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Fatalf("keyring mode %v, want 0644", fi.Mode().Perm())
	}
}

// aptWrapper puts an apt-get first on PATH that runs the real one on
// sources and lists in dir, leaving the host's apt alone. With strip, it
// hides APT::Update::Error-Mode, as an apt too old to know it would.
func aptWrapper(t *testing.T, dir string, strip bool) string {
	t.Helper()
	real, err := exec.LookPath("apt-get")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"bin", "parts", "lists/partial", "cache/archives/partial"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mode := "APT::Update::Error-Mode=any"
	if strip {
		mode = "APT::Update::Hidden=any"
	}
	wrapper := `#!/bin/sh
for a do
	shift
	if [ "$a" = APT::Update::Error-Mode=any ]; then a='` + mode + `'; fi
	set -- "$@" "$a"
done
exec ` + real + ` -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=` + dir + `/parts \
	-o Dir::State::Lists=` + dir + `/lists -o Dir::Cache=` + dir + `/cache -o Debug::NoLocking=1 -o Acquire::Retries=0 "$@"
`
	if err := os.WriteFile(filepath.Join(dir, "bin", "apt-get"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	return "PATH=" + filepath.Join(dir, "bin") + ":" + os.Getenv("PATH")
}

// apt-get update exits 0 when a source is unreachable: the script's
// apt_update must fail all the same, with apt's Error-Mode and without.
func TestAptUpdateFailsOnUnreachableSource(t *testing.T) {
	harness.Require(t, "sh", "apt-get")
	for _, strip := range []bool{false, true} {
		dir, err := os.MkdirTemp("", "apt") // apt's _apt user must reach it
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		os.Chmod(dir, 0o755)
		path := aptWrapper(t, dir, strip)
		o := cases(t)["detect"]
		o.URL = "http://127.0.0.1:9/repo" // discard port: nothing listens
		sources := filepath.Join(dir, "parts", "repoctl.sources")
		call := "SOURCES=" + quote(sources) + "; KEYRING=" + quote(mustAbs(t, filepath.Join(testdata, "key.asc"))) +
			"; write_sources bookworm; apt_update"
		out, err := runFunctions(t, Shell(o), call, path)
		if err == nil || !strings.Contains(out, "could not use http://127.0.0.1:9/repo") && !strings.Contains(out, "apt-get update failed") {
			t.Fatalf("strip=%v: apt_update passed or failed without saying why: %v\n%s", strip, err, out)
		}
		t.Logf("strip=%v:\n%s", strip, out)
		if strip && !strings.Contains(out, "could not use") {
			t.Fatalf("without Error-Mode the W: line must be caught:\n%s", out)
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// With VERSION the script pins it with an apt preference; without, it
// removes the pin, so that re-running an unpinned script unpins.
func TestShellPin(t *testing.T) {
	harness.Require(t, "sh")
	pref := filepath.Join(t.TempDir(), "repoctl.pref")
	call := "PREFERENCES=" + quote(pref) + "; pin"
	if out, err := runFunctions(t, Shell(cases(t)["detect"]), call); err != nil {
		t.Fatalf("pin: %v\n%s", err, out)
	}
	got, err := os.ReadFile(pref)
	want := "Package: openresty-realtime\nPin: version 1.27.1.2-1~bookworm1\nPin-Priority: 1001\n"
	if err != nil || string(got) != want {
		t.Fatalf("preferences %q (%v), want %q", got, err, want)
	}
	if out, err := runFunctions(t, Shell(cases(t)["fixed"]), call); err != nil {
		t.Fatalf("unpin: %v\n%s", err, out)
	}
	if _, err := os.Stat(pref); !os.IsNotExist(err) {
		t.Fatalf("an unpinned script left %s: %v", pref, err)
	}
}
