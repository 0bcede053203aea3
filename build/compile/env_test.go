package compile

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/build/recipe"
)

func TestBuildEnviron(t *testing.T) {
	if _, err := exec.LookPath("dpkg-buildflags"); err != nil {
		needTool(t, "dpkg-buildflags (dpkg-dev)")
	}
	t.Setenv("MAKEFLAGS", "-j16 --jobserver-auth=3,4")
	t.Setenv("DEB_BUILD_MAINT_OPTIONS", "")
	srcRoot := t.TempDir()
	r := &recipe.Recipe{Build: recipe.Build{Env: map[string]string{"LUAJIT_INC": "/inc", "LDFLAGS": "-Wl,--as-needed"}}}
	b := &builder{r: r}
	env, err := b.environ(context.Background(), srcRoot, 1700000000)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := env["MAKEFLAGS"]; ok {
		t.Error("the caller's MAKEFLAGS leaked into the build")
	}
	for _, want := range []string{"-fstack-protector-strong", "-ffile-prefix-map=" + srcRoot + "=."} {
		if !strings.Contains(env["CFLAGS"], want) {
			t.Errorf("CFLAGS %q lacks %q", env["CFLAGS"], want)
		}
	}
	if !strings.Contains(env["CPPFLAGS"], "_FORTIFY_SOURCE") {
		t.Errorf("CPPFLAGS %q lacks _FORTIFY_SOURCE", env["CPPFLAGS"])
	}
	if env["LDFLAGS"] != "-Wl,--as-needed" || env["LUAJIT_INC"] != "/inc" {
		t.Errorf("recipe env must win: LDFLAGS=%q LUAJIT_INC=%q", env["LDFLAGS"], env["LUAJIT_INC"])
	}
	if env["SOURCE_DATE_EPOCH"] != "1700000000" {
		t.Errorf("SOURCE_DATE_EPOCH=%q", env["SOURCE_DATE_EPOCH"])
	}
	off := false
	b.r.Build.Hardening = &off
	t.Setenv("CFLAGS", "")
	env, _ = b.environ(context.Background(), srcRoot, 1)
	if env["CFLAGS"] != "" {
		t.Errorf("hardening off still sets CFLAGS=%q", env["CFLAGS"])
	}
}

func TestSecretsNeverInBuildEnv(t *testing.T) {
	t.Setenv("REPOCTL_SIGNING_PASSPHRASE", "hunter2")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t")
	t.Setenv("KEEP_ME", "yes")
	got := withoutSecrets(os.Environ())
	joined := strings.Join(got, "\n")
	for _, leak := range []string{"hunter2", "s3cr3t"} {
		if strings.Contains(joined, leak) {
			t.Errorf("secret %q reached the build environment", leak)
		}
	}
	if !strings.Contains(joined, "KEEP_ME=yes") {
		t.Error("an ordinary variable was dropped")
	}
}
