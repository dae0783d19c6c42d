//go:build !unix

package testenv

func umask(mask int) int { return 0 }
