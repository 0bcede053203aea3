package main

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/repoctl/repoctl/publish"
)

// targetTransport serves HTTP GET and HEAD from a publish target, so that
// verify reads a private bucket (or one without a public URL) through the
// same code path that reads a public one.
type targetTransport struct{ t publish.Target }

func (tt targetTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	key := strings.TrimPrefix(req.URL.Path, "/")
	resp := &http.Response{Request: req, Header: http.Header{}, ProtoMajor: 1, ProtoMinor: 1}
	body, err := tt.t.Get(req.Context(), key)
	switch {
	case errors.Is(err, publish.ErrNotFound):
		resp.StatusCode, resp.Status = 404, "404 Not Found"
		resp.Body = io.NopCloser(strings.NewReader(""))
		return resp, nil
	case err != nil:
		return nil, err
	}
	data, err := io.ReadAll(body)
	body.Close()
	if err != nil {
		return nil, err
	}
	resp.StatusCode, resp.Status = 200, "200 OK"
	resp.ContentLength = int64(len(data))
	resp.Header.Set("Content-Length", strconv.Itoa(len(data)))
	if req.Method == http.MethodHead {
		data = nil
	}
	resp.Body = io.NopCloser(strings.NewReader(string(data)))
	return resp, nil
}
