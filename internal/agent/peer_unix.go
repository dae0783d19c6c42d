//go:build linux || darwin

package agent

import (
	"errors"
	"net"
)

// peerUID is the uid of the process at the other end of a Unix socket
// connection, as the kernel recorded it when that process connected.
func peerUID(c net.Conn) (int, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return -1, errors.New("not a Unix socket connection")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return -1, err
	}
	uid := -1
	var serr error
	if err := raw.Control(func(fd uintptr) { uid, serr = socketPeerUID(int(fd)) }); err != nil {
		return -1, err
	}
	return uid, serr
}
