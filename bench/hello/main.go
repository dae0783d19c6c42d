// Command hello is the floor for whole-process benchmarks: a Go binary that
// only prints a small JSON object.
package main

import "os"

func main() { os.Stdout.WriteString("{\"Version\":1}\n") }
