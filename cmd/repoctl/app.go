package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/repoctl/repoctl/internal/progress"
)

// App is what every command gets: the parsed global flags and config, the
// output streams and a progress reporter. Commands build their own options
// struct from it and call a run function that tests can call without cobra.
type App struct {
	ConfigFile string // --config
	State      string // --state: directory (or etcd:// URL)
	CacheDir   string // --cache-dir: local files when State is etcd ("" = ./.repoctl)
	JSON       bool   // --json: machine-readable output on stdout
	Verbose    bool   // -v
	NoProgress bool   // --no-progress

	Config *Config // loaded lazily by (*App).LoadConfig

	Out      io.Writer // results (JSON when --json)
	Err      io.Writer // progress, notes, warnings
	Progress progress.Reporter
	// Terminal is true when stdin is a terminal (interactive prompts allowed).
	Terminal bool
}

// commands lists the constructors of the top-level commands; each command's
// file appends its own in an init function, so adding a command touches
// one file.
var commands []func(*App) *cobra.Command

func register(c func(*App) *cobra.Command) { commands = append(commands, c) }
