package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/repoctl/repoctl/internal/errs"
)

func init() { register(newServeCmd) }

type serveOptions struct {
	Addr string
	Dir  string
}

func newServeCmd(app *App) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a file:// target over HTTP (for trying a repository on this machine)",
		Long: `serve makes the directory of a file:// target readable over plain HTTP, as
an S3 bucket with anonymous read would be, so that a host or a chroot on this
machine can apt-get from it. It is for trying things out, not for a fleet.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Dir == "" {
				dir, err := fileTargetDir(app.Config.Target)
				if err != nil {
					return err
				}
				o.Dir = dir
			}
			return runServe(cmd, app, o)
		},
	}
	cmd.Flags().StringVar(&o.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().StringVar(&o.Dir, "dir", "", "directory to serve (default: the file:// target's directory)")
	return cmd
}

func runServe(cmd *cobra.Command, app *App, o serveOptions) error {
	if st, err := os.Stat(o.Dir); err != nil || !st.IsDir() {
		return errs.Usage(fmt.Errorf("serve: %s is not a directory (publish first: repoctl release)", o.Dir))
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return errs.Usage(fmt.Errorf("serve: %w", err))
	}
	fmt.Fprintf(app.Err, "serving %s on http://%s/ (Ctrl-C to stop)\n", o.Dir, ln.Addr())
	srv := &http.Server{Handler: http.FileServer(http.Dir(o.Dir)), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-cmd.Context().Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}

// fileTargetDir returns the directory of a file:// target URL
// (file:///abs/dir or file://./relative/dir).
func fileTargetDir(target string) (string, error) {
	rest, ok := strings.CutPrefix(target, "file://")
	if !ok || rest == "" {
		return "", errs.Usage(fmt.Errorf("target %q is not a file:// directory", target))
	}
	return rest, nil
}
