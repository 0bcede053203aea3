package repo

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/internal/harness"
	clientv3 "go.etcd.io/etcd/client/v3"
)

func TestParseEtcdURL(t *testing.T) {
	good := []struct {
		in        string
		endpoints string
		prefix    string
	}{
		{"etcd://127.0.0.1:2379/repoctl", "127.0.0.1:2379", "repoctl"},
		{"etcd://etcd.ci.internal:2379/openresty-realtime/", "etcd.ci.internal:2379", "openresty-realtime"},
		{"etcd://a:2379,b:2379,c:2379/r_1.x", "a:2379,b:2379,c:2379", "r_1.x"},
		{"etcd://[::1]:2379/p", "[::1]:2379", "p"},
	}
	for _, c := range good {
		st, err := ParseEtcdURL(c.in)
		if err != nil || strings.Join(st.Endpoints, ",") != c.endpoints || st.Prefix != c.prefix {
			t.Errorf("ParseEtcdURL(%q) = %+v, %v; want %s %s", c.in, st, err, c.endpoints, c.prefix)
		}
	}
	bad := map[string]string{
		"etcd://127.0.0.1:2379":         "no prefix",
		"etcd://127.0.0.1:2379/":        "no prefix",
		"etcd://127.0.0.1/repoctl":      "not HOST:PORT",
		"etcd://:2379/repoctl":          "not HOST:PORT",
		"etcd://h:2379/a/b":             "one element",
		"etcd://h:2379/.hidden":         "one element",
		"etcd://u:p@h:2379/x":           "user info",
		"etcd://h:2379/x?timeout=1s":    "query",
		"http://127.0.0.1:2379/repoctl": "not an etcd:// URL",
		"etcd://h:2379,/x":              "",
		"etcd://h:2379/x y":             "",
	}
	for in, want := range bad {
		_, err := ParseEtcdURL(in)
		if err == nil {
			t.Errorf("ParseEtcdURL(%q) accepted", in)
			continue
		}
		if errs.Code(err) != errs.ExitUsage || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "etcd://HOST:PORT/PREFIX") {
			t.Errorf("ParseEtcdURL(%q): %v (exit %d); want a usage error with %q and the expected form", in, err, errs.Code(err), want)
		}
	}
	// Open checks the URL before touching the directory or the network.
	_, err := Open(Options{Dir: filepath.Join(t.TempDir(), "aptly"), DB: "etcd://h:2379"})
	wantUsage(t, err, "no prefix")
}

// TestEtcdPrefixes: two repositories in one etcd see only their own
// packages, every key lands under its prefix, and no transaction leaves
// scratch keys behind.
func TestEtcdPrefixes(t *testing.T) {
	e := harness.Etcd(t)
	a := openWith(t, Options{Dir: filepath.Join(t.TempDir(), "aptly"), DB: e.URL + "/alpha"})
	b := openWith(t, Options{Dir: filepath.Join(t.TempDir(), "aptly"), DB: e.URL + "/alphabet"})
	dir := t.TempDir()
	mustAdd(t, a, "bookworm", buildDeb(t, dir, "hello", "1.0", "amd64", "a"))
	mustAdd(t, b, "bookworm", buildDeb(t, dir, "other", "2.0", "amd64", "b"))
	if _, err := a.CreateSnapshot("bookworm", "snap-a"); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*Repo{"alpha": a, "alphabet": b} {
		ps, err := r.List("bookworm")
		if err != nil || len(ps) != 1 {
			t.Errorf("%s lists %v, %v; want its one package", name, ps, err)
		}
	}
	if ss, err := b.Snapshots(""); err != nil || len(ss) != 0 {
		t.Errorf("alphabet sees snapshots %v, %v", ss, err)
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{e.Addr}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	resp, err := cli.Get(context.Background(), "\x00", clientv3.WithFromKey())
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, kv := range resp.Kvs {
		p, _, _ := strings.Cut(string(kv.Key), "/")
		counts[p]++
	}
	if len(counts) != 2 || counts["alpha"] == 0 || counts["alphabet"] == 0 {
		t.Errorf("top-level key prefixes in etcd: %v; want only alpha and alphabet", counts)
	}
	// What a's database holds through its namespace is all of alpha/.
	if n := len(dbDump(a)); n != counts["alpha"] {
		t.Errorf("alpha's database has %d keys, etcd %d under alpha/", n, counts["alpha"])
	}
}

// TestEtcdDown: an etcd that does not answer fails Open within a few
// seconds with a message naming it; one that dies mid-run fails the
// operation within the request timeout instead of hanging; back up, the
// same Repo works again.
func TestEtcdDown(t *testing.T) {
	e := harness.Etcd(t)
	db := e.URL + "/down"
	r := openWith(t, Options{Dir: filepath.Join(t.TempDir(), "aptly"), DB: db})
	deb := buildDeb(t, t.TempDir(), "hello", "1.0", "amd64", "a")
	e.Stop()

	start := time.Now()
	_, err := Open(Options{Dir: filepath.Join(t.TempDir(), "aptly"), DB: db})
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "cannot reach etcd at "+e.Addr) {
		t.Errorf("Open with etcd down: %v; want \"cannot reach etcd at %s\"", err, e.Addr)
	}
	if took > etcdDialTimeout+3*time.Second {
		t.Errorf("Open with etcd down took %s", took)
	}
	t.Logf("Open with etcd down: %s: %v", took.Round(time.Millisecond), err)

	old := etcdOpTimeout
	etcdOpTimeout = 2 * time.Second
	t.Cleanup(func() { etcdOpTimeout = old })
	for name, op := range map[string]func() error{
		"Add": func() error {
			_, err := r.Add(context.Background(), []string{deb}, AddOptions{Distribution: "bookworm"})
			return err
		},
		"List":      func() error { _, err := r.List("bookworm"); return err },
		"Snapshots": func() error { _, err := r.Snapshots(""); return err },
		"Published": func() error { _, err := r.Published("s3://b", "bookworm"); return err },
	} {
		start := time.Now()
		err := op()
		took := time.Since(start)
		if err == nil || !strings.Contains(err.Error(), "etcd") {
			t.Errorf("%s with etcd down: %v; want an error naming etcd", name, err)
		}
		if took > etcdOpTimeout+3*time.Second {
			t.Errorf("%s with etcd down took %s", name, took)
		}
	}

	e.Start()
	var added []Package
	deadline := time.Now().Add(20 * time.Second)
	for {
		added, err = r.Add(context.Background(), []string{deb}, AddOptions{Distribution: "bookworm"})
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil || len(added) != 1 {
		t.Fatalf("Add after etcd came back: %v, %v", added, err)
	}
	if ps, err := r.List("bookworm"); err != nil || len(ps) != 1 {
		t.Errorf("List after etcd came back: %v, %v", ps, err)
	}
}

// TestEtcdTransactionChunks: an Add of more packages than etcd takes in
// one transaction (128 operations) is committed in order, and reads back.
func TestEtcdTransactionChunks(t *testing.T) {
	e := harness.Etcd(t)
	r := openWith(t, Options{Dir: filepath.Join(t.TempDir(), "aptly"), DB: e.URL + "/chunks"})
	dir := t.TempDir()
	var debs []string
	for i := range 70 { // 70 packages: 70 records + 70 checksums + 70 seen + 3 > 128
		debs = append(debs, buildDeb(t, dir, fmt.Sprintf("pkg%02d", i), "1.0", "amd64", fmt.Sprint(i)))
	}
	added, err := r.Add(context.Background(), debs, AddOptions{Distribution: "bookworm"})
	if err != nil || len(added) != 70 {
		t.Fatalf("Add 70: %d added, %v", len(added), err)
	}
	ps, err := r.List("bookworm")
	if err != nil || len(ps) != 70 {
		t.Fatalf("List: %d, %v", len(ps), err)
	}
}

// TestEtcdCacheSeesOtherRunners: the package-record cache of one open Repo
// does not hide what another runner adds later.
func TestEtcdCacheSeesOtherRunners(t *testing.T) {
	e := harness.Etcd(t)
	db := e.URL + "/cache"
	dir := t.TempDir()
	a := openWith(t, Options{Dir: filepath.Join(t.TempDir(), "aptly"), DB: db})
	b := openWith(t, Options{Dir: filepath.Join(t.TempDir(), "aptly"), DB: db})
	mustAdd(t, a, "bookworm", buildDeb(t, dir, "hello", "1.0", "amd64", "1"))
	if ps, err := a.List("bookworm"); err != nil || len(ps) != 1 { // loads a's cache
		t.Fatalf("a: %v %v", ps, err)
	}
	mustAdd(t, b, "bookworm", buildDeb(t, dir, "hello", "2.0", "amd64", "2"))
	if _, err := b.CreateSnapshot("bookworm", "from-b"); err != nil {
		t.Fatal(err)
	}
	ps, err := a.List("bookworm")
	if err != nil || len(ps) != 2 {
		t.Fatalf("a after b added 2.0: %v %v; want both versions", ps, err)
	}
	s, err := a.GetSnapshot("from-b")
	if err != nil || len(s.Packages) != 2 {
		t.Fatalf("a reads b's snapshot: %+v %v", s, err)
	}
	// The same version with other content is refused on a, too.
	_, err = a.Add(context.Background(), []string{buildDeb(t, t.TempDir(), "hello", "2.0", "amd64", "other")}, AddOptions{Distribution: "bookworm"})
	wantUsage(t, err, "already exists with other content")
}

// TestCopyToEtcd: a local state's database moves to etcd whole (every
// key, the same values) and the copy renders the same indexes; a second
// copy into the same prefix is refused.
func TestCopyToEtcd(t *testing.T) {
	e := harness.Etcd(t)
	local := openTest(t)
	dir := t.TempDir()
	mustAdd(t, local, "bookworm", buildDeb(t, dir, "hello", "1.0", "amd64", "1"))
	mustAdd(t, local, "bookworm", buildDeb(t, dir, "hello", "2.0", "amd64", "2"))
	if _, err := local.CreateSnapshot("bookworm", "s1"); err != nil {
		t.Fatal(err)
	}
	if err := local.RecordPublished("s3://b", "bookworm", "s1"); err != nil {
		t.Fatal(err)
	}
	db := e.URL + "/moved"
	n, err := local.CopyTo(db)
	want := dbDump(local)
	if err != nil || n != len(want) {
		t.Fatalf("CopyTo: %d keys, %v; want %d", n, err, len(want))
	}
	if _, err := local.CopyTo(db); err == nil || !strings.Contains(err.Error(), "empty prefix") {
		t.Errorf("second CopyTo: %v; want a refusal", err)
	}
	shared := openWith(t, Options{Dir: filepath.Join(t.TempDir(), "aptly"), DB: db})
	if got := dbDump(shared); !sameMaps(got, want) {
		t.Errorf("etcd holds %d keys, the local database %d, or values differ", len(got), len(want))
	}
	if h, err := shared.Published("s3://b", "bookworm"); err != nil || len(h) != 1 {
		t.Errorf("history after the move: %v %v", h, err)
	}
	opts := RenderOptions{Architectures: []string{"amd64"}, Signer: testSigner(t)}
	a, b := t.TempDir(), t.TempDir()
	if err := local.Render(context.Background(), "s1", opts, a); err != nil {
		t.Fatal(err)
	}
	res, err := shared.RenderTree(context.Background(), "s1", opts, b)
	if err != nil || len(res.Missing) != 2 {
		t.Fatalf("render from etcd: %+v %v; want both pool files reported missing", res, err)
	}
	pa := relSums(t, filepath.Join(a, "dists/bookworm/main"))
	pb := relSums(t, filepath.Join(b, "dists/bookworm/main"))
	if !sameMaps(pa, pb) || len(pa) == 0 {
		t.Error("the indexes rendered from etcd differ from the local ones")
	}
}
