package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
)

// maxIndex bounds what verify reads into memory for one index or Release
// file: a damaged server must not make it read forever.
const maxIndex = 1 << 30

// fetcher reads repository objects by their path under the base URL, as
// apt does: the path is appended as written (a '+' stays a '+').
type fetcher struct {
	base   string
	client *http.Client
}

// missingError is an object the server says is not there. A public S3
// bucket answers 403, not 404, for a key that does not exist.
type missingError struct{ status int }

func (e *missingError) Error() string { return fmt.Sprintf("missing (HTTP %d)", e.status) }

func isMissing(err error) bool {
	_, ok := err.(*missingError)
	return ok
}

func (f *fetcher) do(ctx context.Context, method, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, f.base+"/"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return resp, nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden:
		resp.Body.Close()
		return nil, &missingError{resp.StatusCode}
	default:
		resp.Body.Close()
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
}

// get reads a whole (index-sized) object.
func (f *fetcher) get(ctx context.Context, path string) ([]byte, error) {
	resp, err := f.do(ctx, http.MethodGet, path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxIndex+1))
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if len(data) > maxIndex {
		return nil, fmt.Errorf("larger than %d bytes", maxIndex)
	}
	return data, nil
}

// size asks for an object's size without its body (-1: not told).
func (f *fetcher) size(ctx context.Context, path string) (int64, error) {
	resp, err := f.do(ctx, http.MethodHead, path)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.ContentLength, nil
}

// hash streams an object (a pool file may be large) and returns its size
// and SHA-256.
func (f *fetcher) hash(ctx context.Context, path string) (int64, string, error) {
	resp, err := f.do(ctx, http.MethodGet, path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil {
		return n, "", fmt.Errorf("reading: %w", err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
