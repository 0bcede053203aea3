package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/signing"
)

func init() { register(newKeysCmd) }

// keysOptions are the flags every keys subcommand shares.
type keysOptions struct {
	KeysDir        string // public keys: <name>.asc and <name>.gpg
	PassphraseFile string
}

func newKeysCmd(app *App) *cobra.Command {
	var o keysOptions
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Generate, import, list, export and rotate the repository signing keys",
		Long: `keys manages the OpenPGP keys that sign the repository (InRelease,
Release.gpg) and the packages (_gpgorigin). Secret keys stay in the state
directory (mode 0600); public keys go to --keys-dir as NAME.asc and NAME.gpg
(the keyring hosts name in Signed-By). A passphrase is read from
--passphrase-file, REPOCTL_SIGNING_PASSPHRASE, or a prompt on a terminal;
never from a flag value. Rotation: docs/keys.md.`,
	}
	f := cmd.PersistentFlags()
	f.StringVar(&o.KeysDir, "keys-dir", "./keys", "directory of the public keys (NAME.asc, NAME.gpg)")
	f.StringVar(&o.PassphraseFile, "passphrase-file", "", "file holding the secret keys' passphrase")
	cmd.AddCommand(newKeysGenerateCmd(app, &o, false), newKeysGenerateCmd(app, &o, true),
		newKeysImportCmd(app, &o), newKeysListCmd(app, &o), newKeysExportCmd(app, &o), newKeysRetireCmd(app, &o))
	return cmd
}

// store opens the key store in the state directory and --keys-dir.
func (o keysOptions) store(app *App) (signing.Store, error) {
	state, err := app.StateDir()
	if err != nil {
		return signing.Store{}, err
	}
	return signing.Store{StateDir: state, PublicDir: o.KeysDir}, nil
}

func (o keysOptions) passphrase(app *App, confirm bool) signing.Passphrase {
	return signing.PassphraseOptions{Env: os.Environ(), File: o.PassphraseFile,
		Terminal: app.Terminal, Prompt: app.Err, Confirm: confirm}.Passphrase()
}

type keysGenerateOptions struct {
	keysOptions
	Name, Email, Comment, Algo, Expires string
	NoPassphrase                        bool
	Rotate                              bool // keys rotate: the new key signs beside the old
}

func newKeysGenerateCmd(app *App, common *keysOptions, rotate bool) *cobra.Command {
	o := keysGenerateOptions{Rotate: rotate}
	cmd := &cobra.Command{
		Use:   "generate --name NAME --email EMAIL",
		Short: "Generate a new signing key (the first one becomes active)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.keysOptions = *common
			return runKeysGenerate(cmd.Context(), app, o)
		},
	}
	if rotate {
		cmd.Use = "rotate --name NEW --email EMAIL"
		cmd.Short = "Start a rotation: generate NEW and sign with it beside the active key (end it with keys retire OLD)"
	}
	f := cmd.Flags()
	f.StringVar(&o.Name, "name", "", "key name (file names in the state and keys directories)")
	f.StringVar(&o.Email, "email", "", "e-mail address of the key's user ID")
	f.StringVar(&o.Comment, "comment", "", "comment of the key's user ID")
	f.StringVar(&o.Algo, "algo", "ed25519", "ed25519 or rsa4096")
	f.StringVar(&o.Expires, "expires", "2y", "lifetime: 2y, 18mo, 90d, or never")
	f.BoolVar(&o.NoPassphrase, "no-passphrase", false, "leave the secret key unencrypted")
	return cmd
}

func runKeysGenerate(_ context.Context, app *App, o keysGenerateOptions) error {
	if o.Name == "" || o.Email == "" {
		return errs.Usage(errors.New("keys: --name and --email are required"))
	}
	lifetime, err := signing.ParseLifetime(o.Expires)
	if err != nil {
		return err
	}
	s, err := o.store(app)
	if err != nil {
		return err
	}
	gen := signing.GenerateOptions{Name: o.Name, Email: o.Email, Comment: o.Comment, Algo: o.Algo, Expires: lifetime}
	if !o.NoPassphrase {
		if gen.Passphrase, err = o.passphrase(app, true)(); err != nil {
			if errors.Is(err, signing.ErrNoPassphrase) {
				err = errs.Usage(fmt.Errorf("%w, or --no-passphrase for an unencrypted key", err))
			}
			return err
		}
	}
	if o.Algo == "rsa4096" {
		app.Progress.Notef("generating an RSA-4096 key takes a while...")
	}
	k, err := generateOrRotate(s, gen, o.Rotate)
	if err != nil {
		return err
	}
	return printKey(app, s, k)
}

// generateOrRotate generates the key; the store's first key becomes active,
// and a rotation's new key becomes active beside the old one.
func generateOrRotate(s signing.Store, gen signing.GenerateOptions, rotate bool) (*signing.KeyInfo, error) {
	if rotate {
		return s.Rotate(gen)
	}
	k, err := s.Generate(gen)
	if err != nil {
		return nil, err
	}
	if active, err := s.Active(); err != nil || len(active) > 0 {
		return k, err
	}
	k.Active = true
	return k, s.Activate(k.Name)
}

func printKey(app *App, s signing.Store, k *signing.KeyInfo) error {
	if app.JSON {
		return json.NewEncoder(app.Out).Encode(k)
	}
	fmt.Fprintf(app.Out, "key %s: %s %s %s\n", k.Name, k.Algorithm, k.Fingerprint, expiry(k.Expires))
	fmt.Fprintf(app.Out, "  public: %s (Signed-By keyring) and .asc\n", s.KeyringPath(k.Name))
	if k.Active {
		fmt.Fprintf(app.Out, "  active: signs the repository and packages\n")
	}
	return nil
}

func expiry(t time.Time) string {
	if t.IsZero() {
		return "never expires"
	}
	return "expires " + t.Format(time.DateOnly)
}

type keysImportOptions struct {
	keysOptions
	File, Name       string
	Resign, Activate bool
}

func newKeysImportCmd(app *App, common *keysOptions) *cobra.Command {
	var o keysImportOptions
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a key (armored or binary, public or secret)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.keysOptions, o.File = *common, args[0]
			return runKeysImport(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Name, "name", "", "key name (default: its key ID)")
	f.BoolVar(&o.Resign, "resign", false, "re-sign SHA-1 self-signatures with SHA-512 instead of refusing the key")
	f.BoolVar(&o.Activate, "activate", false, "sign with this key from now on (beside the active ones)")
	return cmd
}

func runKeysImport(_ context.Context, app *App, o keysImportOptions) error {
	s, err := o.store(app)
	if err != nil {
		return err
	}
	k, err := s.Import(o.File, signing.ImportOptions{Name: o.Name, Resign: o.Resign,
		Activate: o.Activate, Passphrase: o.passphrase(app, false)})
	if err != nil {
		return err
	}
	return printKey(app, s, k)
}

func newKeysListCmd(app *App, common *keysOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the keys (--json for machines)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runKeysList(cmd.Context(), app, *common)
		},
	}
}

func runKeysList(_ context.Context, app *App, o keysOptions) error {
	s, err := o.store(app)
	if err != nil {
		return err
	}
	keys, err := s.List()
	if err != nil {
		return err
	}
	if app.JSON {
		return json.NewEncoder(app.Out).Encode(keys)
	}
	return printKeyTable(app.Out, keys)
}

func printKeyTable(w io.Writer, keys []signing.KeyInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tALGO\tFINGERPRINT\tCREATED\tEXPIRES\tSIGN\tSECRET\tACTIVE")
	now := time.Now()
	for _, k := range keys {
		exp := "never"
		if !k.Expires.IsZero() {
			exp = k.Expires.Format(time.DateOnly)
			if k.Expired(now) {
				exp += " (expired)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.Name, k.Algorithm, k.Fingerprint,
			k.Created.Format(time.DateOnly), exp, yesNo(k.CanSign), yesNo(k.HasSecret), yesNo(k.Active))
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

type keysExportOptions struct {
	keysOptions
	Names  []string // none: the active keys
	Output string
	Secret bool
}

func newKeysExportCmd(app *App, common *keysOptions) *cobra.Command {
	var o keysExportOptions
	cmd := &cobra.Command{
		Use:   "export [NAME...]",
		Short: "Print public keys as one armored block (default: the active keys), or with --secret one secret key as stored",
		RunE: func(cmd *cobra.Command, args []string) error {
			o.keysOptions, o.Names = *common, args
			return runKeysExport(cmd.Context(), app, o)
		},
	}
	cmd.Flags().BoolVar(&o.Secret, "secret", false, "export the secret key (still encrypted if it is)")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "write to this file (mode 0600 for --secret) instead of stdout")
	return cmd
}

func runKeysExport(_ context.Context, app *App, o keysExportOptions) error {
	if o.Secret && len(o.Names) != 1 {
		return errs.Usage(errors.New("keys export --secret: name exactly one key"))
	}
	s, err := o.store(app)
	if err != nil {
		return err
	}
	export := func(w io.Writer) error {
		if o.Secret {
			return s.Export(o.Names[0], true, w)
		}
		return s.ExportPublic(o.Names, w)
	}
	if o.Output == "" {
		return export(app.Out)
	}
	mode := os.FileMode(0o644)
	if o.Secret {
		mode = 0o600
	}
	f, err := os.OpenFile(o.Output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return errs.Usage(fmt.Errorf("export: %w", err))
	}
	if err := export(f); err != nil {
		f.Close()
		os.Remove(o.Output)
		return err
	}
	return f.Close()
}

func newKeysRetireCmd(app *App, common *keysOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "retire OLD",
		Short: "End a rotation: OLD stops signing (its files stay)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runKeysRetire(cmd.Context(), app, *common, args[0])
		},
	}
}

func runKeysRetire(_ context.Context, app *App, o keysOptions, name string) error {
	s, err := o.store(app)
	if err != nil {
		return err
	}
	if err := s.Retire(name); err != nil {
		return err
	}
	active, err := s.Active()
	if err != nil {
		return err
	}
	if app.JSON {
		return json.NewEncoder(app.Out).Encode(map[string]any{"retired": name, "active": active})
	}
	_, err = fmt.Fprintf(app.Out, "key %s retired; active: %v\n", name, active)
	return err
}
