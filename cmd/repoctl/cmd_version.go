package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set at link time: -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = ""
)

func init() { register(newVersionCmd) }

func newVersionCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print repoctl's version, commit and Go version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v := versionInfo()
			if app.JSON {
				return json.NewEncoder(app.Out).Encode(v)
			}
			_, err := fmt.Fprintf(app.Out, "repoctl %s (commit %s, %s)\n", v.Version, v.Commit, v.Go)
			return err
		},
	}
}

type versionReport struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Go      string `json:"go"`
}

func versionInfo() versionReport {
	v := versionReport{Version: version, Commit: commit, Go: runtime.Version()}
	if v.Commit == "" {
		v.Commit = "unknown"
		if info, ok := debug.ReadBuildInfo(); ok {
			for _, s := range info.Settings {
				if s.Key == "vcs.revision" {
					v.Commit = s.Value
				}
			}
		}
	}
	return v
}
