package publish

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// pkg is one package of a generated repository.
type pkg struct{ name, version string }

func pkgs(n int, version string) []pkg {
	out := make([]pkg, n)
	for i := range out {
		out[i] = pkg{fmt.Sprintf("pkg%04d", i), version}
	}
	return out
}

func (p pkg) poolKey() string {
	return fmt.Sprintf("pool/main/%c/%s/%s_%s_amd64.deb", p.name[0], p.name, p.name, p.version)
}

// debBody is a stand-in .deb whose bytes depend on name, version and the
// variant, so tests can make "the same version with other content".
func (p pkg) debBody(variant string) []byte {
	head := fmt.Sprintf("!<arch>\ndebian-binary %s %s %s\n", p.name, p.version, variant)
	return append([]byte(head), bytes.Repeat([]byte{byte(len(p.name) + len(p.version))}, 300)...)
}

// stageRepo renders a repository the way aptly lays it out (pool, Packages
// and Packages.gz with by-hash copies, a component Release, the dist
// Release, InRelease and Release.gpg) into a fresh directory. The Release
// is not signed: signatures are checked elsewhere.
func stageRepo(t testing.TB, dist string, ps []pkg) string {
	t.Helper()
	return stageRepoVariant(t, dist, ps, "")
}

func stageRepoVariant(t testing.TB, dist string, ps []pkg, variant string) string {
	t.Helper()
	dir := t.TempDir()
	var idx strings.Builder
	sorted := append([]pkg(nil), ps...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].poolKey() < sorted[j].poolKey() })
	for _, p := range sorted {
		body := p.debBody(variant)
		writeFile(t, dir, p.poolKey(), body)
		fmt.Fprintf(&idx, "Package: %s\nVersion: %s\nArchitecture: amd64\nMaintainer: repoctl tests <t@example.org>\n"+
			"Installed-Size: 1\nFilename: %s\nSize: %d\nMD5sum: %s\nSHA256: %s\nDescription: test package %s\n\n",
			p.name, p.version, p.poolKey(), len(body), md5Hex(body), sha256Hex(body), p.name)
	}
	packages := []byte(idx.String())
	comp := "main/binary-amd64/"
	files := map[string][]byte{
		comp + "Packages":    packages,
		comp + "Packages.gz": gzipBytes(t, packages),
		comp + "Release":     []byte(fmt.Sprintf("Archive: %s\nComponent: main\nArchitecture: amd64\n", dist)),
	}
	for name, data := range files {
		writeFile(t, dir, "dists/"+dist+"/"+name, data)
		// aptly makes by-hash copies of every index, the component Release too.
		writeFile(t, dir, "dists/"+dist+"/"+byHashKey(name, "SHA256", sha256Hex(data)), data)
	}
	rel := releaseText(dist, files)
	writeFile(t, dir, "dists/"+dist+"/Release", rel)
	writeFile(t, dir, "dists/"+dist+"/InRelease", rel)
	writeFile(t, dir, "dists/"+dist+"/Release.gpg", []byte("signature of "+sha256Hex(rel)+"\n"))
	return dir
}

func releaseText(dist string, files map[string][]byte) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Origin: repoctl\nLabel: repoctl\nSuite: %s\nCodename: %s\n"+
		"Date: Thu, 03 Dec 2026 00:00:00 UTC\nArchitectures: amd64\nComponents: main\nAcquire-By-Hash: yes\n", dist, dist)
	names := sortedKeys(files)
	for _, algo := range []string{"MD5Sum", "SHA256"} {
		b.WriteString(algo + ":\n")
		for _, n := range names {
			sum := sha256Hex(files[n])
			if algo == "MD5Sum" {
				sum = md5Hex(files[n])
			}
			fmt.Fprintf(&b, " %s %d %s\n", sum, len(files[n]), n)
		}
	}
	return []byte(b.String())
}

func writeFile(t testing.TB, dir, key string, data []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func gzipBytes(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	z := gzip.NewWriter(&b) // no name, no time: the same input gives the same bytes
	z.Write(data)
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func md5Hex(b []byte) string    { s := md5.Sum(b); return hex.EncodeToString(s[:]) }
func sha256Hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// checkServable reads dist from the target as apt with Acquire-By-Hash
// does: InRelease, each index by its SHA256 by-hash name, each pool file
// Packages names, checking sizes and hashes. It is the "never a mix"
// invariant, checked from the client's side.
func checkServable(t testing.TB, tg Target, dist string) {
	t.Helper()
	ctx := context.Background()
	inrel, err := getAll(ctx, tg, "dists/"+dist+"/InRelease")
	if err != nil {
		t.Fatalf("apt would fail: %v", err)
	}
	rel, err := parseRelease(dist, inrel)
	if err != nil {
		t.Fatalf("apt would fail: %v", err)
	}
	for p, e := range rel.files {
		data := mustGetHashed(t, tg, "dists/"+dist+"/"+byHashKey(p, "SHA256", e.sums["SHA256"]), e.size, e.sums["SHA256"])
		if path.Base(p) != "Packages" {
			continue
		}
		for _, para := range strings.Split(string(data), "\n\n") {
			f := fields(para)
			if f["Filename"] != "" {
				mustGetHashed(t, tg, f["Filename"], atoi(t, f["Size"]), f["SHA256"])
			}
		}
	}
}

func mustGetHashed(t testing.TB, tg Target, key string, size int64, sha string) []byte {
	t.Helper()
	data, err := getAll(context.Background(), tg, key)
	if err != nil {
		t.Fatalf("apt would fail: %v", err)
	}
	if int64(len(data)) != size || sha256Hex(data) != sha {
		t.Fatalf("apt would fail: %s: %d bytes, sha256 %s; want %d, %s", key, len(data), sha256Hex(data), size, sha)
	}
	return data
}

func fields(para string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(para, "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			m[k] = v
		}
	}
	return m
}

func atoi(t testing.TB, s string) int64 {
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("bad size %q", s)
	}
	return n
}

// snapshot maps every object of the target to its MD5.
func snapshot(t testing.TB, tg Target) map[string]string {
	t.Helper()
	objs, err := tg.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, o := range objs {
		m[o.Key] = o.ETag
	}
	return m
}

// stagedKeys lists the files of a staging tree.
func stagedKeys(t testing.TB, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, _ := os.ReadFile(p)
		m[filepath.ToSlash(rel)] = md5Hex(data)
		return nil
	})
	return m
}
