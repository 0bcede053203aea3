package repo

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestAddThenList(t *testing.T) {
	forEachBackend(t, func(t *testing.T, ro Options) {
		r := openWith(t, ro)
		dir := t.TempDir()
		a := buildDeb(t, dir, "hello", "1.0-1", "amd64", "a")
		b := buildDeb(t, dir, "libfoo1", "2:3.1-2~bookworm1", "all", "b")
		added := mustAdd(t, r, "bookworm", a, b)
		if len(added) != 2 {
			t.Fatalf("added %d packages, want 2: %v", len(added), added)
		}
		got, err := r.List("bookworm")
		if err != nil {
			t.Fatal(err)
		}
		want := []Package{
			{Name: "hello", Version: "1.0-1", Architecture: "amd64", Filename: "hello_1.0-1_amd64.deb", SHA256: fileSHA256(t, a)},
			{Name: "libfoo1", Version: "2:3.1-2~bookworm1", Architecture: "all", Filename: "libfoo1_3.1-2~bookworm1_all.deb", SHA256: fileSHA256(t, b)},
		}
		if len(got) != len(want) {
			t.Fatalf("List = %v, want %v", got, want)
		}
		for i := range want {
			want[i].Size = got[i].Size
			if got[i] != want[i] {
				t.Errorf("List[%d] = %+v, want %+v", i, got[i], want[i])
			}
			if got[i].Size <= 0 {
				t.Errorf("List[%d] size %d", i, got[i].Size)
			}
		}
		if other, _ := r.List("trixie"); len(other) != 0 {
			t.Errorf("trixie has %v, want nothing", other)
		}
	})
}

func TestReAddIdenticalIsNoop(t *testing.T) {
	forEachBackend(t, func(t *testing.T, ro Options) {
		r := openWith(t, ro)
		a := buildDeb(t, t.TempDir(), "hello", "1.0-1", "amd64", "a")
		mustAdd(t, r, "bookworm", a)
		before := dbDump(r)
		// The same bytes under another file name are the same package.
		renamed := filepath.Join(t.TempDir(), "renamed.deb")
		data, _ := os.ReadFile(a)
		os.WriteFile(renamed, data, 0o644)
		if added := mustAdd(t, r, "bookworm", a, renamed); len(added) != 0 {
			t.Errorf("re-add added %v, want nothing", added)
		}
		if !sameMaps(before, dbDump(r)) {
			t.Error("re-adding an identical package changed the database")
		}
	})
}

func TestSameVersionOtherContentRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, ro Options) {
		r := openWith(t, ro)
		a := buildDeb(t, t.TempDir(), "hello", "1.0-1", "amd64", "a")
		b := buildDeb(t, t.TempDir(), "hello", "1.0-1", "amd64", "other")
		mustAdd(t, r, "bookworm", a)
		before := dbDump(r)
		for _, dist := range []string{"bookworm", "trixie"} {
			_, err := r.Add(context.Background(), []string{b}, AddOptions{Distribution: dist})
			wantUsage(t, err, b, fileSHA256(t, a), fileSHA256(t, b))
		}
		if !sameMaps(before, dbDump(r)) {
			t.Error("a refused add changed the database")
		}
		// Both in one call: refused too.
		c := buildDeb(t, t.TempDir(), "other", "1.0", "amd64", "1")
		d := buildDeb(t, t.TempDir(), "other", "1.0", "amd64", "2")
		_, err := r.Add(context.Background(), []string{c, d}, AddOptions{Distribution: "bookworm"})
		wantUsage(t, err, c, d)
	})
}

func TestDowngrade(t *testing.T) {
	forEachBackend(t, func(t *testing.T, ro Options) {
		r := openWith(t, ro)
		dir := t.TempDir()
		v2 := buildDeb(t, dir, "hello", "2.0-1", "amd64", "2")
		v1 := buildDeb(t, dir, "hello", "1.0-1", "amd64", "1")
		mustAdd(t, r, "bookworm", v2)
		before := dbDump(r)
		_, err := r.Add(context.Background(), []string{v1}, AddOptions{Distribution: "bookworm"})
		wantUsage(t, err, "1.0-1", "2.0-1", "--allow-downgrade")
		if !sameMaps(before, dbDump(r)) {
			t.Error("a refused downgrade changed the database")
		}
		// Another distribution has its own history: no downgrade there.
		mustAdd(t, r, "trixie", v1)
		added, err := r.Add(context.Background(), []string{v1}, AddOptions{Distribution: "bookworm", AllowDowngrade: true})
		if err != nil || len(added) != 1 {
			t.Fatalf("AllowDowngrade: added %v, err %v", added, err)
		}
		if got, _ := r.List("bookworm"); len(got) != 2 {
			t.Errorf("bookworm has %v, want both versions", got)
		}
	})
}

func TestCorruptDebRefused(t *testing.T) {
	dir := t.TempDir()
	good1 := buildDeb(t, dir, "good-one", "1.0", "amd64", "1")
	good2 := buildDeb(t, dir, "good-two", "1.0", "amd64", "2")
	data, _ := os.ReadFile(good1)
	truncated := filepath.Join(dir, "truncated.deb")
	os.WriteFile(truncated, data[:len(data)-40], 0o644)
	notAr := filepath.Join(dir, "text.deb")
	os.WriteFile(notAr, []byte("this is not a package\n"), 0o644)
	base := "Architecture: amd64\nMaintainer: T <t@example.invalid>\nDescription: d\n"
	cases := map[string]string{
		"truncated":       truncated,
		"not ar":          notAr,
		"missing":         filepath.Join(dir, "absent.deb"),
		"no Package":      craftDeb(t, filepath.Join(dir, "nopkg.deb"), "Version: 1.0\n"+base),
		"no Version":      craftDeb(t, filepath.Join(dir, "nover.deb"), "Package: x1\n"+base),
		"bad version":     craftDeb(t, filepath.Join(dir, "badver.deb"), "Package: x1\nVersion: v1.0\n"+base),
		"bad name":        craftDeb(t, filepath.Join(dir, "badname.deb"), "Package: Foo_Bar\nVersion: 1.0\n"+base),
		"no Maintainer":   craftDeb(t, filepath.Join(dir, "nomaint.deb"), "Package: x1\nVersion: 1.0\nArchitecture: amd64\nDescription: d\n"),
		"garbage control": craftDeb(t, filepath.Join(dir, "garbage.deb"), "no colon here\n"),
	}
	// The hand-made writer itself is sound: a good control is accepted.
	if _, err := readDeb(craftDeb(t, filepath.Join(dir, "crafted-ok.deb"), "Package: x1\nVersion: 1.0\n"+base)); err != nil {
		t.Fatalf("crafted good package refused: %v", err)
	}
	for name, bad := range cases {
		t.Run(name, func(t *testing.T) {
			r := openTest(t)
			before := dbDump(r)
			_, err := r.Add(context.Background(), []string{good1, bad, good2}, AddOptions{Distribution: "bookworm"})
			wantUsage(t, err, bad)
			if !sameMaps(before, dbDump(r)) {
				t.Error("database changed")
			}
			if got, _ := r.List("bookworm"); len(got) != 0 {
				t.Errorf("bookworm has %v, want nothing", got)
			}
		})
	}
}

func TestAddOptionsChecked(t *testing.T) {
	r := openTest(t)
	a := buildDeb(t, t.TempDir(), "hello", "1.0", "amd64", "a")
	for _, opts := range []AddOptions{{}, {Distribution: "../x"}, {Distribution: "bookworm", Keep: -1}} {
		_, err := r.Add(context.Background(), []string{a}, opts)
		wantUsage(t, err)
	}
	_, err := r.Add(context.Background(), nil, AddOptions{Distribution: "bookworm"})
	wantUsage(t, err)
}

func TestRetentionKeepsSnapshotsRenderable(t *testing.T) {
	forEachBackend(t, func(t *testing.T, ro Options) {
		r := openWith(t, ro)
		dir := t.TempDir()
		var debs []string
		for i, v := range []string{"1.0-1", "1.1-1", "2.0-1", "10.0-1"} {
			debs = append(debs, buildDeb(t, dir, "hello", v, "amd64", v))
			if _, err := r.Add(context.Background(), debs[i:i+1], AddOptions{Distribution: "bookworm", Keep: 2}); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				if _, err := r.CreateSnapshot("bookworm", "first"); err != nil {
					t.Fatal(err)
				}
			}
		}
		got, _ := r.List("bookworm")
		if len(got) != 2 || got[0].Version != "2.0-1" || got[1].Version != "10.0-1" {
			t.Fatalf("after Keep=2 the repo has %v, want 2.0-1 and 10.0-1", got)
		}
		out := t.TempDir()
		err := r.Render(context.Background(), "first", RenderOptions{Architectures: []string{"amd64"}, Signer: testSigner(t)}, out)
		if err != nil {
			t.Fatal(err)
		}
		entries := readPackages(t, filepath.Join(out, "dists/bookworm/main/binary-amd64/Packages"))
		if len(entries) != 1 || entries[0]["Version"] != "1.0-1" {
			t.Fatalf("old snapshot renders %v, want hello 1.0-1", entries)
		}
		if sum := fileSHA256(t, filepath.Join(out, entries[0]["Filename"])); sum != fileSHA256(t, debs[0]) {
			t.Errorf("rendered pool file sha256 %s, want %s", sum, fileSHA256(t, debs[0]))
		}
	})
}

// Rewriting the added file in place (as a rebuild to the same path does)
// must not change the package in the pool.
func TestPoolIndependentOfSourceFile(t *testing.T) {
	r := openTest(t)
	a := buildDeb(t, t.TempDir(), "hello", "1.0-1", "amd64", "a")
	want := fileSHA256(t, a)
	mustAdd(t, r, "bookworm", a)
	if err := os.WriteFile(a, []byte("overwritten"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := r.CreateSnapshot("bookworm", "s"); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := r.Render(context.Background(), "s", RenderOptions{Architectures: []string{"amd64"}, Signer: testSigner(t)}, out); err != nil {
		t.Fatal(err)
	}
	if got := fileSHA256(t, filepath.Join(out, "pool/main/h/hello/hello_1.0-1_amd64.deb")); got != want {
		t.Errorf("pool file changed with its source: sha256 %s, want %s", got, want)
	}
	if ents, _ := os.ReadDir(filepath.Join(r.dir, "tmp")); len(ents) != 0 {
		t.Errorf("temporary import files left: %v", ents)
	}
}
