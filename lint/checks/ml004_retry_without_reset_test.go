package checks

import (
	"testing"
)

func TestRetryOnCoversReset(t *testing.T) {
	tests := []struct {
		name    string
		retryOn string
		want    bool
	}{
		{name: "empty is the mesh default", retryOn: "", want: false},
		{name: "only separators", retryOn: " , ", want: false},
		{name: "mesh default list", retryOn: "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes", want: false},
		{name: "status codes", retryOn: "503,504", want: false},
		{name: "reset", retryOn: "reset", want: true},
		{name: "reset with spaces", retryOn: "connect-failure , reset ", want: true},
		{name: "reset-before-request", retryOn: "reset-before-request", want: true},
		{name: "5xx", retryOn: "5xx,connect-failure", want: true},
		{name: "gateway-error", retryOn: "gateway-error,connect-failure,refused-stream", want: true},
		{name: "prefix is not a match", retryOn: "resets,5xxx", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryOnCoversReset(tc.retryOn); got != tc.want {
				t.Errorf("retryOnCoversReset(%q) = %v, want %v", tc.retryOn, got, tc.want)
			}
		})
	}
}
