package nginxcheck

import (
	"bytes"
	"text/template"
)

// Conf is what an nginx.conf for the checks needs.
type Conf struct {
	Dir      string // writable directory: pid, logs, temp and cache files
	Listen   string // 127.0.0.1:PORT
	Upstream string // 127.0.0.1:PORT of an UpstreamHandler server
	LuaLib   string // directory holding resty/core.lua; "" to rely on the built-in default path
	// User runs the workers as this user (only when started as root). Run
	// sets "root" then: the workers write the cache inside the caller's
	// private temporary directory, which "nobody" cannot enter.
	User string
}

// The locations are the checks' contract: /pub, /ev/, /lp/, /ws/, /lua,
// /cached/ (PURGE method) and /purge/ (purge location).
var confTemplate = template.Must(template.New("nginx.conf").Parse(`# written by nginxcheck
daemon off;
master_process on;
{{- if .User}}
user {{.User}};
{{- end}}
worker_processes 1;
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/error.log info;
events { worker_connections 256; }
http {
    access_log {{.Dir}}/access.log;
    client_body_temp_path {{.Dir}}/client_body;
    proxy_temp_path {{.Dir}}/proxy;
    fastcgi_temp_path {{.Dir}}/fastcgi;
    uwsgi_temp_path {{.Dir}}/uwsgi;
    scgi_temp_path {{.Dir}}/scgi;
{{- if .LuaLib}}
    lua_package_path "{{.LuaLib}}/?.lua;;";
{{- end}}
    push_stream_shared_memory_size 16m;
    proxy_cache_path {{.Dir}}/cache levels=1:2 keys_zone=checks:1m;

    server {
        listen {{.Listen}};
        location = /pub {
            push_stream_publisher admin;
            push_stream_channels_path $arg_id;
        }
        location ~ ^/ev/(.+)$ {
            push_stream_subscriber eventsource;
            push_stream_channels_path $1;
        }
        location ~ ^/lp/(.+)$ {
            push_stream_subscriber long-polling;
            push_stream_channels_path $1;
        }
        location ~ ^/ws/(.+)$ {
            push_stream_subscriber websocket;
            push_stream_channels_path $1;
        }
        location = /lua {
            content_by_lua_block {
                local base64 = require "ngx.base64"
                ngx.say("lua ok ", 6 * 7, " ", base64.encode_base64url("realtime"))
            }
        }
        location /cached/ {
            proxy_pass http://{{.Upstream}};
            proxy_cache checks;
            proxy_cache_key $uri;
            proxy_cache_valid 200 10m;
            proxy_cache_purge PURGE from 127.0.0.1;
            add_header X-Cache-Status $upstream_cache_status always;
        }
        location ~ ^/purge(/.*)$ {
            allow 127.0.0.1;
            deny all;
            proxy_cache_purge checks $1;
        }
    }
}
`))

// Config renders the nginx.conf for c.
func Config(c Conf) (string, error) {
	var b bytes.Buffer
	err := confTemplate.Execute(&b, c)
	return b.String(), err
}
