package publish

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"crypto/md5"
)

// remoteRefs returns every key the target's current Releases of dists
// reference: the listed indexes, their by-hash copies, and the pool files
// their Packages and Sources name. It reads one Release and a few indexes
// per distribution, never one request per package.
func remoteRefs(ctx context.Context, t Target, remote map[string]Object, dists []string) (map[string]bool, error) {
	refs := map[string]bool{}
	for _, d := range dists {
		rel, err := remoteRelease(ctx, t, remote, d)
		if errors.Is(err, errNoRelease) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, k := range rel.keys() {
			refs[k] = true
		}
		for _, idx := range rel.indexes() {
			pool, err := remotePoolRefs(ctx, t, "dists/"+d+"/"+idx)
			if err != nil {
				return nil, err
			}
			for _, r := range pool {
				refs[r.key] = true
			}
		}
	}
	return refs, nil
}

func remoteRelease(ctx context.Context, t Target, remote map[string]Object, dist string) (*release, error) {
	for _, name := range []string{"Release", "InRelease"} {
		key := "dists/" + dist + "/" + name
		if _, ok := remote[key]; !ok {
			continue
		}
		data, err := getAll(ctx, t, key)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		rel, err := parseRelease(dist, data)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w: %v", t, key, errBadRelease, err)
		}
		return rel, nil
	}
	return nil, errNoRelease
}

func remotePoolRefs(ctx context.Context, t Target, key string) ([]poolRef, error) {
	r, err := t.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return nil, nil // a broken published Release; nothing it lists can be kept for it
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return poolRefs(key, r)
}

func readPoolRefs(p string) ([]poolRef, error) {
	r, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return poolRefs(p, r)
}

func getAll(ctx context.Context, t Target, key string) ([]byte, error) {
	r, err := t.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func remoteMD5(ctx context.Context, t Target, key string) (string, error) {
	r, err := t.Get(ctx, key)
	if err != nil {
		return "", err
	}
	defer r.Close()
	h := md5.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", fmt.Errorf("read %s/%s: %w", t, key, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
