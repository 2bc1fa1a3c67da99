package webhook

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/go-logr/logr"
	"github.com/go-logr/zapr"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// NewLogger returns a JSON zap logger behind logr writing to w. level is a
// zap level name or a logr verbosity (2 shows V(2) lines).
func NewLogger(w io.Writer, level string) (logr.Logger, error) {
	var lvl zapcore.Level
	if n, err := strconv.Atoi(level); err == nil {
		if n < 0 {
			return logr.Logger{}, fmt.Errorf("verbosity %d is negative", n)
		}
		lvl = zapcore.Level(-n)
	} else if err := lvl.UnmarshalText([]byte(strings.ToLower(level))); err != nil {
		return logr.Logger{}, fmt.Errorf("unknown level %q (want debug, info, warn, error or a number)", level)
	}
	enc := zap.NewProductionEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	core := zapcore.NewCore(zapcore.NewJSONEncoder(enc), zapcore.AddSync(w), zap.NewAtomicLevelAt(lvl))
	return zapr.NewLogger(zap.New(core)), nil
}
