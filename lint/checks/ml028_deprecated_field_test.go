package checks

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	networkingapi "istio.io/api/networking/v1alpha3"
	securityapi "istio.io/api/security/v1beta1"
)

// TestDeprecatedFieldsCovered fails when the Istio API marks a field or an
// enum value of a kind meshlint reads deprecated and ML028 neither reports
// it (deprecatedReplacement) nor leaves it to another check on purpose
// (deprecatedSkipped): ML028 reads the deprecated fields through their
// getters, so a new one needs a line there and in runDeprecatedField.
func TestDeprecatedFieldsCovered(t *testing.T) {
	var known []protoreflect.FullName
	for n := range deprecatedReplacement {
		known = append(known, n)
	}
	for n := range deprecatedSkipped {
		known = append(known, n)
	}
	slices.Sort(known)
	got := deprecatedAPI()
	for _, n := range got {
		if !slices.Contains(known, n) {
			t.Errorf("the API deprecates %s, which ML028 does not know", n)
		}
	}
	for _, n := range known {
		if !slices.Contains(got, n) {
			t.Errorf("ML028 lists %s, which the API does not deprecate (renamed or removed?)", n)
		}
	}
}

// deprecatedAPI lists the deprecated fields and enum values of the kinds
// meshlint reads, from the schema's own options (for the coverage test).
func deprecatedAPI() []protoreflect.FullName {
	roots := []protoreflect.MessageDescriptor{
		(&networkingapi.DestinationRule{}).ProtoReflect().Descriptor(),
		(&networkingapi.VirtualService{}).ProtoReflect().Descriptor(),
		(&networkingapi.Gateway{}).ProtoReflect().Descriptor(),
		(&networkingapi.ServiceEntry{}).ProtoReflect().Descriptor(),
		(&networkingapi.EnvoyFilter{}).ProtoReflect().Descriptor(),
		(&securityapi.PeerAuthentication{}).ProtoReflect().Descriptor(),
	}
	seen := map[protoreflect.FullName]bool{}
	found := map[protoreflect.FullName]bool{}
	var visit func(md protoreflect.MessageDescriptor)
	visit = func(md protoreflect.MessageDescriptor) {
		if seen[md.FullName()] || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
			return
		}
		seen[md.FullName()] = true
		fields := md.Fields()
		for i := 0; i < fields.Len(); i++ {
			fd := fields.Get(i)
			if opts, ok := fd.Options().(*descriptorpb.FieldOptions); ok && opts.GetDeprecated() {
				found[fd.FullName()] = true
			}
			if fd.IsMap() {
				fd = fd.MapValue()
			}
			switch fd.Kind() {
			case protoreflect.EnumKind:
				vals := fd.Enum().Values()
				for j := 0; j < vals.Len(); j++ {
					if opts, ok := vals.Get(j).Options().(*descriptorpb.EnumValueOptions); ok && opts.GetDeprecated() {
						found[vals.Get(j).FullName()] = true
					}
				}
			case protoreflect.MessageKind, protoreflect.GroupKind:
				visit(fd.Message())
			}
		}
	}
	for _, r := range roots {
		visit(r)
	}
	out := make([]protoreflect.FullName, 0, len(found))
	for n := range found {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
