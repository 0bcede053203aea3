package publish

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/repoctl/repoctl/internal/harness"
)

// TestPublishSharedPool: a pool file two distributions reference stays
// while either references it, and goes after the last one drops it.
func TestPublishSharedPool(t *testing.T) {
	forTargets(t, func(t *testing.T, tt *testTarget) {
		clk := newClock()
		opts := Options{Now: clk.Now, Grace: time.Hour}
		shared := pkg{"libshared", "1.0-1"}
		publishOK(t, stageRepo(t, "bookworm", []pkg{shared, {"a", "1-1"}}), tt, opts)
		publishOK(t, stageRepo(t, "trixie", []pkg{shared, {"b", "1-1"}}), tt, opts)
		for i := 0; i < 2; i++ { // drop it from trixie; let the grace pass
			publishOK(t, stageRepo(t, "trixie", []pkg{{"b", "1-1"}}), tt, opts)
			clk.advance(2 * time.Hour)
		}
		if _, ok := snapshot(t, tt)[shared.poolKey()]; !ok {
			t.Fatal("a pool file bookworm references was deleted by publishing trixie")
		}
		checkServable(t, tt, "bookworm")
		for i := 0; i < 2; i++ {
			publishOK(t, stageRepo(t, "bookworm", []pkg{{"a", "1-1"}}), tt, opts)
			clk.advance(2 * time.Hour)
		}
		if _, ok := snapshot(t, tt)[shared.poolKey()]; ok {
			t.Fatal("a pool file no Release references survived the grace")
		}
	})
}

// TestPublishUnreadableOtherRelease: when another distribution's Release
// cannot be read, nothing is deleted (its pool files might be needed), and
// the publish still goes through.
func TestPublishUnreadableOtherRelease(t *testing.T) {
	tg := newFileTarget(t)
	clk := newClock()
	opts := Options{Now: clk.Now, Grace: time.Hour}
	publishOK(t, stageRepo(t, "bookworm", pkgs(2, "1-1")), tg, opts)
	publishOK(t, stageRepo(t, "trixie", pkgs(2, "1-1")), tg, opts)
	put(t, tg, "dists/trixie/Release", "garbage\n")
	put(t, tg, "dists/trixie/InRelease", "garbage\n")
	for i := 0; i < 2; i++ {
		publishOK(t, stageRepo(t, "bookworm", pkgs(1, "2-1")), tg, opts)
		clk.advance(2 * time.Hour)
	}
	if _, ok := snapshot(t, tg)[pkgs(2, "1-1")[0].poolKey()]; !ok {
		t.Fatal("deleted a pool file while a published Release was unreadable")
	}
}

// TestS3Metadata: pool and by-hash files are cached for long, Release
// files and indexes briefly, each with its Content-Type.
func TestS3Metadata(t *testing.T) {
	s := harness.S3(t)
	tg := newS3Target(t, s, "apt")
	p := pkg{"nginx", "1.0-1"}
	publishOK(t, stageRepo(t, "bookworm", []pkg{p}), tg, Options{})
	want := map[string][2]string{
		p.poolKey():                                    {"application/vnd.debian.binary-package", cacheImmutable},
		"dists/bookworm/InRelease":                     {"text/plain; charset=utf-8", cacheRelease},
		"dists/bookworm/Release.gpg":                   {"application/pgp-signature", cacheRelease},
		"dists/bookworm/main/binary-amd64/Packages.gz": {"application/gzip", cacheIndex},
	}
	objs, _ := tg.List(context.Background(), "dists/bookworm/main/binary-amd64/by-hash/")
	want[objs[0].Key] = [2]string{"application/octet-stream", cacheImmutable}
	for key, w := range want {
		h, err := s.Client().HeadObject(context.Background(), &s3.HeadObjectInput{
			Bucket: aws.String(s.Bucket), Key: aws.String("apt/" + key)})
		if err != nil {
			t.Fatal(err)
		}
		if got := [2]string{aws.ToString(h.ContentType), aws.ToString(h.CacheControl)}; got != w {
			t.Errorf("%s: Content-Type, Cache-Control = %q, want %q", key, got, w)
		}
		if !strings.Contains(aws.ToString(h.ETag), "-") && len(strings.Trim(aws.ToString(h.ETag), `"`)) != 32 {
			t.Errorf("%s: ETag %s is not an MD5", key, aws.ToString(h.ETag))
		}
	}
}
