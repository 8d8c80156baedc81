package neuron

import (
	"strings"
	"testing"
)

func TestKindNames(t *testing.T) {
	want := []string{"if", "lif", "cubalif", "multispike", "ilif", "prime-lif", "cuba"}
	ks := Kinds()
	if len(ks) != len(want) {
		t.Fatalf("%d kinds, want %d", len(ks), len(want))
	}
	for i, k := range ks {
		if k.String() != want[i] {
			t.Errorf("kind %d = %q, want %q", i, k, want[i])
		}
		if k.Describe() == "" {
			t.Errorf("%s has no description", k)
		}
		got, err := Parse(strings.ToUpper(" " + want[i] + " "))
		if err != nil || got != k {
			t.Errorf("Parse(%q) = %v, %v", want[i], got, err)
		}
		b, err := k.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var u Kind
		if err := u.UnmarshalText(b); err != nil || u != k {
			t.Errorf("text round trip of %s: %v %v", k, u, err)
		}
	}
	if KindMultiSpike.IntegerSpikes() != true || KindLIF.IntegerSpikes() {
		t.Error("IntegerSpikes wrong")
	}
}

func TestParseUnknown(t *testing.T) {
	for _, s := range []string{"", "lifx", "izhikevich", "prime_lif"} {
		_, err := Parse(s)
		if err == nil {
			t.Errorf("Parse(%q): no error", s)
			continue
		}
		if !strings.Contains(err.Error(), "prime-lif") {
			t.Errorf("Parse(%q) error does not list the known names: %v", s, err)
		}
	}
	var k Kind
	if k.Valid() || k.String() != "Kind(0)" {
		t.Error("zero Kind must be invalid")
	}
	if _, err := k.MarshalText(); err == nil {
		t.Error("MarshalText of zero Kind: no error")
	}
	if err := k.UnmarshalText([]byte("nope")); err == nil {
		t.Error("UnmarshalText(nope): no error")
	}
}

func FuzzParse(f *testing.F) {
	for _, k := range Kinds() {
		f.Add(k.String())
	}
	f.Add(" LIF ")
	f.Add("\x00")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := Parse(s)
		if err != nil {
			if k != 0 {
				t.Fatalf("Parse(%q) returned %v with an error", s, k)
			}
			return
		}
		if !k.Valid() {
			t.Fatalf("Parse(%q) = invalid %v", s, k)
		}
		if !strings.EqualFold(strings.TrimSpace(s), k.String()) {
			t.Fatalf("Parse(%q) = %v", s, k)
		}
		if k2, err := Parse(k.String()); err != nil || k2 != k {
			t.Fatalf("round trip of %v: %v %v", k, k2, err)
		}
	})
}
