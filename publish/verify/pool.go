package verify

import (
	"context"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// poolEntry is what the indexes promise about one pool file.
type poolEntry struct {
	Size  int64
	Hash  string
	Index string // the index that first listed it, for messages
}

// packages reads a Packages index and records the pool files it names.
// A file listed twice (arch all in every binary-* index, or in several
// dists) must be listed the same way each time.
func (v *verifier) packages(object string, r io.Reader) {
	err := paragraphs(r, func(p paragraph) error {
		v.report.Packages++
		v.poolEntry(object, p)
		return nil
	})
	if err != nil {
		v.problem(object, "cannot parse: %v", err)
	}
}

func (v *verifier) poolEntry(object string, p paragraph) {
	id := p["Package"] + " " + p["Version"] + " " + p["Architecture"]
	file := p["Filename"]
	size, err := strconv.ParseInt(p["Size"], 10, 64)
	hash := strings.ToLower(p["SHA256"])
	switch {
	case file == "":
		v.problem(object, "package %s has no Filename", id)
		return
	case err != nil || size < 0:
		v.problem(object, "package %s has no valid Size", id)
		return
	case len(hash) != 64:
		v.problem(object, "package %s has no SHA256", id)
		return
	}
	if strings.Contains(file, "+") {
		v.warn(file, "'+' in a file name: some S3 front ends read it as a space when apt does not escape it")
	}
	if prev, ok := v.pool[file]; ok {
		if prev.Size != size || prev.Hash != hash {
			v.problem(file, "listed with different Size or SHA256 in %s and %s", prev.Index, object)
		}
		return
	}
	v.pool[file] = poolEntry{Size: size, Hash: hash, Index: object}
}

// checkPool checks every pool file the indexes name: presence and size by
// HEAD, and size and SHA-256 by GET for a sample of them (all with Full).
// The sample is random, so that repeated runs cover the whole pool.
func (v *verifier) checkPool(ctx context.Context) {
	files := make([]string, 0, len(v.pool))
	for f := range v.pool {
		files = append(files, f)
	}
	slices.Sort(files)
	hashed := map[string]bool{}
	for i, j := range rand.Perm(len(files)) {
		if !v.opts.Full && i >= v.opts.Sample {
			break
		}
		hashed[files[j]] = true
	}
	v.report.PoolFiles = len(files)
	if len(files) == 0 {
		return
	}
	bar := v.opts.Progress.Bar("verify pool", int64(len(files)))
	defer bar.Done()

	work := make(chan string)
	var wg sync.WaitGroup
	for range v.opts.Jobs {
		wg.Go(func() {
			for f := range work {
				v.poolFile(ctx, f, v.pool[f], hashed[f])
				bar.Add(1)
			}
		})
	}
	for _, f := range files {
		if ctx.Err() != nil {
			break
		}
		work <- f
	}
	close(work)
	wg.Wait()
	// Workers finish in any order: sort so that reports compare.
	slices.SortStableFunc(v.report.Problems, func(a, b Problem) int { return strings.Compare(a.Object, b.Object) })
}

func (v *verifier) poolFile(ctx context.Context, file string, e poolEntry, hash bool) {
	if !hash {
		n, err := v.f.size(ctx, file)
		switch {
		case err != nil:
			v.problem(file, "%v", err)
			return
		case n >= 0 && n != e.Size:
			v.problem(file, "size %d, %s says %d", n, e.Index, e.Size)
			return
		case n >= 0:
			return
		}
		// The server did not tell the size: read the file instead.
	}
	n, sum, err := v.f.hash(ctx, file)
	if err == nil {
		v.mu.Lock()
		v.report.PoolChecked++
		v.mu.Unlock()
	}
	switch {
	case err != nil:
		v.problem(file, "%v", err)
	case n != e.Size:
		v.problem(file, "size %d, %s says %d", n, e.Index, e.Size)
	case sum != e.Hash:
		v.problem(file, "SHA256 %s, %s says %s", sum, e.Index, e.Hash)
	}
}
