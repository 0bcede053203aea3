package hosts

import (
	"fmt"
	"strings"
)

// Sources renders the deb822 source file for /etc/apt/sources.list.d/.
// Signed-By restricts the source to the repository's own key: apt then
// trusts no other key for it, and this key for nothing else.
func Sources(o Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Types: deb\n")
	fmt.Fprintf(&b, "URIs: %s\n", o.baseURL())
	fmt.Fprintf(&b, "Suites: %s\n", o.Suite)
	fmt.Fprintf(&b, "Components: %s\n", o.Component)
	if len(o.Architectures) > 0 {
		fmt.Fprintf(&b, "Architectures: %s\n", strings.Join(o.Architectures, " "))
	}
	fmt.Fprintf(&b, "Signed-By: %s\n", o.KeyringPath())
	return b.String()
}

// CloudInit renders a #cloud-config for cloud-init's apt module
// (cc_apt_configure): apt.sources.<name> with the key inline, which
// cloud-init writes to a keyring of its own and names in $KEY_FILE, so
// the source is signed-by that key alone. An empty Suite becomes $RELEASE,
// which cloud-init replaces with the instance's codename. packages: makes
// cloud-init run apt-get update and install on first boot.
func CloudInit(o Options) string {
	suite := o.Suite
	if suite == "" {
		suite = "$RELEASE"
	}
	arch := ""
	if len(o.Architectures) > 0 {
		arch = " arch=" + strings.Join(o.Architectures, ",")
	}
	// A version is cloud-init's [name, version] form.
	pkg := fmt.Sprintf("%q", o.Package)
	if o.Version != "" {
		pkg = fmt.Sprintf("[%q, %q]", o.Package, o.Version)
	}
	var b strings.Builder
	b.WriteString("#cloud-config\n")
	b.WriteString("apt:\n  sources:\n")
	fmt.Fprintf(&b, "    %s:\n", o.Name)
	fmt.Fprintf(&b, "      source: \"deb [signed-by=$KEY_FILE%s] %s %s %s\"\n", arch, o.baseURL(), suite, o.Component)
	b.WriteString("      key: |\n")
	for _, line := range strings.Split(strings.TrimRight(string(o.Armored), "\n"), "\n") {
		if line == "" {
			b.WriteString("\n") // no trailing blanks in a YAML block scalar
			continue
		}
		fmt.Fprintf(&b, "        %s\n", line)
	}
	b.WriteString("package_update: true\n")
	fmt.Fprintf(&b, "packages:\n  - %s\n", pkg)
	return b.String()
}
