package repo

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestSnapshotCreateListDiff(t *testing.T) {
	forEachBackend(t, func(t *testing.T, ro Options) {
		r := openWith(t, ro)
		dir := t.TempDir()
		h1 := buildDeb(t, dir, "hello", "1.0-1", "amd64", "1")
		h2 := buildDeb(t, dir, "hello", "1:2.0+dfsg-1", "amd64", "2")
		lib := buildDeb(t, dir, "libx1", "0.1", "amd64", "x")
		gone := buildDeb(t, dir, "gone", "1.0", "amd64", "g")

		if _, err := r.CreateSnapshot("bookworm", "empty"); err == nil {
			t.Error("snapshot of an empty distribution succeeded")
		}
		mustAdd(t, r, "bookworm", h1, gone)
		first, err := r.CreateSnapshot("bookworm", "first")
		if err != nil {
			t.Fatal(err)
		}
		if len(first.Packages) != 2 || first.Distribution != "bookworm" {
			t.Fatalf("first = %+v", first)
		}
		// Keep=1 drops hello 1.0-1 from the repo: the diff shows a change.
		if _, err := r.Add(context.Background(), []string{h2, lib}, AddOptions{Distribution: "bookworm", Keep: 1}); err != nil {
			t.Fatal(err)
		}
		second, err := r.CreateSnapshot("bookworm", "")
		if err != nil {
			t.Fatal(err)
		}
		// The name follows the package added last (libx1), with the epoch's ':' and '+' made safe.
		if !regexp.MustCompile(`^bookworm-libx1-0\.1-\d{8}T\d{6}Z$`).MatchString(second.Name) {
			t.Errorf("default name %q", second.Name)
		}
		_, err = r.CreateSnapshot("bookworm", "first")
		wantUsage(t, err, "first", "already exists")
		_, err = r.CreateSnapshot("bookworm", "bad/name")
		wantUsage(t, err)

		list, err := r.Snapshots("bookworm")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Name != "first" || list[1].Name != second.Name {
			t.Fatalf("Snapshots = %v, want first then %s", names(list), second.Name)
		}
		latest, err := r.LatestSnapshot("bookworm")
		if err != nil || latest.Name != second.Name || len(latest.Packages) != 3 {
			t.Fatalf("LatestSnapshot = %+v, %v", latest, err)
		}
		if other, _ := r.Snapshots("trixie"); len(other) != 0 {
			t.Errorf("trixie has snapshots %v", names(other))
		}
		_, err = r.LatestSnapshot("trixie")
		wantUsage(t, err, "trixie")

		changes, err := r.Diff("first", second.Name)
		if err != nil {
			t.Fatal(err)
		}
		want := []Change{
			{Kind: "changed", Name: "hello", Architecture: "amd64", From: "1.0-1", To: "1:2.0+dfsg-1"},
			{Kind: "added", Name: "libx1", Architecture: "amd64", To: "0.1"},
		}
		if !reflect.DeepEqual(changes, want) {
			t.Errorf("Diff = %+v, want %+v", changes, want)
		}
		back, _ := r.Diff(second.Name, "first")
		if len(back) != 2 || back[1].Kind != "removed" || back[1].Name != "libx1" {
			t.Errorf("reverse Diff = %+v", back)
		}
		if same, _ := r.Diff("first", "first"); len(same) != 0 {
			t.Errorf("Diff of a snapshot with itself = %v", same)
		}
		_, err = r.Diff("first", "nope")
		wantUsage(t, err, "nope")
	})
}

func TestDefaultNameSafeForEpochAndPlus(t *testing.T) {
	r := openTest(t)
	mustAdd(t, r, "trixie", buildDeb(t, t.TempDir(), "hello", "1:2.0+dfsg-1", "amd64", "1"))
	s, err := r.CreateSnapshot("trixie", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Name, "trixie-hello-1_2.0_dfsg-1-") || !validSnapshot.MatchString(s.Name) {
		t.Errorf("name %q", s.Name)
	}
	if time.Since(s.Created) > time.Minute || s.Created.Location() != time.UTC {
		t.Errorf("created %v", s.Created)
	}
}

func names(ss []Snapshot) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}

func TestPublishedHistory(t *testing.T) {
	forEachBackend(t, func(t *testing.T, ro Options) {
		r := openWith(t, ro)
		a := addAndSnapshot(t, r, "bookworm", 1)
		mustAdd(t, r, "bookworm", buildDeb(t, t.TempDir(), "zz", "1.0", "amd64", "z"))
		b, err := r.CreateSnapshot("bookworm", "second")
		if err != nil {
			t.Fatal(err)
		}
		if h, err := r.Published("s3://bucket", "bookworm"); err != nil || len(h) != 0 {
			t.Fatalf("fresh history %v, %v", h, err)
		}
		for _, s := range []string{a.Name, b.Name, b.Name} {
			if err := r.RecordPublished("s3://bucket", "bookworm", s); err != nil {
				t.Fatal(err)
			}
		}
		h, _ := r.Published("s3://bucket", "bookworm")
		if !reflect.DeepEqual(h, []string{a.Name, b.Name}) {
			t.Errorf("history %v", h)
		}
		if h, _ := r.Published("file:///other", "bookworm"); len(h) != 0 {
			t.Errorf("another target shares history: %v", h)
		}
		wantUsage(t, r.RecordPublished("s3://bucket", "bookworm", "missing"), "missing")
		wantUsage(t, r.RecordPublished("", "bookworm", a.Name))
		// History survives a reopen.
		dir := r.dir
		r.Close()
		r2, err := Open(Options{Dir: dir, DB: ro.DB})
		if err != nil {
			t.Fatal(err)
		}
		defer r2.Close()
		if h, _ := r2.Published("s3://bucket", "bookworm"); len(h) != 2 {
			t.Errorf("after reopen: %v", h)
		}
	})
}

func TestSecondOpenFailsFast(t *testing.T) {
	forEachBackend(t, func(t *testing.T, ro Options) {
		r := openWith(t, ro)
		start := time.Now()
		_, err := Open(Options{Dir: r.dir, DB: ro.DB})
		if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "pid ") {
			t.Fatalf("second Open: %v, want ErrInUse naming the pid", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("second Open took %v", d)
		}
		r.Close()
		r2, err := Open(Options{Dir: r.dir, DB: ro.DB})
		if err != nil {
			t.Fatalf("Open after Close: %v", err)
		}
		r2.Close()
	})
}

func TestDropSnapshotAndCleanup(t *testing.T) {
	forEachBackend(t, func(t *testing.T, ro Options) {
		r := openWith(t, ro)
		dir := t.TempDir()
		v1 := buildDeb(t, dir, "hello", "1.0-1", "amd64", "1")
		v2 := buildDeb(t, dir, "hello", "2.0-1", "amd64", "2")
		mustAdd(t, r, "bookworm", v1)
		if _, err := r.CreateSnapshot("bookworm", "old"); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Add(context.Background(), []string{v2}, AddOptions{Distribution: "bookworm", Keep: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.CreateSnapshot("bookworm", "new"); err != nil {
			t.Fatal(err)
		}
		// "old" still references 1.0-1: nothing to clean.
		if rep, err := r.Cleanup(); err != nil || rep.Files != 0 || rep.Packages != 0 {
			t.Fatalf("Cleanup with every package referenced: %+v %v", rep, err)
		}
		if err := r.RecordPublished("s3://b", "bookworm", "old"); err != nil {
			t.Fatal(err)
		}
		wantUsage(t, r.DropSnapshot("old"), "live, or the rollback target, at s3://b (bookworm)")
		// Still the rollback target once "new" is live.
		if err := r.RecordPublished("s3://b", "bookworm", "new"); err != nil {
			t.Fatal(err)
		}
		wantUsage(t, r.DropSnapshot("old"), "rollback target")
		if _, err := r.CreateSnapshot("bookworm", "newer"); err != nil {
			t.Fatal(err)
		}
		if err := r.RecordPublished("s3://b", "bookworm", "newer"); err != nil {
			t.Fatal(err)
		}
		if err := r.DropSnapshot("old"); err != nil {
			t.Fatal(err)
		}
		rep, err := r.Cleanup()
		if err != nil || rep.Files != 1 || rep.Packages != 1 || rep.Bytes <= 0 {
			t.Fatalf("Cleanup after dropping old: %+v %v", rep, err)
		}
		paths, _ := r.pool.FilepathList(nil)
		if len(paths) != 1 || !strings.HasSuffix(paths[0], "hello_2.0-1_amd64.deb") {
			t.Errorf("pool holds %v, want only 2.0-1", paths)
		}
		// "new" still renders; 1.0-1 cannot come back with other content.
		if err := r.Render(context.Background(), "new", RenderOptions{Architectures: []string{"amd64"}, Signer: testSigner(t)}, t.TempDir()); err != nil {
			t.Fatal(err)
		}
		other := buildDeb(t, t.TempDir(), "hello", "1.0-1", "amd64", "other")
		_, err = r.Add(context.Background(), []string{other}, AddOptions{Distribution: "bookworm", AllowDowngrade: true})
		wantUsage(t, err, "was added before")
		// The same bytes may come back.
		if _, err := r.Add(context.Background(), []string{v1}, AddOptions{Distribution: "bookworm", AllowDowngrade: true}); err != nil {
			t.Fatal(err)
		}
	})
}
