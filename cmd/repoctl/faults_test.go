package main

// Fault injection (issue 8 §3, §4; issue 7's error list): the S3 server
// stopped before and during a publish, every preflight failure of a
// release, two publishes at once, the lock, a secret-leak check of the
// bucket, and SIGKILL at random points of a publish while a fleet host
// runs apt-get in a loop. Everything is real: versitygw on loopback, .deb
// files made by dpkg-deb, repoctl's own commands.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/repoctl/repoctl/internal/harness"
	"github.com/repoctl/repoctl/publish"
)

// faultEnv is one test's world: an S3 server, a working directory with
// repoctl.yaml, keys/ and the state directory, and a passphrase-protected
// signing key whose passphrase is in the environment.
type faultEnv struct {
	t      *testing.T
	s3     *harness.S3Server
	dir    string
	state  string
	public string
}

const faultPassphrase = "faults passphrase"

func newFaultEnv(t *testing.T) *faultEnv {
	t.Helper()
	requireTool(t, "dpkg-deb")
	s := harness.S3(t)
	dir := t.TempDir()
	t.Chdir(dir)
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	e := &faultEnv{t: t, s3: s, dir: dir, state: filepath.Join(dir, ".repoctl"), public: s.PublicURL("apt")}
	e.writeConfig("")
	t.Setenv("REPOCTL_SIGNING_PASSPHRASE", faultPassphrase)
	e.must("keys", "generate", "--name", "faults", "--email", "faults@example.org")
	return e
}

// writeConfig writes repoctl.yaml for the S3 server, with extra lines last
// (yaml.v3 refuses a duplicate key, so extra must not repeat one).
func (e *faultEnv) writeConfig(extra string) {
	e.t.Helper()
	cfg := fmt.Sprintf("target: s3://%s/apt\nendpoint: %s\npath-style: true\nregion: %s\npublic-url: %s\n"+
		"signing-key: faults\nsuites: [bookworm]\ngrace: 1h\n%s",
		e.s3.Bucket, e.s3.Endpoint, e.s3.Region, e.public, extra)
	if err := os.WriteFile(filepath.Join(e.dir, "repoctl.yaml"), []byte(cfg), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

func (e *faultEnv) cli(args ...string) (int, string, string) {
	e.t.Helper()
	return runCLI(e.t, args...)
}

func (e *faultEnv) must(args ...string) string {
	e.t.Helper()
	code, out, errOut := e.cli(args...)
	if code != 0 {
		e.t.Fatalf("repoctl %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// debs builds n small packages named prefix-0 .. prefix-(n-1) at version.
func (e *faultEnv) debs(prefix string, n int, version string) []string {
	e.t.Helper()
	dir := filepath.Join(e.dir, "debs")
	os.MkdirAll(dir, 0o755)
	var paths []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s-%d", prefix, i)
		paths = append(paths, repoTestDeb(e.t, dir, name, version, name+" "+version+"\n"))
	}
	return paths
}

// addAndSnapshot adds debs and snapshots the repository as name.
func (e *faultEnv) addAndSnapshot(name string, debs ...string) {
	e.t.Helper()
	for len(debs) > 0 { // batches keep the command line short
		n := min(len(debs), 100)
		e.must(append([]string{"repo", "add"}, debs[:n]...)...)
		debs = debs[n:]
	}
	e.must("snapshot", "create", name)
}

// bucket is every object of the bucket: key -> SHA-256 of its bytes.
func bucketObjects(t *testing.T, s *harness.S3Server) map[string]string {
	t.Helper()
	c := s.Client()
	objs := map[string]string{}
	for _, k := range s.Keys("") {
		out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(k)})
		if err != nil {
			t.Fatalf("get %s: %v", k, err)
		}
		h := sha256.New()
		io.Copy(h, out.Body)
		out.Body.Close()
		objs[k] = hex.EncodeToString(h.Sum(nil))
	}
	return objs
}

func objectBytes(t *testing.T, s *harness.S3Server, key string) []byte {
	t.Helper()
	out, err := s.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, _ := io.ReadAll(out.Body)
	return b
}

// diffObjects describes how two bucket listings differ ("" when equal).
func diffObjects(before, after map[string]string) string {
	var d []string
	for k, v := range before {
		if w, ok := after[k]; !ok {
			d = append(d, "- "+k)
		} else if w != v {
			d = append(d, "~ "+k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			d = append(d, "+ "+k)
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

// leftovers lists half-written files in the state directory: render
// staging trees, write probes, temporary files.
func leftovers(t *testing.T, state string) []string {
	t.Helper()
	var found []string
	filepath.WalkDir(state, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		name := d.Name()
		rel, _ := filepath.Rel(state, p)
		switch {
		case strings.HasPrefix(rel, "staging"+string(filepath.Separator)) && strings.HasPrefix(name, "render-"):
			found = append(found, rel)
			return filepath.SkipDir
		case strings.HasPrefix(name, ".write-test-"), strings.HasSuffix(name, ".tmp"), strings.HasPrefix(name, ".tmp"):
			found = append(found, rel)
		}
		return nil
	})
	return found
}

func requireTool(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("CI=true and %s is not installed", n)
			}
			t.Skipf("%s not installed", n)
		}
	}
}

// A. The S3 server is down before a publish: a clear error in bounded
// time, a non-zero exit, nothing changed in the bucket or the state.
func TestFaultS3DownBeforePublish(t *testing.T) {
	e := newFaultEnv(t)
	e.addAndSnapshot("one", e.debs("base", 3, "1.0-1")...)
	e.must("publish")
	e.addAndSnapshot("two", e.debs("more", 2, "1.0-1")...)
	before := bucketObjects(t, e.s3)

	e.s3.Stop()
	start := time.Now()
	code, out, errOut := e.cli("publish")
	took := time.Since(start)
	t.Logf("publish with S3 down: exit %d after %s: %s", code, took.Round(time.Millisecond), strings.TrimSpace(errOut))
	if code != 1 {
		t.Errorf("publish with S3 down: exit %d, want 1\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "cannot reach endpoint "+e.s3.Endpoint) {
		t.Errorf("publish with S3 down does not say it cannot reach %s: %q", e.s3.Endpoint, errOut)
	}
	if took > 45*time.Second { // refused at once, 4 tries with at most 2 s between
		t.Errorf("publish with S3 down took %s: want a bounded failure", took)
	}
	if l := leftovers(t, e.state); len(l) > 0 {
		t.Errorf("half-written files left in the state directory: %v", l)
	}
	e.s3.Start()
	if d := diffObjects(before, bucketObjects(t, e.s3)); d != "" {
		t.Errorf("a publish that could not reach S3 changed the bucket:\n%s", d)
	}
	if code, out, _ := e.cli("lock", "status"); code != 0 || !strings.Contains(out, "unlocked") {
		t.Errorf("lock after a failed publish: exit %d %q", code, out)
	}
	e.must("publish")
	if out := e.must("verify"); !strings.HasPrefix(out, "verified") {
		t.Errorf("verify: %s", out)
	}
}

// A. The S3 server stops in the middle of an upload (after K PUTs) and
// comes back: the live Release is the old one, and a re-run converges.
func TestFaultS3StoppedMidUpload(t *testing.T) {
	e := newFaultEnv(t)
	e.addAndSnapshot("one", e.debs("base", 2, "1.0-1")...)
	e.must("publish")
	inRelease := objectBytes(t, e.s3, "apt/dists/bookworm/InRelease")
	e.addAndSnapshot("two", e.debs("bulk", 80, "1.0-1")...)

	const k = 20
	mark := e.s3.Mark()
	stopped := make(chan int, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // the "operator" pulling the plug after K pool uploads
		for ctx.Err() == nil {
			n := 0
			for _, r := range e.s3.Requests(mark) {
				if r.Method == "PUT" && strings.Contains(r.Key, "/pool/") {
					n++
				}
			}
			if n >= k {
				e.s3.Stop()
				stopped <- n
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	start := time.Now()
	code, _, errOut := e.cli("publish", "--jobs", "2")
	took := time.Since(start)
	cancel()
	var seen int
	select {
	case seen = <-stopped:
	default:
		t.Fatalf("the publish finished (exit %d) before %d pool uploads were seen: make the repository larger", code, k)
	}
	t.Logf("stopped after %d pool PUTs; publish exit %d after %s: %s", seen, code, took.Round(time.Millisecond), lastLine(errOut))
	if code == 0 {
		t.Fatalf("publish succeeded although S3 stopped midway")
	}
	if !strings.Contains(errOut, "cannot reach endpoint") {
		t.Errorf("error does not say S3 is unreachable: %q", errOut)
	}
	e.s3.Start()
	if got := objectBytes(t, e.s3, "apt/dists/bookworm/InRelease"); !bytes.Equal(got, inRelease) {
		t.Errorf("the interrupted publish replaced InRelease: hosts would see a half-published repository")
	}
	if out := e.must("verify"); !strings.HasPrefix(out, "verified") {
		t.Errorf("the old repository does not verify after the interrupted publish: %s", out)
	}
	// The lock the interrupted publish held could not be deleted while S3
	// was down; say so, and break it as a person would.
	if code, out, _ := e.cli("lock", "status"); code == 0 && strings.Contains(out, "locked by") {
		t.Logf("the interrupted publish left its lock behind: %s\nits stderr:\n%s", strings.TrimSpace(out), errOut)
		if !strings.Contains(errOut, "lock break") {
			t.Errorf("publish left its lock behind without saying so or how to remove it (stderr %q)", lastLine(errOut))
		}
		e.must("lock", "break")
	}
	mark = e.s3.Mark()
	out := e.must("publish")
	if n := e.s3.RequestCounts(mark)["PUT"]; n >= 80+2+10 {
		t.Errorf("re-run uploaded %d objects: it should resume, not start over", n)
	}
	t.Logf("re-run: %s", strings.TrimSpace(out))
	if out := e.must("verify", "--full"); !strings.HasPrefix(out, "verified") || !strings.Contains(out, "82 packages") {
		t.Errorf("verify after the re-run: %s", out)
	}
	if l := leftovers(t, e.state); len(l) > 0 {
		t.Errorf("half-written files left in the state directory: %v", l)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// B. Every preflight failure of a release stops it before the build: the
// recipe's configure writes a marker that must never appear.
func TestFaultReleasePreflight(t *testing.T) {
	e := newFaultEnv(t)
	e.addAndSnapshot("one", e.debs("base", 1, "1.0-1")...)
	e.must("publish")
	marker := filepath.Join(e.dir, "BUILD-REACHED")
	recipePath := markerRecipe(t, marker)
	before := bucketObjects(t, e.s3)

	unset := func(t *testing.T, keys ...string) {
		for _, k := range keys {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	cases := []struct {
		name  string
		setup func(t *testing.T)
		args  []string
		code  int
		want  string
	}{
		{"no passphrase", func(t *testing.T) { unset(t, "REPOCTL_SIGNING_PASSPHRASE") }, nil, 2, "REPOCTL_SIGNING_PASSPHRASE"},
		{"wrong passphrase", func(t *testing.T) { t.Setenv("REPOCTL_SIGNING_PASSPHRASE", "not it") }, nil, 2, "passphrase"},
		{"endpoint unreachable", nil, []string{"--endpoint", "http://127.0.0.1:1"}, 1, "cannot reach endpoint http://127.0.0.1:1"},
		{"credentials refused", func(t *testing.T) { t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong-"+e.s3.SecretKey) }, nil, 2, "credentials refused"},
		{"credentials missing", func(t *testing.T) {
			unset(t, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE")
			t.Setenv("HOME", t.TempDir())
			t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
			t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
		}, nil, 2, "no AWS credentials"},
		{"bucket missing", nil, []string{"--to", "s3://no-such-bucket-repoctl/apt"}, 2, `bucket "no-such-bucket-repoctl" does not exist`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil {
				c.setup(t)
			}
			for _, cmd := range [][]string{{"release", "--recipe", recipePath}, {"publish", "--republish"}} {
				start := time.Now()
				code, out, errOut := runCLI(t, append(cmd, c.args...)...)
				took := time.Since(start)
				t.Logf("%s: exit %d in %s: %s", cmd[0], code, took.Round(time.Millisecond), lastLine(errOut))
				if code != c.code || !strings.Contains(errOut, c.want) {
					t.Errorf("%s: exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", cmd[0], code, c.code, c.want, out, errOut)
				}
				if cmd[0] == "release" && (!strings.Contains(errOut, "preflight") || strings.Contains(errOut, "preflight: preflight:")) {
					t.Errorf("release did not fail in preflight, or says so twice: %s", errOut)
				}
				if took > 45*time.Second {
					t.Errorf("%s took %s to fail", cmd[0], took)
				}
			}
			if _, err := os.Stat(marker); err == nil {
				t.Fatalf("the build ran although preflight failed")
			}
		})
	}
	e.s3.Start()
	if d := diffObjects(before, bucketObjects(t, e.s3)); d != "" {
		t.Errorf("failed releases changed the bucket:\n%s", d)
	}
	if l := leftovers(t, e.state); len(l) > 0 {
		t.Errorf("half-written files left in the state directory: %v", l)
	}
}

// markerRecipe is a valid recipe over a local directory whose configure
// writes marker: a release that reaches its build leaves proof.
func markerRecipe(t *testing.T, marker string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"src/configure": "#!/bin/sh\ntouch " + marker + "\nexit 1\n",
		"src/Makefile":  "all:\n\ttouch " + marker + "\n",
		"marker.yaml": "name: marker\nversion: \"1\"\nrevision: 1\nsources:\n  - name: marker\n    path: src\n" +
			"build:\n  hardening: false\n" +
			"package:\n  name: marker\n  maintainer: T <t@example.com>\n  description: marker\n  prefix: /opt/marker\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "marker.yaml")
	if code, out, errOut := runCLI(t, "--config", emptyConfig(t), "recipe", "check", p); code != 0 {
		t.Fatalf("marker recipe is not valid: %d %s %s", code, out, errOut)
	}
	return p
}

// D. Two publishes against one target: the lock serialises them, a
// waiter gives up naming the holder, lock status shows the holder, lock
// break removes a stale lock, and the bucket verifies afterwards.
func TestFaultConcurrentPublish(t *testing.T) {
	e := newFaultEnv(t)
	e.addAndSnapshot("one", e.debs("a", 3, "1.0-1")...)
	e.must("publish")

	// A second state directory: a second, independent aptly database.
	stateB := filepath.Join(e.dir, "state-b")
	cliB := func(args ...string) (int, string, string) {
		return runCLI(t, append([]string{"--state", stateB}, args...)...)
	}
	for _, d := range e.debs("b", 3, "1.0-1") {
		if code, _, errOut := cliB("repo", "add", d); code != 0 {
			t.Fatalf("repo add in B: %s", errOut)
		}
	}
	if code, _, errOut := cliB("snapshot", "create", "b-one"); code != 0 {
		t.Fatalf("snapshot in B: %s", errOut)
	}
	// B signs with the same key: copy the secret key into B's state.
	os.MkdirAll(filepath.Join(stateB, "keys"), 0o700)
	sec, _ := filepath.Glob(filepath.Join(e.state, "keys", "*"))
	for _, f := range sec {
		data, _ := os.ReadFile(f)
		os.WriteFile(filepath.Join(stateB, "keys", filepath.Base(f)), data, 0o600)
	}

	// A release holds the lock (taken as another process would).
	ctx := context.Background()
	target, err := publish.OpenTarget(ctx, "s3://"+e.s3.Bucket+"/apt", publish.TargetOptions{Endpoint: e.s3.Endpoint, PathStyle: true, Region: e.s3.Region})
	if err != nil {
		t.Fatal(err)
	}
	held, err := publish.AcquireLock(ctx, target, publish.LockOptions{Owner: "ci-runner-7 pid 4242", Purpose: "release"})
	if err != nil {
		t.Fatal(err)
	}
	before := bucketObjects(t, e.s3)
	if code, out, _ := e.cli("lock", "status"); code != 0 || !strings.Contains(out, "locked by ci-runner-7 pid 4242") || strings.Contains(out, "STALE") {
		t.Errorf("lock status while held: exit %d %q", code, out)
	}
	start := time.Now()
	code, _, errOut := cliB("publish", "--lock-timeout", "2s")
	took := time.Since(start)
	if code != 1 || !strings.Contains(errOut, "another release holds the lock") || !strings.Contains(errOut, "ci-runner-7 pid 4242") {
		t.Errorf("publish while locked: exit %d, want 1 naming the holder: %q", code, errOut)
	}
	if took < 2*time.Second || took > 30*time.Second {
		t.Errorf("publish while locked gave up after %s, want about --lock-timeout 2s", took)
	}
	if d := diffObjects(before, bucketObjects(t, e.s3)); d != "" {
		t.Errorf("a publish that did not get the lock changed the bucket:\n%s", d)
	}
	// The holder finishes; the waiter then gets through.
	if err := held.Release(ctx); err != nil {
		t.Fatal(err)
	}

	// Both at once, from both state directories: each waits for the other.
	e.addAndSnapshot("two", e.debs("a2", 2, "1.0-1")...)
	mark := e.s3.Mark()
	var wg sync.WaitGroup
	results := make([]string, 2)
	codes := make([]int, 2)
	for i, cli := range []func(...string) (int, string, string){e.cli, cliB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, out, errOut := cli("publish", "--lock-timeout", "2m")
			codes[i], results[i] = c, out+errOut
		}()
	}
	wg.Wait()
	if codes[0] != 0 || codes[1] != 0 {
		t.Errorf("concurrent publishes: exits %v\n%s\n%s", codes, results[0], results[1])
	}
	// Serialised: the lock was taken and given back twice, never held by
	// both, and no Release was written while the other held the lock.
	var seq []string
	for _, r := range e.s3.Requests(mark) {
		switch {
		case strings.HasSuffix(r.Key, ".repoctl/lock.json") && r.Method == "PUT" && r.Status == 200:
			seq = append(seq, "take")
		case r.Method == "DELETE" && r.Status < 300 && (strings.HasSuffix(r.Key, ".repoctl/lock.json") || r.Key == ""):
			// DeleteObjects names its keys in the body: only the lock
			// and probes are deleted by a publish with a grace period.
			seq = append(seq, "give")
		case strings.HasSuffix(r.Key, "/InRelease") && r.Method == "PUT":
			seq = append(seq, "InRelease")
		}
	}
	if got := strings.Join(seq, " "); got != "take InRelease give take InRelease give" {
		t.Errorf("lock and InRelease writes of two concurrent publishes: %q, want them one after the other", got)
	}
	if code, out, _ := e.cli("lock", "status"); code != 0 || !strings.Contains(out, "unlocked") {
		t.Errorf("lock after both publishes: %d %q", code, out)
	}
	if out := e.must("verify", "--full"); !strings.HasPrefix(out, "verified") {
		t.Errorf("bucket after two concurrent publishes does not verify: %s", out)
	}

	// A stale lock (its holder died long ago) is shown as such and broken.
	_, err = publish.AcquireLock(ctx, target, publish.LockOptions{Owner: "dead-runner pid 1", TTL: time.Minute,
		Now: func() time.Time { return time.Now().Add(-time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ := e.cli("lock", "status")
	if code != 0 || !strings.Contains(out, "dead-runner pid 1") || !strings.Contains(out, "STALE") {
		t.Errorf("lock status of a stale lock: exit %d %q", code, out)
	}
	if code, _, errOut := e.cli("publish", "--republish", "--lock-timeout", "1s"); code != 1 || !strings.Contains(errOut, "lock break") {
		t.Errorf("publish over a stale lock: exit %d %q (want 1 pointing at lock break)", code, errOut)
	}
	if code, out, errOut := e.cli("lock", "break"); code != 0 || !strings.Contains(out, "broke the lock of dead-runner") {
		t.Errorf("lock break: exit %d %q %q", code, out, errOut)
	}
	e.must("publish", "--republish")
	e.must("verify")
}

// E. Nothing of the signing key's secret material is in the bucket.
func TestFaultNoSecretInBucket(t *testing.T) {
	e := newFaultEnv(t)
	e.addAndSnapshot("one", e.debs("leak", 5, "1.0-1")...)
	e.must("publish")
	e.must("keys", "export", "faults") // public export only
	secrets := secretNeedles(t, e.state)
	if len(secrets) == 0 {
		t.Fatal("no secret key material found in the state directory")
	}
	c := e.s3.Client()
	keys := e.s3.Keys("")
	if len(keys) < 5 {
		t.Fatalf("bucket holds only %d objects", len(keys))
	}
	for _, k := range keys {
		out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(e.s3.Bucket), Key: aws.String(k)})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(out.Body)
		out.Body.Close()
		for name, needle := range secrets {
			if bytes.Contains(body, needle) {
				t.Errorf("object %s contains %s", k, name)
			}
		}
	}
}

// secretNeedles reads the secret keys in state: their armored blocks, the
// binary packets inside, slices of those packets, and the passphrase.
func secretNeedles(t *testing.T, state string) map[string][]byte {
	t.Helper()
	needles := map[string][]byte{"the passphrase": []byte(faultPassphrase), "an armor header": []byte("PRIVATE KEY BLOCK")}
	files, _ := filepath.Glob(filepath.Join(state, "keys", "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil || !bytes.Contains(data, []byte("PRIVATE KEY BLOCK")) {
			continue
		}
		bin := dearmor(data)
		if len(bin) < 64 {
			t.Fatalf("cannot read the armored secret key %s", f)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if len(line) >= 40 && !strings.Contains(line, ":") && !strings.HasPrefix(line, "-----") {
				needles[fmt.Sprintf("line %d of %s", i+1, filepath.Base(f))] = []byte(line)
			}
		}
		// The tail of the binary key: secret key material sits after the
		// public part, so 32-byte windows from the second half on.
		for off := len(bin) / 2; off+32 <= len(bin); off += 16 {
			needles[fmt.Sprintf("bytes %d..%d of %s", off, off+32, filepath.Base(f))] = bin[off : off+32]
		}
	}
	return needles
}

// dearmor decodes an ASCII-armored OpenPGP block (ignoring its CRC).
func dearmor(data []byte) []byte {
	var b64 strings.Builder
	body := false
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "-----BEGIN"):
			body = false
			continue
		case strings.HasPrefix(line, "-----END"):
			body = false
		case !body && line == "":
			body = true
		case body && strings.HasPrefix(line, "="):
			body = false
		case body:
			b64.WriteString(line)
		}
	}
	out, _ := base64.StdEncoding.DecodeString(b64.String())
	return out
}

// F. SIGKILL at random points of a publish, while a fleet host runs
// apt-get update and install in a loop against the bucket: the host never
// fails, and after each kill a re-run converges and verifies.
func TestFaultKillDuringPublish(t *testing.T) {
	if testing.Short() {
		t.Skip("SIGKILL loop with a fleet host: skipped with -short")
	}
	harness.RequireRoot(t)
	requireTool(t, "go")
	pkgDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	e := newFaultEnv(t)
	bin := filepath.Join(t.TempDir(), "repoctl")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = pkgDir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const base = 200
	e.addAndSnapshot("s0", e.debs("pkg", base, "1.0-1")...)
	e.must("publish")

	fleet := harness.Fleet(t, "bookworm")
	var pub []byte
	pub, err = os.ReadFile(filepath.Join(e.dir, "keys", "faults.asc"))
	if err != nil {
		t.Fatal(err)
	}
	fleet.WriteFile("/etc/apt/keyrings/faults.asc", pub, 0o644)
	fleet.WriteFile("/etc/apt/sources.list.d/faults.sources", []byte(fmt.Sprintf(
		"Types: deb\nURIs: %s\nSuites: bookworm\nComponents: main\nSigned-By: /etc/apt/keyrings/faults.asc\n", e.public)), 0o644)
	ctx, stopHost := context.WithCancel(context.Background())
	var hostRuns, hostFails int
	var hostErrs []string
	hostDone := make(chan struct{})
	go func() { // the fleet host: update and (re)install in a loop
		defer close(hostDone)
		for i := 0; ctx.Err() == nil; i++ {
			pkg := fmt.Sprintf("pkg-%d", i%base)
			out, err := fleet.Shell(context.Background(), "apt-get update -q 2>&1 && apt-get install -y -q --reinstall "+pkg+" 2>&1")
			hostRuns++
			if err != nil || strings.Contains(out, "\nW: ") || strings.Contains(out, "\nE: ") || strings.Contains(out, "Err:") {
				hostFails++
				hostErrs = append(hostErrs, fmt.Sprintf("%v\n%s", err, tail(out, 15)))
			}
		}
	}()

	env := append(os.Environ(), "REPOCTL_SIGNING_PASSPHRASE="+faultPassphrase)
	runBin := func(kill time.Duration) (killed bool, out string) {
		cmd := exec.Command(bin, "--no-progress", "publish")
		cmd.Dir, cmd.Env = e.dir, env
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("publish failed without a kill: %v\n%s", err, buf.String())
			}
			return false, buf.String()
		case <-time.After(kill):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			return true, buf.String()
		}
	}
	deadline := time.Now().Add(3 * time.Minute)
	// One timed publish tells how long a publish takes here.
	e.addAndSnapshot("s1", e.debs("new1", 10, "1.0-1")...)
	t0 := time.Now()
	runBin(time.Hour)
	full := time.Since(t0)
	t.Logf("an uninterrupted publish of 10 new packages takes %s", full.Round(time.Millisecond))
	kills, rounds := 0, 1
	for i := 2; i < 22 && time.Now().Before(deadline); i++ {
		e.addAndSnapshot(fmt.Sprintf("s%d", i), e.debs(fmt.Sprintf("new%d", i), 10, "1.0-1")...)
		delay := time.Duration(rand.Int64N(int64(full)))
		killed, _ := runBin(delay)
		rounds++
		if killed {
			kills++
		}
		// A killed publish leaves its lock: a person breaks it (the holder
		// is known dead), then re-runs.
		if code, out, _ := e.cli("lock", "status"); code == 0 && strings.Contains(out, "locked by") {
			e.must("lock", "break")
		}
		e.must("publish")
		if out := e.must("verify"); !strings.HasPrefix(out, "verified") {
			t.Fatalf("after kill %d at %s: %s", i, delay, out)
		}
		t.Logf("round %d: killed=%v after %s; re-run converged and verified", i, killed, delay.Round(time.Millisecond))
	}
	stopHost()
	<-hostDone
	t.Logf("%d kills; fleet host: %d apt-get runs, %d failed", kills, hostRuns, hostFails)
	// Each killed publish left its render tree in the state directory; a
	// later publish (holding the database) should have swept them.
	if l := leftovers(t, e.state); len(l) > 0 {
		t.Errorf("%d render trees of killed publishes are still in the state directory after a successful publish: %v", len(l), l)
	}
	if kills == 0 {
		t.Errorf("no publish was killed: the test proved nothing")
	}
	if hostRuns == 0 {
		t.Errorf("the fleet host never ran apt-get")
	}
	for _, msg := range hostErrs {
		t.Errorf("fleet host command failed during the kills:\n%s", msg)
	}
	if out := e.must("verify", "--full"); !strings.Contains(out, fmt.Sprintf(" %d packages", base+10*rounds)) {
		t.Errorf("final verify: want %d packages: %s", base+10*rounds, out)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// A. An S3 endpoint that accepts connections and never answers (a hung
// server, a black-holing proxy): publish fails in bounded time, saying so.
func TestFaultS3Hung(t *testing.T) {
	if testing.Short() {
		t.Skip("hung S3 endpoint: takes about 90 s, skipped with -short")
	}
	e := newFaultEnv(t)
	e.addAndSnapshot("one", e.debs("base", 1, "1.0-1")...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // read nothing, answer nothing
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	}()
	start := time.Now()
	code, _, errOut := e.cli("publish", "--endpoint", "http://"+ln.Addr().String())
	took := time.Since(start)
	t.Logf("publish to a hung endpoint: exit %d after %s: %s", code, took.Round(time.Millisecond), lastLine(errOut))
	if code != 1 || !strings.Contains(errOut, "cannot reach endpoint") {
		t.Errorf("publish to a hung endpoint: exit %d, want 1 saying it cannot reach it: %s", code, errOut)
	}
	if took > 150*time.Second {
		t.Errorf("publish to a hung endpoint took %s: want the documented bound (about 86 s)", took)
	}
}
