//go:build linux

package publish

import "syscall"

func getAttr(p, name string) (string, bool) {
	buf := make([]byte, 128)
	n, err := syscall.Getxattr(p, name, buf)
	if err != nil {
		return "", false
	}
	return string(buf[:n]), true
}

func setAttr(p, name, value string) {
	syscall.Setxattr(p, name, []byte(value), 0)
}
