// Command etcd is etcd's own server main, built from the Go module proxy so
// that envtest has an etcd binary without downloading one.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
