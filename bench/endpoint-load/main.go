// Command endpoint-load measures a container-credentials endpoint as the
// SDKs use it: it reads AWS_CONTAINER_CREDENTIALS_FULL_URI and
// AWS_CONTAINER_AUTHORIZATION_TOKEN, sends a bounded number of GETs from N
// keep-alive clients, and prints p50, p99 and requests per second. Run it
// as the child of `awsauth exec` to measure awsauth's endpoint.
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"
)

func main() {
	clients := flag.Int("clients", 1, "concurrent keep-alive clients")
	requests := flag.Int("requests", 20000, "requests per client (bounded)")
	flag.Parse()
	url := os.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
	token := os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")
	if url == "" || token == "" {
		fmt.Fprintln(os.Stderr, "run under awsauth exec: no endpoint in the environment")
		os.Exit(2)
	}
	lat := make([][]time.Duration, *clients)
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, Proxy: nil}, Timeout: 5 * time.Second}
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("Authorization", token)
			ls := make([]time.Duration, 0, *requests)
			for i := 0; i < *requests; i++ {
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					fmt.Fprintln(os.Stderr, "status", resp.StatusCode)
					os.Exit(1)
				}
				ls = append(ls, time.Since(t0))
			}
			lat[c] = ls
		}(c)
	}
	wg.Wait()
	total := time.Since(start)
	var all []time.Duration
	for _, ls := range lat {
		all = append(all, ls...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	p := func(q float64) time.Duration { return all[int(q*float64(len(all)-1))] }
	fmt.Printf("clients=%d requests=%d p50=%dus p99=%dus rps=%.0f\n", *clients, len(all),
		p(0.50).Microseconds(), p(0.99).Microseconds(), float64(len(all))/total.Seconds())
}
