package nginxcheck

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// UpstreamHandler is the origin behind /cached/: it answers every path
// with how many times that path was asked, so a cache HIT (same count) is
// told from a MISS (count + 1) by the body alone.
func UpstreamHandler() http.Handler {
	var mu sync.Mutex
	counts := map[string]int{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		counts[r.URL.Path]++
		n := counts[r.URL.Path]
		mu.Unlock()
		fmt.Fprintf(w, "%s n=%d\n", r.URL.Path, n)
	})
}

// Purge checks proxy_cache with cache_purge on path (e.g. /cached/a):
// MISS -> HIT -> PURGE method -> MISS -> HIT -> GET /purge<path> -> MISS.
// Each answer's origin count proves where it came from; the PURGE in the
// caching location itself is what crashed cache_purge 2.3 on nginx 1.19.3+.
func Purge(ctx context.Context, base, path string) error {
	st := &purgeState{ctx: ctx, base: base, path: path}
	st.fetch("MISS", 1)
	st.fetch("HIT", 1)
	st.purge("PURGE", path)
	st.fetch("MISS", 2)
	st.fetch("HIT", 2)
	st.purge("GET", "/purge"+path)
	st.fetch("MISS", 3)
	st.purgeMissing()
	return st.err
}

type purgeState struct {
	ctx        context.Context
	base, path string
	step       int
	err        error
}

func (s *purgeState) fetch(status string, n int) {
	if s.err != nil {
		return
	}
	s.step++
	code, h, body, err := do(s.ctx, "GET", s.base+s.path, "")
	want := fmt.Sprintf("%s n=%d\n", s.path, n)
	switch {
	case err != nil:
		s.err = err
	case code != 200 || h.Get("X-Cache-Status") != status || body != want:
		s.err = fmt.Errorf("purge cycle step %d: GET %s = %d %s %q, want 200 %s %q",
			s.step, s.path, code, h.Get("X-Cache-Status"), body, status, want)
	}
}

func (s *purgeState) purge(method, path string) {
	if s.err != nil {
		return
	}
	s.step++
	code, _, body, err := do(s.ctx, method, s.base+path, "")
	switch {
	case err != nil:
		s.err = fmt.Errorf("purge cycle step %d (worker crashed?): %w", s.step, err)
	case code != 200 || !strings.Contains(body, "Successful purge"):
		s.err = fmt.Errorf("purge cycle step %d: %s %s = %d %q, want 200 Successful purge", s.step, method, path, code, body)
	}
}

// purgeMissing: purging what is not cached answers 404, not a crash.
func (s *purgeState) purgeMissing() {
	if s.err != nil {
		return
	}
	code, _, _, err := do(s.ctx, "PURGE", s.base+s.path+"-never-cached", "")
	switch {
	case err != nil:
		s.err = fmt.Errorf("PURGE of an uncached key: %w", err)
	case code != 404:
		s.err = fmt.Errorf("PURGE of an uncached key = %d, want 404", code)
	}
}
