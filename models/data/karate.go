package data

// KarateName names Zachary's karate club node-classification task.
const KarateName = "karate"

// karateEdges is the friendship network of Zachary's karate club: 34 members
// (0-indexed; member k is row k+1 of the paper's matrix), 78 undirected edges.
// Source: W. W. Zachary, "An information flow model for conflict and fission
// in small groups", Journal of Anthropological Research 33(4):452–473, 1977,
// matrix E (the edges, not the interaction counts of matrix C), as
// distributed with UCINET (http://vlado.fmf.uni-lj.si/pub/networks/data/Ucinet/UciData.htm)
// and NetworkX's karate_club_graph. NetworkX's weighted matrix lists the
// 22–33 edge in one direction only; it is an edge of the 78.
var karateEdges = [][2]int32{
	{0, 1}, {0, 2}, {0, 3}, {0, 4}, {0, 5}, {0, 6}, {0, 7}, {0, 8},
	{0, 10}, {0, 11}, {0, 12}, {0, 13}, {0, 17}, {0, 19}, {0, 21}, {0, 31},
	{1, 2}, {1, 3}, {1, 7}, {1, 13}, {1, 17}, {1, 19}, {1, 21}, {1, 30},
	{2, 3}, {2, 7}, {2, 8}, {2, 9}, {2, 13}, {2, 27}, {2, 28}, {2, 32},
	{3, 7}, {3, 12}, {3, 13}, {4, 6}, {4, 10}, {5, 6}, {5, 10}, {5, 16},
	{6, 16}, {8, 30}, {8, 32}, {8, 33}, {9, 33}, {13, 33}, {14, 32}, {14, 33},
	{15, 32}, {15, 33}, {18, 32}, {18, 33}, {19, 33}, {20, 32}, {20, 33}, {22, 32},
	{22, 33}, {23, 25}, {23, 27}, {23, 29}, {23, 32}, {23, 33}, {24, 25}, {24, 27},
	{24, 31}, {25, 31}, {26, 29}, {26, 33}, {27, 33}, {28, 31}, {28, 33}, {29, 32},
	{29, 33}, {30, 32}, {30, 33}, {31, 32}, {31, 33}, {32, 33},
}

// karateMrHi are the members who joined Mr. Hi's club after the split
// (Zachary's Table 3, "club after fission"; NetworkX's club attribute
// "Mr. Hi"); the other 17 joined the Officer's club.
var karateMrHi = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 16, 17, 19, 21}

// NodeTask is a node-classification task on one graph: every node has a
// feature vector (uint8 values standing for v/255, row-major [Nodes][Features])
// and a label; Labelled lists the nodes whose labels training may use.
type NodeTask struct {
	Name       string
	Graph      Graph
	Features   int
	X          []uint8
	Labels     []uint8
	Classes    int
	ClassNames []string
	Labelled   []int
}

// Karate returns Zachary's karate club as a semi-supervised node
// classification task, in the setting of Kipf & Welling's GCN demo: the
// features are the identity (one-hot node ids, 34 features), the labels the
// two clubs after the split (0 "Mr. Hi", 1 "Officer"), and only the two
// leaders are labelled: member 0 (Mr. Hi) and member 33 (the Officer, John A.).
func Karate() *NodeTask {
	const n = 34
	t := &NodeTask{
		Name:       KarateName,
		Graph:      Graph{Nodes: n, Edges: karateEdges},
		Features:   n,
		X:          make([]uint8, n*n),
		Labels:     make([]uint8, n),
		Classes:    2,
		ClassNames: []string{"Mr. Hi", "Officer"},
		Labelled:   []int{0, 33},
	}
	for i := 0; i < n; i++ {
		t.X[i*n+i] = 255
		t.Labels[i] = 1
	}
	for _, i := range karateMrHi {
		t.Labels[i] = 0
	}
	return t
}

// Split returns the task as a one-sample split (the whole graph's feature
// matrix, Rows = nodes, Cols = features), for running it on a chip; its one
// label is 0 and means nothing: node labels are t.Labels.
func (t *NodeTask) Split() Split {
	return Split{N: 1, Rows: t.Graph.Nodes, Cols: t.Features, Images: t.X, Labels: []uint8{0}}
}
