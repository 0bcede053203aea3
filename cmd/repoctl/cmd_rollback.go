package main

import (
	"github.com/spf13/cobra"
)

func init() { register(newRollbackCmd) }

func newRollbackCmd(app *App) *cobra.Command {
	var o publishCmdOptions
	cmd := &cobra.Command{
		Use:   "rollback [SNAPSHOT]",
		Short: "Publish the previously published (or the named) snapshot again",
		Long: `rollback publishes again the snapshot that the target served before the
live one (or the named one). The packages of later snapshots stay in the
pool for the grace period; hosts that already upgraded downgrade with
apt-get install NAME=VERSION.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Snapshot = args[0]
			}
			return runPublish(cmd.Context(), app, o, true)
		},
	}
	o.publishFlags.AddFlags(cmd)
	cmd.Flags().StringVar(&o.PassphraseFile, "passphrase-file", "", "file holding the signing key's passphrase")
	return cmd
}
