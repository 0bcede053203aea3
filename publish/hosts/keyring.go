package hosts

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Keyring turns an ASCII-armored public key into the binary keyring
// `gpg --dearmor` makes, for hosts whose Signed-By names a .gpg file
// (apt before 1.4 reads only binary keyrings). The armor checksum is
// checked so that a key damaged in transit is refused here, not by apt.
func Keyring(armored []byte) ([]byte, error) {
	body, sum, err := armorBody(armored)
	if err != nil {
		return nil, err
	}
	data, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return nil, fmt.Errorf("keyring: armor body: %w", err)
	}
	if sum != "" {
		want, err := base64.StdEncoding.DecodeString(sum)
		if err != nil || len(want) != 3 {
			return nil, errors.New("keyring: malformed armor checksum")
		}
		got := crc24(data)
		if !bytes.Equal(want, []byte{byte(got >> 16), byte(got >> 8), byte(got)}) {
			return nil, errors.New("keyring: armor checksum mismatch: the key is damaged")
		}
	}
	return data, nil
}

// armorBody returns the base64 body and checksum of the first public key
// block (RFC 4880 section 6.2): header lines end at the first empty line.
func armorBody(armored []byte) (body, sum string, err error) {
	const begin, end = "-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----END PGP PUBLIC KEY BLOCK-----"
	sc := bufio.NewScanner(bytes.NewReader(armored))
	state := 0 // 0 before BEGIN, 1 headers, 2 body
	var b strings.Builder
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case state == 0 && line == begin:
			state = 1
		case state == 1 && line == "":
			state = 2
		case state == 1 && !strings.Contains(line, ": "):
			state = 2 // no headers and no blank line: tolerated, as gpg does
			b.WriteString(line)
		case state == 2 && line == end:
			return b.String(), sum, nil
		case state == 2 && strings.HasPrefix(line, "="):
			sum = line[1:]
		case state == 2:
			b.WriteString(line)
		}
	}
	return "", "", errors.New("keyring: no complete PGP PUBLIC KEY BLOCK in the key")
}

// crc24 is the OpenPGP armor checksum (RFC 4880 section 6.1).
func crc24(data []byte) uint32 {
	const init, poly = 0xB704CE, 0x1864CFB
	crc := uint32(init)
	for _, c := range data {
		crc ^= uint32(c) << 16
		for range 8 {
			crc <<= 1
			if crc&0x1000000 != 0 {
				crc ^= poly
			}
		}
	}
	return crc & 0xFFFFFF
}
