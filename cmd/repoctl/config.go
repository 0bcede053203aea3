package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/repoctl/repoctl/internal/errs"
)

// Config is repoctl.yaml. Every key can be overridden by an environment
// variable REPOCTL_<KEY> (upper case, '-' as '_'), and by a command's flags.
type Config struct {
	Recipe string `yaml:"recipe"` // recipe file for build/package/release
	// Target is where publish puts the repository: file:///dir or s3://bucket/prefix.
	Target    string `yaml:"target"`
	Endpoint  string `yaml:"endpoint"`   // S3-compatible endpoint URL (empty: AWS)
	Region    string `yaml:"region"`     // S3 region
	PathStyle bool   `yaml:"path-style"` // path-style S3 addressing (MinIO, versitygw, Ceph)
	// PublicURL is how hosts reach the published repository (for hosts and verify).
	PublicURL string `yaml:"public-url"`

	Jobs        int           `yaml:"jobs"`         // parallel uploads
	Grace       time.Duration `yaml:"grace"`        // keep superseded objects this long
	Keep        int           `yaml:"keep"`         // versions per package kept in the index
	LockTimeout time.Duration `yaml:"lock-timeout"` // wait this long for another release's lock

	SigningKey    string   `yaml:"signing-key"`    // key name under keys/ and the state dir
	Suites        []string `yaml:"suites"`         // Debian suites = distributions published
	Component     string   `yaml:"component"`      // apt component
	Architectures []string `yaml:"architectures"`  // published architectures
	Origin        string   `yaml:"origin"`         // Release Origin
	Label         string   `yaml:"label"`          // Release Label
	SourceMirrors []string `yaml:"source-mirrors"` // directories looked in first for sources
}

// DefaultConfig is the embedded default: local state, a development key,
// and a local directory as the target, so that a fresh machine can release
// with no configuration and no cloud account.
func DefaultConfig() Config {
	return Config{
		Recipe:        "recipes/nginx-realtime.yaml",
		Target:        "file://./.repoctl/public",
		Region:        "us-east-1",
		Jobs:          16,
		Grace:         48 * time.Hour,
		Keep:          5,
		LockTimeout:   10 * time.Minute,
		SigningKey:    "repoctl-dev",
		Component:     "main",
		Architectures: []string{"amd64"},
		Origin:        "repoctl",
		Label:         "repoctl",
	}
}

// LoadConfig reads file over the defaults, then applies REPOCTL_* variables
// from environ. A missing file is an error only when mustExist (the user
// named it with --config). Unknown keys and wrong types name file, line, key.
func LoadConfig(file string, mustExist bool, environ []string) (*Config, error) {
	cfg := DefaultConfig()
	data, err := os.ReadFile(file)
	switch {
	case errors.Is(err, os.ErrNotExist) && !mustExist:
	case err != nil:
		return nil, errs.Usage(fmt.Errorf("config: %w", err))
	default:
		if err := decodeStrict(data, &cfg); err != nil {
			return nil, errs.Usage(fmt.Errorf("config %s: %w", file, err))
		}
	}
	if err := applyEnv(&cfg, environ); err != nil {
		return nil, errs.Usage(fmt.Errorf("config: %w", err))
	}
	return &cfg, nil
}

func decodeStrict(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		// yaml.v3 says "line 3: field foo not found in type main.Config":
		// name the key the way the user wrote it.
		return errors.New(strings.ReplaceAll(err.Error(), " in type main.Config", ""))
	}
	return nil
}

// applyEnv sets fields from REPOCTL_<KEY> variables.
func applyEnv(cfg *Config, environ []string) error {
	rv := reflect.ValueOf(cfg).Elem()
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		key := rt.Field(i).Tag.Get("yaml")
		name := "REPOCTL_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
		val, ok := lookup(environ, name)
		if !ok {
			continue
		}
		if err := setField(rv.Field(i), val); err != nil {
			return fmt.Errorf("%s=%q: %w", name, val, err)
		}
	}
	return nil
}

func lookup(environ []string, name string) (string, bool) {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v, true
		}
	}
	return "", false
}

func setField(f reflect.Value, val string) error {
	switch f.Interface().(type) {
	case string:
		f.SetString(val)
	case bool:
		b, err := strconv.ParseBool(val)
		if err != nil {
			return errors.New("want true or false")
		}
		f.SetBool(b)
	case int:
		n, err := strconv.Atoi(val)
		if err != nil {
			return errors.New("want a whole number")
		}
		f.SetInt(int64(n))
	case time.Duration:
		d, err := time.ParseDuration(val)
		if err != nil {
			return errors.New("want a duration such as 48h or 10m")
		}
		f.SetInt(int64(d))
	case []string:
		var list []string
		for _, s := range strings.Split(val, ",") {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
		f.Set(reflect.ValueOf(list))
	default:
		return fmt.Errorf("unsupported type %s", f.Type())
	}
	return nil
}
