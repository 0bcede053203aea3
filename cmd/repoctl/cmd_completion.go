package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/repoctl/repoctl/internal/errs"
)

func init() { register(newCompletionCmd) }

func newCompletionCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:       "completion bash|zsh|fish",
		Short:     "Print a shell completion script",
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"bash", "zsh", "fish"},
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(app.Out, true)
			case "zsh":
				return root.GenZshCompletion(app.Out)
			case "fish":
				return root.GenFishCompletion(app.Out, true)
			}
			return errs.Usage(fmt.Errorf("unknown shell %q: want bash, zsh or fish", args[0]))
		},
	}
}
