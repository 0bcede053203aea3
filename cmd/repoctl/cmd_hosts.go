package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/publish/hosts"
)

func init() { register(newHostsCmd) }

type hostsOptions struct {
	Form     string // sources, keyring, shell, cloud-init, s3
	Name     string
	URL      string
	Suite    string
	Package  string
	Version  string
	Key      string // armored public key file
	Dearmor  bool   // keyring: binary instead of armored
	Region   string
	Endpoint string
}

var hostsForms = []string{"sources", "keyring", "shell", "cloud-init", "s3"}

func newHostsCmd(app *App) *cobra.Command {
	var o hostsOptions
	cmd := &cobra.Command{
		Use:   "hosts sources|keyring|shell|cloud-init|s3",
		Short: "Print what a fleet host or an image bake needs to install from the repository",
		Long: `hosts prints, on stdout, one of:
  sources     the deb822 /etc/apt/sources.list.d/NAME.sources (Signed-By)
  keyring     the public key for /etc/apt/keyrings/NAME.asc (--dearmor: .gpg)
  shell       a POSIX sh script for fleet hosts and AWS/GCE image bakes
  cloud-init  a #cloud-config using cloud-init's apt module
  s3          the shell script for a private bucket, through apt-transport-s3
See docs/hosts.md.`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: hostsForms,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Form = args[0]
			return runHosts(cmd.Context(), app, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Name, "name", "repoctl", "file name of the keyring and the source on the host")
	f.StringVar(&o.URL, "url", "", "repository URL hosts use (default: public-url; s3: the s3:// target)")
	f.StringVar(&o.Suite, "suite", "", "suite (default: the host's VERSION_CODENAME; required for sources)")
	f.StringVar(&o.Package, "package", "", "package to install (default: the configured recipe's package)")
	f.StringVar(&o.Version, "version", "", "install exactly this version and pin it (default: the newest)")
	f.StringVar(&o.Key, "key", "", "armored public key (default: keys/<signing-key>.asc)")
	f.BoolVar(&o.Dearmor, "dearmor", false, "keyring: print the binary keyring (for a .gpg Signed-By)")
	f.StringVar(&o.Region, "region", "", "s3: the bucket's region (default: the config's region)")
	f.StringVar(&o.Endpoint, "endpoint", "", "s3: S3-compatible endpoint host (default: the config's endpoint)")
	return cmd
}

func runHosts(_ context.Context, app *App, o hostsOptions) error {
	ho, err := hostsOptionsFrom(app.Config, o)
	if err != nil {
		return err
	}
	if o.Form == "keyring" {
		return writeKeyring(app, ho.Armored, o.Dearmor)
	}
	if err := ho.Validate(); err != nil {
		return errs.Usage(fmt.Errorf("hosts: %w", err))
	}
	var text string
	switch o.Form {
	case "sources":
		if ho.Suite == "" {
			return errs.Usage(errors.New("hosts sources: pass --suite (a .sources file names one suite)"))
		}
		text = hosts.Sources(ho)
	case "shell":
		text = hosts.Shell(ho)
	case "cloud-init":
		text = hosts.CloudInit(ho)
	case "s3":
		if !strings.HasPrefix(ho.URL, "s3://") {
			return errs.Usage(fmt.Errorf("hosts s3: --url %q: want s3://BUCKET/PREFIX", ho.URL))
		}
		text = hosts.S3Private(ho)
	}
	_, err = fmt.Fprint(app.Out, text)
	return err
}

// hostsOptionsFrom fills what the flags leave out from the config.
func hostsOptionsFrom(cfg *Config, o hostsOptions) (hosts.Options, error) {
	if !slices.Contains(hostsForms, o.Form) {
		return hosts.Options{}, errs.Usage(fmt.Errorf("hosts: unknown form %q: want one of %s", o.Form, strings.Join(hostsForms, ", ")))
	}
	if o.Key == "" {
		o.Key = filepath.Join("keys", cfg.SigningKey+".asc")
	}
	armored, err := os.ReadFile(o.Key)
	if err != nil {
		return hosts.Options{}, errs.Usage(fmt.Errorf("hosts: public key: %w (export it: repoctl keys export)", err))
	}
	if o.Package == "" {
		o.Package = recipePackage(cfg.Recipe)
	}
	url := o.URL
	switch {
	case url == "" && o.Form == "s3" && strings.HasPrefix(cfg.Target, "s3://"):
		url = cfg.Target
	case url == "" && o.Form != "keyring":
		url = cfg.PublicURL
		if url == "" {
			return hosts.Options{}, errs.Usage(errors.New("hosts: no repository URL: pass --url or set public-url in repoctl.yaml " +
				"(the http(s) URL hosts read the repository at)"))
		}
	}
	return hosts.Options{
		Name: o.Name, URL: url, Suite: o.Suite, Suites: cfg.Suites, Component: cfg.Component,
		Architectures: cfg.Architectures, Package: o.Package, Version: o.Version, Armored: armored,
		Region: cmp.Or(o.Region, cfg.Region), Endpoint: s3EndpointHost(cmp.Or(o.Endpoint, cfg.Endpoint)),
	}, nil
}

// recipePackage is the package the configured recipe makes; when the
// recipe cannot be read (a host-side machine without the repo), the
// production package.
func recipePackage(file string) string {
	if r, err := recipe.Load(file); err == nil && r.Package.Name != "" {
		return r.Package.Name
	}
	return "openresty-realtime"
}

func writeKeyring(app *App, armored []byte, dearmor bool) error {
	out := armored
	if dearmor {
		bin, err := hosts.Keyring(armored)
		if err != nil {
			return errs.Usage(fmt.Errorf("hosts keyring: %w", err))
		}
		out = bin
	}
	_, err := app.Out.Write(out)
	return err
}

// s3EndpointHost is the host[:port] apt-transport-s3 wants: it always
// speaks https and takes no scheme.
func s3EndpointHost(endpoint string) string {
	e := strings.TrimPrefix(strings.TrimPrefix(endpoint, "https://"), "http://")
	return strings.TrimRight(e, "/")
}
