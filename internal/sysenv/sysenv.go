// Package sysenv is the one place awsauth reads its process environment.
//
// Domain packages receive an [Env] instead of calling os.Getenv, so tests can
// give each case a sealed environment.
package sysenv

import (
	"os"
	"sort"
	"strings"
)

// Env looks up an environment variable.
type Env func(key string) (string, bool)

// OS is the real process environment.
func OS() Env { return os.LookupEnv }

// FromMap returns an Env backed by m.
func FromMap(m map[string]string) Env {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// FromList returns an Env backed by KEY=VALUE pairs, as os.Environ gives them.
// A later pair wins over an earlier one with the same key.
func FromList(list []string) Env {
	m := make(map[string]string, len(list))
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if ok {
			m[k] = v
		}
	}
	return FromMap(m)
}

// Get returns the value of key, or "" when unset.
func (e Env) Get(key string) string {
	if e == nil {
		return ""
	}
	v, _ := e(key)
	return v
}

// First returns the first of keys that is set to a non-empty value, and its name.
func (e Env) First(keys ...string) (value, name string) {
	for _, k := range keys {
		if v := e.Get(k); v != "" {
			return v, k
		}
	}
	return "", ""
}

// AWSKeys lists the names of the set AWS_* variables in the real environment,
// sorted. It is used to seal test environments and to explain the environment.
func AWSKeys(environ []string) []string {
	var keys []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
