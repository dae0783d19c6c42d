package keeper

import (
	"testing"
	"time"
)

// BenchmarkGet measures what the credential endpoint pays per request:
// parallel Gets answered from memory.
func BenchmarkGet(b *testing.B) {
	k := New(Options{Provider: &upstream{life: time.Hour}})
	if err := k.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	defer k.Stop()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := k.Get(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
