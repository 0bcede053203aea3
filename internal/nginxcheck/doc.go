// Package nginxcheck checks that a running nginx-realtime serves what the
// package promises: push-stream pub/sub (EventSource, long-polling,
// WebSocket), proxy_cache PURGE (cache_purge) and Lua (ngx_lua with
// lua-resty-core). The build's integration test runs it against the staged
// binary; the end-to-end release test against the installed package.
//
// Config renders an nginx.conf with the locations the checks expect; Run
// starts an nginx on it (loopback only) and stops it.
package nginxcheck
