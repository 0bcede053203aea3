package hosts

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// cloudConfig is the part of cloud-init's schema CloudInit writes
// (cc_apt_configure: apt.sources.<name>.{source,key}; cc_package_update_upgrade_install).
type cloudConfig struct {
	Apt struct {
		Sources map[string]struct {
			Source string `yaml:"source"`
			Key    string `yaml:"key"`
		} `yaml:"sources"`
	} `yaml:"apt"`
	PackageUpdate bool  `yaml:"package_update"`
	Packages      []any `yaml:"packages"`
}

func TestCloudInitParses(t *testing.T) {
	for name, o := range cases(t) {
		text := CloudInit(o)
		if !strings.HasPrefix(text, "#cloud-config\n") {
			t.Fatalf("%s: cloud-init needs the #cloud-config first line", name)
		}
		var c cloudConfig
		dec := yaml.NewDecoder(strings.NewReader(text))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("%s: not valid YAML of the expected shape: %v", name, err)
		}
		src, ok := c.Apt.Sources[o.Name]
		if !ok {
			t.Fatalf("%s: no apt.sources.%s", name, o.Name)
		}
		// The key must come back byte for byte: cloud-init hands it to gpg.
		if src.Key != string(o.Armored) {
			t.Errorf("%s: key differs after YAML:\n%q\n%q", name, src.Key, o.Armored)
		}
		if _, err := Keyring([]byte(src.Key)); err != nil {
			t.Errorf("%s: key does not dearmor: %v", name, err)
		}
		if !strings.HasPrefix(src.Source, "deb [signed-by=$KEY_FILE") || !strings.HasSuffix(src.Source, " main") {
			t.Errorf("%s: source %q", name, src.Source)
		}
		if !c.PackageUpdate || len(c.Packages) != 1 {
			t.Errorf("%s: packages %v, package_update %v", name, c.Packages, c.PackageUpdate)
		}
		if o.Version != "" {
			pv, ok := c.Packages[0].([]any)
			if !ok || len(pv) != 2 || pv[0] != o.Package || pv[1] != o.Version {
				t.Errorf("%s: pinned package %v, want [%s, %s]", name, c.Packages[0], o.Package, o.Version)
			}
		}
	}
}
