package source

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/repoctl/repoctl/internal/errs"
)

// Downloads are tried this many times, waiting retryBase, 2*retryBase, ...
// between tries; tests shorten retryBase.
var (
	attempts  = 4
	retryBase = time.Second
)

// permanent marks a download error that another try would not fix (a 404,
// a file too big, a full disk).
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// download fetches u into a new temporary file in dir, retrying transient
// failures (5xx, 429, connection reset, timeout, truncated body) with
// exponential backoff. It returns the file and the SHA-256 of its bytes.
func download(ctx context.Context, o Options, label, u, dir string, limit int64) (string, string, error) {
	var last error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			wait := retryBase << (i - 1)
			o.Progress.Notef("%s: %v; retrying in %s (attempt %d of %d)", label, last, wait, i+1, attempts)
			select {
			case <-ctx.Done():
				return "", "", ctx.Err()
			case <-time.After(wait):
			}
		}
		tmp, sum, err := downloadOnce(ctx, o, label, u, dir, limit)
		if err == nil {
			return tmp, sum, nil
		}
		var p permanent
		if errors.As(err, &p) || ctx.Err() != nil {
			return "", "", err
		}
		last = err
	}
	return "", "", fmt.Errorf("%w (gave up after %d attempts)", last, attempts)
}

func downloadOnce(ctx context.Context, o Options, label, u, dir string, limit int64) (string, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", "", permanent{errs.Usage(fmt.Errorf("%s: %w", label, err))}
	}
	resp, err := o.HTTP.Do(req)
	var cert *tls.CertificateVerificationError
	switch {
	case errors.As(err, &cert): // retrying will not fix a certificate
		return "", "", permanent{fmt.Errorf("%s: %w", label, err)}
	case err != nil:
		return "", "", fmt.Errorf("%s: %w", label, err)
	}
	defer resp.Body.Close()
	if err := checkResponse(resp, label, u, limit); err != nil {
		return "", "", err
	}
	f, err := os.CreateTemp(dir, ".part-*")
	if err != nil {
		return "", "", permanent{err}
	}
	bar := o.Progress.Bar(label, resp.ContentLength)
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h, barWriter{bar}), io.LimitReader(resp.Body, limit+1))
	bar.Done()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		err = fmt.Errorf("%s: GET %s: after %d bytes: %w", label, u, n, err)
	case n > limit:
		err = permanent{fmt.Errorf("%s: GET %s: more than %d bytes: refused", label, u, limit)}
	case resp.ContentLength >= 0 && n != resp.ContentLength:
		err = fmt.Errorf("%s: GET %s: got %d of %d bytes: %w", label, u, n, resp.ContentLength, io.ErrUnexpectedEOF)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", "", err
	}
	return f.Name(), hex.EncodeToString(h.Sum(nil)), nil
}

func checkResponse(resp *http.Response, label, u string, limit int64) error {
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("%s: GET %s: %s", label, u, resp.Status)
	default:
		return permanent{errs.Usage(fmt.Errorf("%s: GET %s: %s", label, u, resp.Status))}
	}
	if resp.ContentLength > limit {
		return permanent{fmt.Errorf("%s: GET %s: %d bytes is more than the %d allowed", label, u, resp.ContentLength, limit)}
	}
	return nil
}

type barWriter struct{ b interface{ Add(int64) } }

func (w barWriter) Write(p []byte) (int, error) {
	w.b.Add(int64(len(p)))
	return len(p), nil
}
