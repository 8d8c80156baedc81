package sweep

import "testing"

func FuzzParse(f *testing.F) {
	f.Add([]byte(fakeSweep))
	f.Add([]byte("seed = 3\nseeds = 2\n[[axis]]\npath='core.xbar.macro.program_variation'\nvalues=[0, 0.05, 0.1]\n[[axis]]\npath='model'\nvalues=['a.nsm','b.nsm']\nlabels=['p','n']\n"))
	f.Add([]byte("[[axis]]\npath='a'\nvalues=[true, 'x', 1e300]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b, "fuzz.toml")
		if err != nil {
			return
		}
		n := s.NumPoints()
		if n < 1 || n > maxPoints || n%s.Seeds != 0 {
			t.Fatalf("accepted a grid of %d points (%d seeds)", n, s.Seeds)
		}
		keys := map[string]bool{}
		for _, i := range []int{0, n / 2, n - 1} {
			p := s.Point(i)
			if p.Index != i || len(p.Params) != len(s.Axes) {
				t.Fatalf("point %d = %+v", i, p)
			}
			keys[p.Key] = true
		}
		if n >= 3 && len(keys) != 3 {
			t.Fatalf("distinct points share a key: %v", keys)
		}
	})
}
