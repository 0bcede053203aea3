package repo

import (
	"bufio"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// readStanzas parses a deb822 file into field maps (continuation lines
// joined with "\n").
func readStanzas(t testing.TB, r io.Reader) []map[string]string {
	t.Helper()
	var out []map[string]string
	cur := map[string]string{}
	last := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if len(cur) > 0 {
				out = append(out, cur)
				cur = map[string]string{}
			}
		case line[0] == ' ':
			cur[last] += "\n" + strings.TrimSpace(line)
		default:
			k, v, _ := strings.Cut(line, ":")
			last = k
			cur[k] = strings.TrimSpace(v)
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func readPackages(t testing.TB, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return readStanzas(t, f)
}

type releaseEntry struct {
	sha256 string
	size   int64
}

// parseRelease returns the Release fields and its SHA256 file list.
func parseRelease(t testing.TB, path string) (map[string]string, map[string]releaseEntry) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st := readStanzas(t, f)
	if len(st) != 1 {
		t.Fatalf("%s: %d stanzas, want 1", path, len(st))
	}
	entries := map[string]releaseEntry{}
	for _, line := range strings.Split(strings.TrimSpace(st[0]["SHA256"]), "\n") {
		parts := strings.Fields(line)
		if len(parts) != 3 {
			t.Fatalf("bad SHA256 line %q", line)
		}
		size, _ := strconv.ParseInt(parts[1], 10, 64)
		entries[parts[2]] = releaseEntry{sha256: parts[0], size: size}
	}
	return st[0], entries
}

// checkTree checks one rendered distribution as apt would see it.
func checkTree(t *testing.T, s *gpgSigner, root, dist string, want []Package) {
	t.Helper()
	d := filepath.Join(root, "dists", dist)
	s.gpgv(t, filepath.Join(d, "InRelease"))
	s.gpgv(t, filepath.Join(d, "Release.gpg"), filepath.Join(d, "Release"))
	fields, entries := parseRelease(t, filepath.Join(d, "Release"))
	if fields["Acquire-By-Hash"] != "yes" || fields["Suite"] != dist || fields["Codename"] != dist {
		t.Errorf("Release fields %v", fields)
	}
	for _, name := range []string{"main/binary-amd64/Packages", "main/binary-amd64/Packages.gz", "main/binary-amd64/Packages.bz2", "main/binary-amd64/Release"} {
		if _, ok := entries[name]; !ok {
			t.Errorf("Release does not list %s", name)
		}
	}
	for name, e := range entries {
		path := filepath.Join(d, name)
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("Release lists %s: %v", name, err)
			continue
		}
		if fi.Size() != e.size || fileSHA256(t, path) != e.sha256 {
			t.Errorf("%s: size %d sha256 %s, Release says %d %s", name, fi.Size(), fileSHA256(t, path), e.size, e.sha256)
		}
		byHash := filepath.Join(filepath.Dir(path), "by-hash", "SHA256", e.sha256)
		if fileSHA256(t, byHash) != e.sha256 {
			t.Errorf("by-hash copy of %s is wrong", name)
		}
		// apt fetches by the strongest hash (SHA512); MD5 and SHA-1 copies
		// are not rendered.
		byHashDir := filepath.Join(filepath.Dir(path), "by-hash")
		if _, err := os.Stat(filepath.Join(byHashDir, "SHA512")); err != nil {
			t.Errorf("no by-hash/SHA512 beside %s: %v", name, err)
		}
		for _, weak := range []string{"MD5Sum", "SHA1"} {
			if _, err := os.Stat(filepath.Join(byHashDir, weak)); err == nil {
				t.Errorf("by-hash/%s rendered beside %s", weak, name)
			}
		}
	}
	checkByHashNames(t, d)
	checkAllListed(t, d, entries)
	checkPackages(t, root, filepath.Join(d, "main/binary-amd64"), want)
}

// checkAllListed: every index in the tree is in Release, so apt can
// verify whatever it downloads.
func checkAllListed(t *testing.T, d string, entries map[string]releaseEntry) {
	t.Helper()
	filepath.WalkDir(d, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(d, path)
		switch {
		case strings.Contains(rel, "by-hash/"), rel == "InRelease", rel == "Release", rel == "Release.gpg":
		default:
			if _, ok := entries[rel]; !ok {
				t.Errorf("%s is not listed in Release", rel)
			}
		}
		return nil
	})
}

// checkByHashNames: every by-hash/SHA256 file's content hashes to its name.
func checkByHashNames(t *testing.T, d string) {
	t.Helper()
	filepath.WalkDir(d, func(path string, e os.DirEntry, err error) error {
		if err != nil {
			t.Error(err)
			return err
		}
		if e.Type()&os.ModeSymlink != 0 {
			t.Errorf("symlink left in the tree: %s", path)
		}
		if filepath.Base(filepath.Dir(path)) == "SHA256" && !e.IsDir() && fileSHA256(t, path) != e.Name() {
			t.Errorf("%s: content sha256 differs from its name", path)
		}
		return nil
	})
}

// checkPackages: Packages, .gz and .bz2 agree, and every entry matches its
// pool file and the expected package.
func checkPackages(t *testing.T, root, dir string, want []Package) {
	t.Helper()
	plain, _ := os.ReadFile(filepath.Join(dir, "Packages"))
	gzf, _ := os.Open(filepath.Join(dir, "Packages.gz"))
	defer gzf.Close()
	gz, err := gzip.NewReader(gzf)
	if err != nil {
		t.Fatal(err)
	}
	fromGz, _ := io.ReadAll(gz)
	bzf, _ := os.Open(filepath.Join(dir, "Packages.bz2"))
	defer bzf.Close()
	fromBz, _ := io.ReadAll(bzip2.NewReader(bzf))
	if string(fromGz) != string(plain) || string(fromBz) != string(plain) {
		t.Error("Packages.gz or Packages.bz2 differs from Packages")
	}
	entries := readPackages(t, filepath.Join(dir, "Packages"))
	if len(entries) != len(want) {
		t.Fatalf("Packages has %d entries, want %d", len(entries), len(want))
	}
	byName := map[string]Package{}
	for _, p := range want {
		byName[p.Name+" "+p.Version] = p
	}
	for _, e := range entries {
		p, ok := byName[e["Package"]+" "+e["Version"]]
		if !ok {
			t.Errorf("unexpected entry %s %s", e["Package"], e["Version"])
			continue
		}
		if e["SHA256"] != p.SHA256 || e["Size"] != strconv.FormatInt(p.Size, 10) || e["Maintainer"] == "" {
			t.Errorf("entry %v does not match %+v", e, p)
		}
		if fileSHA256(t, filepath.Join(root, e["Filename"])) != p.SHA256 {
			t.Errorf("pool file %s does not match its entry", e["Filename"])
		}
	}
}

func addAndSnapshot(t *testing.T, r *Repo, dist string, n int) *Snapshot {
	t.Helper()
	dir := t.TempDir()
	var debs []string
	for i := 0; i < n; i++ {
		debs = append(debs, buildDeb(t, dir, "pkg"+strconv.Itoa(i), "1.0-1~"+dist+"1", "amd64", dist+strconv.Itoa(i)))
	}
	mustAdd(t, r, dist, debs...)
	s, err := r.CreateSnapshot(dist, "")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRender(t *testing.T) {
	forEachBackend(t, func(t *testing.T, ro Options) {
		r := openWith(t, ro)
		s := addAndSnapshot(t, r, "bookworm", 3)
		out := t.TempDir()
		signer := testSigner(t)
		opts := RenderOptions{Architectures: []string{"amd64"}, Signer: signer, Origin: "repoctl-test"}
		if err := r.Render(context.Background(), s.Name, opts, out); err != nil {
			t.Fatal(err)
		}
		checkTree(t, signer, out, "bookworm", s.Packages)
		fields, _ := parseRelease(t, filepath.Join(out, "dists/bookworm/Release"))
		if fields["Architectures"] != "amd64" {
			t.Errorf("Architectures %q", fields["Architectures"])
		}
		if fields["Origin"] != "repoctl-test" || fields["Label"] != "repoctl-test" || fields["Components"] != "main" || fields["Architectures"] != "amd64" {
			t.Errorf("Release fields %v", fields)
		}
		// Rendering again converges on the same tree.
		if err := r.Render(context.Background(), s.Name, opts, out); err != nil {
			t.Fatal(err)
		}
		checkTree(t, signer, out, "bookworm", s.Packages)
		// Indexes are a function of the snapshot: a second render into another
		// directory differs only in the signed Release files (their Date and
		// signatures), so publish uploads nothing else for an unchanged snapshot.
		again := t.TempDir()
		if err := r.Render(context.Background(), s.Name, opts, again); err != nil {
			t.Fatal(err)
		}
		first, second := relSums(t, out), relSums(t, again)
		for _, top := range []string{"dists/bookworm/InRelease", "dists/bookworm/Release", "dists/bookworm/Release.gpg"} {
			delete(first, top)
			delete(second, top)
		}
		if !sameMaps(first, second) || len(first) == 0 {
			t.Error("two renders of one snapshot differ below the top Release files")
		}
		// An "all" package appears in every architecture's index, an amd64 one
		// only in amd64's.
		all := buildDeb(t, t.TempDir(), "data-files", "1.0", "all", "d")
		mustAdd(t, r, "bookworm", all)
		multi, err := r.CreateSnapshot("bookworm", "multi")
		if err != nil {
			t.Fatal(err)
		}
		multiOut := t.TempDir()
		if err := r.Render(context.Background(), "multi", RenderOptions{Architectures: []string{"amd64", "arm64"}, Signer: signer}, multiOut); err != nil {
			t.Fatal(err)
		}
		checkTree(t, signer, multiOut, "bookworm", multi.Packages)
		arm := readPackages(t, filepath.Join(multiOut, "dists/bookworm/main/binary-arm64/Packages"))
		if len(arm) != 1 || arm[0]["Package"] != "data-files" {
			t.Errorf("arm64 index %v, want only data-files", arm)
		}
		// Under a prefix, the whole tree moves below it.
		opts.Prefix = "debian"
		prefixed := t.TempDir()
		if err := r.Render(context.Background(), s.Name, opts, prefixed); err != nil {
			t.Fatal(err)
		}
		checkTree(t, signer, filepath.Join(prefixed, "debian"), "bookworm", s.Packages)
		if ents, _ := os.ReadDir(prefixed); len(ents) != 1 {
			t.Errorf("prefixed render wrote %v beside its prefix", ents)
		}
	})
}

func TestRenderTwoDistsIntoOneDir(t *testing.T) {
	forEachBackend(t, func(t *testing.T, ro Options) {
		r := openWith(t, ro)
		signer := testSigner(t)
		out := t.TempDir()
		bw := addAndSnapshot(t, r, "bookworm", 2)
		tx := addAndSnapshot(t, r, "trixie", 3)
		render := func(s *Snapshot) {
			opts := RenderOptions{Distribution: s.Distribution, Architectures: []string{"amd64"}, Signer: signer}
			if err := r.Render(context.Background(), s.Name, opts, out); err != nil {
				t.Fatal(err)
			}
		}
		render(bw)
		before := treeSums(t, filepath.Join(out, "dists/bookworm"))
		render(tx)
		if after := treeSums(t, filepath.Join(out, "dists/bookworm")); !sameMaps(before, after) {
			t.Error("rendering trixie changed bookworm's files")
		}
		checkTree(t, signer, out, "bookworm", bw.Packages)
		checkTree(t, signer, out, "trixie", tx.Packages)
	})
}

// relSums maps each file's path relative to root to its sha256.
func relSums(t *testing.T, root string) map[string]string {
	out := map[string]string{}
	for path, sum := range treeSums(t, root) {
		rel, _ := filepath.Rel(root, path)
		out[rel] = sum
	}
	return out
}

func treeSums(t *testing.T, root string) map[string]string {
	out := map[string]string{}
	filepath.WalkDir(root, func(path string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			out[path] = fileSHA256(t, path)
		}
		return err
	})
	return out
}

func TestRenderRefusesBadOptions(t *testing.T) {
	r := openTest(t)
	s := addAndSnapshot(t, r, "bookworm", 1)
	signer := testSigner(t)
	for name, opts := range map[string]RenderOptions{
		"no arch":       {Signer: signer},
		"bad arch":      {Signer: signer, Architectures: []string{"AMD 64"}},
		"bad component": {Signer: signer, Architectures: []string{"amd64"}, Component: "Main/x"},
		"escape prefix": {Signer: signer, Architectures: []string{"amd64"}, Prefix: "../x"},
		"dists prefix":  {Signer: signer, Architectures: []string{"amd64"}, Prefix: "a/dists"},
		"bad dist":      {Signer: signer, Architectures: []string{"amd64"}, Distribution: "a/b"},
	} {
		out := t.TempDir()
		err := r.Render(context.Background(), s.Name, opts, out)
		wantUsage(t, err)
		if ents, _ := os.ReadDir(out); len(ents) != 0 {
			t.Errorf("%s: refused render wrote %v", name, ents)
		}
	}
	wantUsage(t, r.Render(context.Background(), "nope", RenderOptions{Signer: signer, Architectures: []string{"amd64"}}, t.TempDir()), "nope")
	if err := r.Render(context.Background(), s.Name, RenderOptions{Architectures: []string{"amd64"}}, t.TempDir()); err == nil {
		t.Error("render without a signer succeeded")
	}
}

var (
	benchOnce sync.Once
	benchDebs []string
	benchDir  string
)

// thousandDebs builds 1000 tiny packages once per test binary run.
func thousandDebs(b *testing.B) []string {
	benchOnce.Do(func() {
		benchDir, _ = os.MkdirTemp("", "bench-debs")
		for i := 0; i < 1000; i++ {
			benchDebs = append(benchDebs, buildDeb(b, benchDir, "pkg"+strconv.Itoa(i), "1.0-1", "amd64", strconv.Itoa(i)))
		}
	})
	return benchDebs
}

// BenchmarkRender1000 renders a signed tree of 1000 packages (gpg signing
// included); it also logs how long adding them took.
func BenchmarkRender1000(b *testing.B) {
	r := openTest(b)
	debs := thousandDebs(b)
	start := time.Now()
	mustAdd(b, r, "bookworm", debs...)
	b.Logf("add 1000 packages: %v", time.Since(start).Round(time.Millisecond))
	if _, err := r.CreateSnapshot("bookworm", "bench"); err != nil {
		b.Fatal(err)
	}
	opts := RenderOptions{Architectures: []string{"amd64"}, Signer: testSigner(b)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := r.Render(context.Background(), "bench", opts, b.TempDir()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAddOneTo1000 adds one new version to a repository of 1000
// packages (Keep=2), then snapshots: the per-release cost on the state side.
func BenchmarkAddOneTo1000(b *testing.B) {
	r := openTest(b)
	mustAdd(b, r, "bookworm", thousandDebs(b)...)
	dir := b.TempDir()
	debs := make([]string, b.N)
	for i := range debs {
		debs[i] = buildDeb(b, dir, "hello", "1."+strconv.Itoa(i), "amd64", strconv.Itoa(i))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.Add(context.Background(), debs[i:i+1], AddOptions{Distribution: "bookworm", Keep: 2}); err != nil {
			b.Fatal(err)
		}
		if _, err := r.CreateSnapshot("bookworm", "s"+strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
	}
}
