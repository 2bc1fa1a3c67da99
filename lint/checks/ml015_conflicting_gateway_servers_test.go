package checks

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	networkingapi "istio.io/api/networking/v1alpha3"
)

// notServerTLSFields are the ServerTLSSettings fields serverTLSFields
// leaves out, and why.
var notServerTLSFields = map[string]string{
	"httpsRedirect": "compared for plaintext HTTP servers only",
	// It shapes the filter chain (client certificate validation), but
	// ML015 has never compared it: adding it changes findings, so it is a
	// decision of its own, not part of writing the list once.
	"insecureSkipVerify": "not compared yet",
}

// TestServerTLSFieldsComplete: every field of ServerTLSSettings but those of
// notServerTLSFields is in serverTLSFields, so that two servers differing
// only in a field added to the API are not taken for duplicates.
func TestServerTLSFieldsComplete(t *testing.T) {
	fields := (&networkingapi.ServerTLSSettings{}).ProtoReflect().Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if _, ok := notServerTLSFields[fd.JSONName()]; ok {
			continue
		}
		t.Run(fd.JSONName(), func(t *testing.T) {
			b := &networkingapi.ServerTLSSettings{}
			m := b.ProtoReflect()
			switch {
			case fd.IsList() && fd.Kind() == protoreflect.StringKind:
				m.Mutable(fd).List().Append(protoreflect.ValueOfString("x"))
			case fd.IsList() && fd.Kind() == protoreflect.MessageKind:
				l := m.Mutable(fd).List()
				l.Append(l.NewElement())
			case fd.Kind() == protoreflect.StringKind:
				m.Set(fd, protoreflect.ValueOfString("x"))
			case fd.Kind() == protoreflect.EnumKind:
				m.Set(fd, protoreflect.ValueOfEnum(fd.Enum().Values().Get(1).Number()))
			case fd.Kind() == protoreflect.BoolKind:
				m.Set(fd, protoreflect.ValueOfBool(true))
			default:
				t.Fatalf("no value for field %s of kind %v; teach the test about it", fd.JSONName(), fd.Kind())
			}
			if sameServerTLS(&networkingapi.ServerTLSSettings{}, b) {
				t.Errorf("servers that differ in tls.%s have the same TLS settings for ML015", fd.JSONName())
			}
			found := false
			for _, f := range serverTLSFields {
				found = found || f.name == fd.JSONName()
			}
			if !found {
				t.Errorf("tls.%s is not in serverTLSFields", fd.JSONName())
			}
		})
	}
}
