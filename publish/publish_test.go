package publish

import (
	"context"
	"errors"
	"maps"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/repoctl/repoctl/internal/errs"
)

func TestPublishFirstThenNoChange(t *testing.T) {
	forTargets(t, func(t *testing.T, tt *testTarget) {
		dir := stageRepo(t, "bookworm", pkgs(20, "1.0-1~bookworm1"))
		staged := stagedKeys(t, dir)
		tt.start()
		rep := publishOK(t, dir, tt, Options{})
		if rep.Uploaded != len(staged) || len(tt.puts) != len(staged) {
			t.Errorf("first publish uploaded %d (%d puts), want all %d staged files", rep.Uploaded, len(tt.puts), len(staged))
		}
		if got := snapshot(t, tt); !maps.Equal(got, staged) {
			t.Errorf("target differs from the staging tree:\n got %v\nwant %v", got, staged)
		}
		checkServable(t, tt, "bookworm")

		// aptly renders the same repository again into a new directory.
		tt.start()
		rep = publishOK(t, stageRepo(t, "bookworm", pkgs(20, "1.0-1~bookworm1")), tt, Options{})
		if rep.Uploaded != 0 || rep.Skipped != len(staged) || len(tt.puts) != 0 || len(tt.deletes) != 0 {
			t.Errorf("republish of an unchanged tree: %+v, puts %v, deletes %v; want nothing done",
				rep, tt.puts, tt.deletes)
		}
		if c := tt.serverCounts(t); c != nil && (c["PUT"] != 0 || c["DELETE"] != 0 || c["HEAD"] != 0 || c["LIST"] != 1) {
			t.Errorf("server saw %v on an unchanged republish, want one LIST only", c)
		}
	})
}

// TestPublishAddOneToThousand: adding a package to a repository of 1000
// uploads a constant number of objects and asks nothing per object.
func TestPublishAddOneToThousand(t *testing.T) {
	forTargets(t, func(t *testing.T, tt *testTarget) {
		ps := pkgs(1000, "1.0-1~bookworm1")
		publishOK(t, stageRepo(t, "bookworm", ps), tt, Options{})
		old := snapshot(t, tt)

		tt.start()
		rep := publishOK(t, stageRepo(t, "bookworm", append(ps, pkg{"newpkg", "2.0-1~bookworm1"})), tt, Options{})
		// .deb, Packages, Packages.gz, 2 by-hash, Release, Release.gpg,
		// InRelease, and the state recording 2 superseded by-hash files.
		if len(tt.puts) > 12 || rep.Uploaded > 12 {
			t.Errorf("adding one package uploaded %d objects: %v", len(tt.puts), tt.puts)
		}
		t.Logf("add one to 1000: %d objects, %d bytes, %s: %v", len(tt.puts), rep.BytesUploaded, rep.Duration, tt.puts)
		if c := tt.serverCounts(t); c != nil {
			pages := 1 + len(old)/1000 // one listing, 1000 keys a page
			if c["HEAD"] != 0 || c["LIST"] > pages || c["GET"] > 2 || c["PUT"] != len(tt.puts) {
				t.Errorf("server saw %v: want no HEAD, %d LIST pages, a few GETs, %d PUTs", c, pages, len(tt.puts))
			}
		}
		if tt.gets > 2 {
			t.Errorf("publish made %d Gets, want at most 2 (state, nothing per package)", tt.gets)
		}
		now := snapshot(t, tt)
		for k, sum := range old {
			if isImmutable(k) && now[k] != sum {
				t.Errorf("%s changed or vanished within the grace period", k)
			}
		}
		checkServable(t, tt, "bookworm")
	})
}

// TestPublishLeavesOtherDistAlone: publishing trixie never disturbs
// bookworm, even when the grace of everything has expired.
func TestPublishLeavesOtherDistAlone(t *testing.T) {
	forTargets(t, func(t *testing.T, tt *testTarget) {
		clk := newClock()
		opts := Options{Now: clk.Now, Grace: time.Hour}
		publishOK(t, stageRepo(t, "bookworm", pkgs(10, "1.0-1~bookworm1")), tt, opts)
		bookworm := snapshot(t, tt)

		publishOK(t, stageRepo(t, "trixie", pkgs(5, "1.0-1~trixie1")), tt, opts)
		clk.advance(24 * time.Hour)
		tt.start()
		publishOK(t, stageRepo(t, "trixie", pkgs(3, "1.1-1~trixie1")), tt, opts)
		clk.advance(24 * time.Hour)
		publishOK(t, stageRepo(t, "trixie", pkgs(3, "1.1-1~trixie1")), tt, opts)

		now := snapshot(t, tt)
		for k, sum := range bookworm {
			if now[k] != sum {
				t.Errorf("publishing trixie changed or deleted %s", k)
			}
		}
		for _, k := range tt.deletes {
			if !strings.Contains(k, "trixie") {
				t.Errorf("publishing trixie deleted %s", k)
			}
		}
		if len(tt.deletes) == 0 {
			t.Error("trixie's superseded 1.0 files were never deleted")
		}
		checkServable(t, tt, "bookworm")
		checkServable(t, tt, "trixie")
	})
}

// TestPublishGrace: a superseded pool or by-hash object outlives its last
// Release by the grace period, and is deleted after it (no leak).
func TestPublishGrace(t *testing.T) {
	forTargets(t, func(t *testing.T, tt *testTarget) {
		clk := newClock()
		opts := Options{Now: clk.Now, Grace: 48 * time.Hour}
		v1 := []pkg{{"nginx", "1.0-1~bookworm1"}, {"lua", "1.0-1~bookworm1"}}
		v2 := []pkg{{"nginx", "1.1-1~bookworm1"}, {"lua", "1.0-1~bookworm1"}}
		publishOK(t, stageRepo(t, "bookworm", v1), tt, opts)
		first := snapshot(t, tt)
		clk.advance(time.Hour)
		publishOK(t, stageRepo(t, "bookworm", v2), tt, opts)
		v2dir := stageRepo(t, "bookworm", v2)
		v2keys := stagedKeys(t, v2dir)
		var superseded []string
		for k := range first {
			if _, ok := v2keys[k]; !ok && isImmutable(k) {
				superseded = append(superseded, k)
			}
		}
		if len(superseded) != 3 { // nginx 1.0, the old Packages and Packages.gz by-hash
			t.Fatalf("superseded = %v, want 3 objects", superseded)
		}
		clk.advance(47 * time.Hour)
		tt.start()
		publishOK(t, v2dir, tt, opts)
		have := snapshot(t, tt)
		for _, k := range superseded {
			if _, ok := have[k]; !ok {
				t.Errorf("%s deleted within the grace period", k)
			}
		}
		if len(tt.puts) != 0 {
			t.Errorf("within the grace, an unchanged republish wrote %v", tt.puts)
		}
		clk.advance(2 * time.Hour)
		tt.start()
		rep := publishOK(t, v2dir, tt, opts)
		if rep.Deleted != 3 {
			t.Errorf("after the grace, deleted %d (%v), want 3", rep.Deleted, tt.deletes)
		}
		want := maps.Clone(v2keys)
		want[stateKey] = snapshot(t, tt)[stateKey]
		if got := snapshot(t, tt); !maps.Equal(got, want) {
			t.Errorf("after the grace the target should be the staging tree plus the state:\n got %v\nwant %v", sortedKeys(got), sortedKeys(want))
		}
		if st := readState(t, tt); len(st.Unreferenced) != 0 {
			t.Errorf("state still lists %v", st.Unreferenced)
		}
		checkServable(t, tt, "bookworm")
	})
}

func readState(t *testing.T, tg Target) *publishState {
	t.Helper()
	st, err := loadState(context.Background(), tg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestPublishDryRunChangesNothing(t *testing.T) {
	forTargets(t, func(t *testing.T, tt *testTarget) {
		clk := newClock()
		opts := Options{Now: clk.Now, Grace: time.Hour}
		publishOK(t, stageRepo(t, "bookworm", pkgs(5, "1.0-1~bookworm1")), tt, opts)
		publishOK(t, stageRepo(t, "bookworm", pkgs(5, "1.1-1~bookworm1")), tt, opts)
		before := snapshot(t, tt)
		clk.advance(2 * time.Hour)

		tt.start()
		opts.DryRun = true
		rep := publishOK(t, stageRepo(t, "bookworm", pkgs(6, "1.2-1~bookworm1")), tt, opts)
		if len(tt.puts)+len(tt.deletes) != 0 {
			t.Errorf("dry run wrote %v, deleted %v", tt.puts, tt.deletes)
		}
		if c := tt.serverCounts(t); c != nil && c["PUT"]+c["DELETE"]+c["POST"]+c["COPY"] != 0 {
			t.Errorf("dry run: server saw %v", c)
		}
		if after := snapshot(t, tt); !maps.Equal(before, after) {
			t.Error("dry run changed the target")
		}
		n, bytes := rep.PlannedUploads()
		// 6 .debs, Packages, Packages.gz and their by-hash, 3 Release files.
		if n != 13 || bytes == 0 {
			t.Errorf("dry run planned %d uploads (%d bytes), want 13: %v", n, bytes, rep.Planned)
		}
		var deletes int
		for _, a := range rep.Planned {
			if a.Action == "delete" {
				deletes++
			}
		}
		if deletes != 7 { // the 5 1.0 debs and the 1.0 Packages by-hash
			t.Errorf("dry run planned %d deletes, want 7: %v", deletes, rep.Planned)
		}
		if rep.Uploaded != 0 || rep.Deleted != 0 {
			t.Errorf("dry run reports %d uploaded, %d deleted", rep.Uploaded, rep.Deleted)
		}
	})
}

// TestPublishCancelledMidway: a publish killed after K uploads leaves the
// old repository fully servable, and running it again converges.
func TestPublishCancelledMidway(t *testing.T) {
	forTargets(t, func(t *testing.T, tt *testTarget) {
		v1 := pkgs(50, "1.0-1~bookworm1")
		publishOK(t, stageRepo(t, "bookworm", v1), tt, Options{})
		old := snapshot(t, tt)
		v2 := append(pkgs(50, "1.0-1~bookworm1"), pkgs(70, "1.0-1~bookworm1")[50:]...)
		v2dir := stageRepo(t, "bookworm", v2)

		// Stop among the pool files, then once the indexes and the new
		// Release are written but not InRelease: apt still gets the old one.
		for _, stop := range []func(key string, n int) bool{
			func(_ string, n int) bool { return n >= 3 },
			func(key string, _ int) bool { return key == "dists/bookworm/Release" },
		} {
			ctx, cancel := context.WithCancel(context.Background())
			tt.start()
			tt.afterPut = func(key string, n int) {
				if stop(key, n) {
					cancel()
				}
			}
			rep, err := Publish(ctx, v2dir, tt, Options{Jobs: 4})
			tt.afterPut = nil
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled publish: err = %v", err)
			}
			if rep.Switched {
				t.Fatal("a publish cancelled before InRelease reports Switched")
			}
			for _, key := range tt.puts {
				if path.Base(key) == "InRelease" {
					t.Fatalf("cancelled, yet InRelease was written: %v", tt.puts)
				}
			}
			checkServable(t, tt, "bookworm") // the old repository, whole
			now := snapshot(t, tt)
			for key, sum := range old {
				if isImmutable(key) && now[key] != sum {
					t.Errorf("cancelled publish changed %s", key)
				}
			}
		}
		tt.start()
		rep := publishOK(t, v2dir, tt, Options{})
		if !rep.Switched {
			t.Error("a complete publish does not report Switched")
		}
		// Converged: the staging tree, plus the superseded objects in their
		// grace period and the state that records them.
		want := stagedKeys(t, v2dir)
		got := snapshot(t, tt)
		unref := readState(t, tt).Unreferenced
		for k, sum := range got {
			_, inGrace := unref[k]
			if want[k] != sum && !inGrace && k != stateKey {
				t.Errorf("after the re-run, %s is neither staged nor in its grace period", k)
			}
		}
		for k := range want {
			if _, ok := got[k]; !ok {
				t.Errorf("after the re-run, %s is missing", k)
			}
		}
		if rep.Uploaded >= len(stagedKeys(t, v2dir))-50 {
			t.Errorf("re-run uploaded %d: it should reuse what the cancelled runs uploaded", rep.Uploaded)
		}
		checkServable(t, tt, "bookworm")
	})
}

// TestPublishOrder: pool and by-hash, then indexes, then Release,
// Release.gpg and InRelease last.
func TestPublishOrder(t *testing.T) {
	forTargets(t, func(t *testing.T, tt *testTarget) {
		publishOK(t, stageRepo(t, "bookworm", pkgs(30, "1.0-1~bookworm1")), tt, Options{})
		for _, puts := range [][]string{tt.puts, func() []string {
			tt.start()
			publishOK(t, stageRepo(t, "bookworm", pkgs(31, "1.0-1~bookworm1")), tt, Options{})
			return tt.puts
		}()} {
			checkOrder(t, puts)
		}
		if c := tt.serverCounts(t); c != nil {
			var order []string
			for _, r := range tt.s3.Requests(tt.mark) {
				if r.Method == "PUT" {
					order = append(order, strings.TrimPrefix(r.Key, "apt/"))
				}
			}
			checkOrder(t, order) // as the server received them
		}
	})
}

func checkOrder(t *testing.T, puts []string) {
	t.Helper()
	rank := func(k string) int {
		switch {
		case isImmutable(k):
			return 0
		case k == "dists/bookworm/Release":
			return 2
		case k == "dists/bookworm/Release.gpg":
			return 3
		case k == "dists/bookworm/InRelease":
			return 4
		case strings.HasPrefix(k, stateDir):
			return 5
		}
		return 1
	}
	for i := 1; i < len(puts); i++ {
		if rank(puts[i]) < rank(puts[i-1]) {
			t.Fatalf("%s uploaded after %s: order %v", puts[i], puts[i-1], puts)
		}
	}
	if len(puts) < 6 {
		t.Fatalf("only %d uploads: %v", len(puts), puts)
	}
}

// TestPublishRefusesChangedPoolFile: the same version with other content
// would break every client of the published repository.
func TestPublishRefusesChangedPoolFile(t *testing.T) {
	forTargets(t, func(t *testing.T, tt *testTarget) {
		ps := pkgs(3, "1.0-1~bookworm1")
		publishOK(t, stageRepo(t, "bookworm", ps), tt, Options{})
		before := snapshot(t, tt)
		tt.start()
		_, err := Publish(context.Background(), stageRepoVariant(t, "bookworm", ps, "rebuilt"), tt, Options{})
		if err == nil || errs.Code(err) != errs.ExitUsage || !strings.Contains(err.Error(), "bump the revision") {
			t.Fatalf("err = %v, want a usage error about the changed version", err)
		}
		if len(tt.puts) != 0 || !maps.Equal(before, snapshot(t, tt)) {
			t.Errorf("refused publish wrote %v", tt.puts)
		}
	})
}

// TestPublishRefusesBadStaging: nothing is published that does not match
// its own Release and Packages.
func TestPublishRefusesBadStaging(t *testing.T) {
	ps := pkgs(3, "1.0-1~bookworm1")
	idx := "dists/bookworm/main/binary-amd64/Packages"
	cases := map[string]struct {
		spoil func(dir string)
		want  string
	}{
		"truncated index": {func(dir string) { writeFile(t, dir, idx, []byte("truncated")) }, "but the index says 1"},
		"corrupt pool file": {func(dir string) {
			body := ps[1].debBody("")
			body[len(body)-1] ^= 1
			writeFile(t, dir, ps[1].poolKey(), body)
		}, "has SHA-256"},
		"missing pool file": {func(dir string) { os.Remove(filepath.Join(dir, ps[2].poolKey())) }, "neither staged nor published"},
		"missing by-hash": {func(dir string) {
			os.RemoveAll(filepath.Join(dir, "dists/bookworm/main/binary-amd64/by-hash"))
		}, "neither staged nor published"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			tg := newFileTarget(t)
			dir := stageRepo(t, "bookworm", ps)
			c.spoil(dir)
			_, err := Publish(context.Background(), dir, tg, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if objs, _ := tg.List(context.Background(), ""); len(objs) != 0 {
				t.Errorf("refused publish wrote %v", objectKeys(objs))
			}
		})
	}
}
