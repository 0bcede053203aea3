package nginxcheck

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// client has a timeout per request: a check must fail, not hang.
var client = &http.Client{Timeout: 10 * time.Second}

// do sends one request and returns status, the headers and the body.
func do(ctx context.Context, method, url, body string) (int, http.Header, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, "", fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header, string(b), err
}

// Lua checks content_by_lua_block, with a function from lua-resty-core
// (ngx.base64), so a missing lualib fails here.
func Lua(ctx context.Context, base string) error {
	code, _, body, err := do(ctx, "GET", base+"/lua", "")
	if err != nil {
		return err
	}
	const want = "lua ok 42 cmVhbHRpbWU\n"
	if code != 200 || body != want {
		return fmt.Errorf("lua: GET /lua = %d %q, want 200 %q", code, body, want)
	}
	return nil
}
