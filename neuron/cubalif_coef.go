package neuron

// CubaCoefficients are the step coefficients of a CubaLIF (see CubaLIF):
//
//	I ← AII·I + BI·x
//	v ← AVV·v + AVI·I_old + BV·x + CV
type CubaCoefficients struct {
	AII, BI, AVV, AVI, BV, CV float64
}

// Coefficients returns the step coefficients, so that other implementations
// (a compiler lowering onto integer hardware) step exactly as m does.
func (m *CubaLIF) Coefficients() CubaCoefficients {
	return CubaCoefficients{AII: m.aII, BI: m.bI, AVV: m.aVV, AVI: m.aVI, BV: m.bV, CV: m.cV}
}
