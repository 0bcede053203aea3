package hosts

// commonFuncs are the shell functions both scripts share.
const commonFuncs = `die() {
	echo "$NAME: $*" >&2
	exit 1
}

# put FILE MODE writes stdin to FILE through a temporary file and a rename,
# so apt never reads a half-written keyring or source; umask 077 keeps a
# secret (s3auth.conf) unreadable before its mode is set.
put() {
	(umask 077 && cat >"$1.tmp.$$")
	chmod "$2" "$1.tmp.$$"
	mv -f "$1.tmp.$$" "$1"
}

# pick_suite prints SUITE or else this host's codename, and refuses a
# suite the repository does not publish: apt would only warn about it.
pick_suite() {
	suite=$SUITE
	if [ -z "$suite" ]; then
		[ -r "$OS_RELEASE_FILE" ] || die "cannot read $OS_RELEASE_FILE to find this host's suite; set SUITE in this script"
		# os-release is made to be sourced by sh; a subshell keeps its variables out.
		# shellcheck source=/dev/null
		suite=$(. "$OS_RELEASE_FILE" && printf '%s' "${VERSION_CODENAME:-}")
		[ -n "$suite" ] || die "$OS_RELEASE_FILE has no VERSION_CODENAME; set SUITE in this script"
	fi
	if [ -n "$SUITES" ]; then
		case " $SUITES " in
		*" $suite "*) ;;
		*) die "this host runs '$suite' but $URL publishes only: $SUITES" ;;
		esac
	fi
	printf '%s\n' "$suite"
}

# write_sources SUITE writes the deb822 source, signed by our key alone.
write_sources() {
	{
		echo "Types: deb"
		echo "URIs: $URL"
		echo "Suites: $1"
		echo "Components: $COMPONENT"
		if [ -n "$ARCHITECTURES" ]; then echo "Architectures: $ARCHITECTURES"; fi
		echo "Signed-By: $KEYRING"
	} | put "$SOURCES" 0644
}

# apt_update fails when this repository cannot be used. apt-get update
# exits 0 when a source is unreachable or badly signed, it only warns:
# Error-Mode=any makes newer apt fail on any such warning; older apt
# ignores the option, so the output is checked for lines naming URL too.
apt_update() {
	if ! out=$(apt-get update -o APT::Update::Error-Mode=any 2>&1); then
		printf '%s\n' "$out" >&2
		die "apt-get update failed"
	fi
	printf '%s\n' "$out"
	if printf '%s\n' "$out" | grep -E '^(W|E|Warning|Error):' | grep -F -e "$URL" >&2; then
		die "apt-get update could not use $URL (see the lines above)"
	fi
}

# pin holds PACKAGE at VERSION with an apt preference, so that a later
# upgrade does not undo a deliberate pin; without VERSION it removes the
# pin, and the host follows the newest version again.
pin() {
	if [ -z "$VERSION" ]; then
		rm -f "$PREFERENCES"
		return 0
	fi
	printf 'Package: %s\nPin: version %s\nPin-Priority: 1001\n' "$PACKAGE" "$VERSION" |
		put "$PREFERENCES" 0644
}

# install_package installs PACKAGE, or exactly PACKAGE=VERSION. Local
# changes to configuration files are kept, without a prompt.
install_package() {
	target=$PACKAGE
	if [ -n "$VERSION" ]; then target="$PACKAGE=$VERSION"; fi
	# --allow-downgrades: pinning an older version is a deliberate rollback.
	apt-get install -y --allow-downgrades \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		"$target"
}

`

const shellMain = `main() {
	suite=$(pick_suite)
	[ "$(id -u)" = 0 ] || die "run me as root: I write under /etc/apt"
	write_keyring
	write_sources "$suite"
	pin
	apt_update
	install_package
}

`

// s3Funcs install apt-transport-s3 and its configuration.
const s3Funcs = `# install_s3_transport installs apt's s3 method from the host's own
# Debian sources, before any s3:// source exists to break apt-get update.
install_s3_transport() {
	if [ -x /usr/lib/apt/methods/s3 ]; then return 0; fi
	apt-get update
	apt-get install -y apt-transport-s3
}

# write_s3auth configures apt-transport-s3. Keys are written only when
# AWS_ACCESS_KEY_ID is set while this script runs; otherwise the method
# uses the instance role and no secret is baked into the image.
write_s3auth() {
	if [ -n "${AWS_ACCESS_KEY_ID:-}" ] && [ -z "${AWS_SECRET_ACCESS_KEY:-}" ]; then
		die "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
	fi
	{
		echo "Region = '${REGION:-us-east-1}'"
		if [ -n "$ENDPOINT" ]; then echo "Endpoint = '$ENDPOINT'"; fi
		if [ -n "${AWS_ACCESS_KEY_ID:-}" ]; then
			echo "AccessKeyId = '$AWS_ACCESS_KEY_ID'"
			echo "SecretAccessKey = '$AWS_SECRET_ACCESS_KEY'"
			echo "Token = '${AWS_SESSION_TOKEN:-}'"
		fi
	} | put /etc/apt/s3auth.conf 0640
	# apt runs its methods as _apt, which must be able to read the file.
	if id _apt >/dev/null 2>&1; then chgrp _apt /etc/apt/s3auth.conf; fi
}

`

const s3Main = `main() {
	suite=$(pick_suite)
	[ "$(id -u)" = 0 ] || die "run me as root: I write under /etc/apt"
	install_s3_transport
	write_s3auth
	write_keyring
	write_sources "$suite"
	pin
	apt_update
	install_package
}

`
