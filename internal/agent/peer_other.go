//go:build !linux && !darwin

package agent

import (
	"errors"
	"net"
)

// peerUID cannot tell who is at the other end here: the agent refuses
// everyone, and clients fall back to their own sessions.
func peerUID(net.Conn) (int, error) {
	return -1, errors.New("the awsauth agent runs on Linux and macOS only")
}
