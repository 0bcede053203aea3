package publish

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/repoctl/repoctl/internal/harness"
)

// BenchmarkPublish1000 prints objects and time for the three publishes a
// release makes most: the first of 1000 packages, adding one, and a
// republish with nothing changed, against a directory and real S3.
// Figures only: it passes or fails on correctness, never on time.
func BenchmarkPublish1000(b *testing.B) {
	b.Run("file", func(b *testing.B) { benchPublish(b, func() Target { return newFileTarget(b) }, nil) })
	b.Run("s3", func(b *testing.B) {
		s := harness.S3(b)
		n := 0
		benchPublish(b, func() Target {
			n++
			return newS3Target(b, s, "bench"+string(rune('a'+n%26))+time.Now().Format("150405.000000"))
		}, s)
	})
}

// BenchmarkPublishRTT30ms: the first publish of 1000 packages through a
// proxy adding ~30 ms round trip, with 16 parallel uploads and with one
// (as aptly's S3 publishing does, FACTS §3).
func BenchmarkPublishRTT30ms(b *testing.B) {
	s := harness.S3(b)
	dir := stageRepo(b, "bookworm", pkgs(1000, "1.0-1~bookworm1"))
	proxy := "http://" + delayProxy(b, strings.TrimPrefix(s.Endpoint, "http://"), 15*time.Millisecond)
	for i := 0; i < b.N; i++ {
		for _, jobs := range []int{16, 1} {
			s3Env(b, s.AccessKey, s.SecretKey, s.Region)
			tg, err := OpenTarget(context.Background(), fmt.Sprintf("s3://%s/rtt%d-%d", s.Bucket, i, jobs),
				TargetOptions{Endpoint: proxy, PathStyle: true})
			if err != nil {
				b.Fatal(err)
			}
			rep, err := Publish(context.Background(), dir, tg, Options{Jobs: jobs})
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("30ms RTT, %2d jobs: %d objects in %s", jobs, rep.Uploaded, rep.Duration.Round(time.Millisecond))
		}
	}
}

func benchPublish(b *testing.B, newTarget func() Target, s *harness.S3Server) {
	ps := pkgs(1000, "1.0-1~bookworm1")
	first := stageRepo(b, "bookworm", ps)
	plusOne := stageRepo(b, "bookworm", append(ps, pkg{"newpkg", "1.0-1~bookworm1"}))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tg := newTarget()
		for _, step := range []struct{ name, dir string }{
			{"first 1000", first}, {"add one", plusOne}, {"no change", plusOne},
		} {
			var mark harness.Mark
			if s != nil {
				mark = s.Mark()
			}
			rep, err := Publish(context.Background(), step.dir, tg, Options{})
			if err != nil {
				b.Fatal(err)
			}
			line := ""
			if s != nil {
				c := s.RequestCounts(mark)
				line = " server: " + formatCounts(c)
			}
			b.Logf("%s %-10s: %4d objects uploaded (%7d bytes), %4d unchanged, in %s%s", tg, step.name,
				rep.Uploaded, rep.BytesUploaded, rep.Skipped, rep.Duration.Round(time.Millisecond), line)
		}
	}
}

func formatCounts(c map[string]int) string {
	out := ""
	for _, m := range sortedKeys(c) {
		out += m + "=" + itoa(c[m]) + " "
	}
	return out
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}
