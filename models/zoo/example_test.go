package zoo_test

import (
	"fmt"

	"github.com/neurosim/neurosim/models"
	"github.com/neurosim/neurosim/models/zoo"
)

// Build a published model without weights and read its analytic table.
func ExampleAnalyze() {
	m, err := zoo.Build("e-spikeformer-m", zoo.Options{Placeholder: true})
	if err != nil {
		panic(err)
	}
	t, err := zoo.Analyze(m.Graph, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %d parameters, conv+linear %.4f G, attention %.4f G, %d spiking outputs\n",
		m.Name, models.ParamCount(m.Graph), float64(t.ConvLinear)/1e9, float64(t.Attention)/1e9, t.SpikingOutputs)
	// Output: e-spikeformer-m: 10023112 parameters, conv+linear 3.9351 G, attention 0.3135 G, 13303152 spiking outputs
}

// Price a model with one mean spike count for every spiking layer.
func ExampleTable_Price() {
	m, err := zoo.Build("spikeyolo-s", zoo.Options{Placeholder: true})
	if err != nil {
		panic(err)
	}
	t, err := zoo.Analyze(m.Graph, nil) // the published 640×640
	if err != nil {
		panic(err)
	}
	r := zoo.Rates{}
	for _, s := range t.Sources() {
		r[s] = 0.369
	}
	e, err := t.Price(r, zoo.DefaultPrices)
	if err != nil {
		panic(err)
	}
	fmt.Printf("E_SNN %.2f mJ, E_ANN %.2f mJ\n", e.PJ/1e9, e.ANNPJ/1e9)
	// Output: E_SNN 35.74 mJ, E_ANN 480.77 mJ
}
