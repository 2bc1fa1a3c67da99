package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/meshlint/meshlint/webhook"
)

// runWebhook runs the admission webhook server until SIGINT or SIGTERM
// (what the kubelet sends before killing the pod).
func runWebhook(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return webhook.Main(ctx, args, stdout, stderr)
}
